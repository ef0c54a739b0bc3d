package io.provability.fabric.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.topology.FabricTopology;
import io.provability.fabric.topology.config.FabricConfig;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecisionWarmUpTest {
  @TempDir Path work;

  @Test
  void theWarmUpTakesTheAllowPathsWithTheInstancesDecidersAndLeavesItsKeyRingAlone()
      throws Exception {
    Ed25519.SigningKey realIssuer = Ed25519.SigningKey.generate("real-issuer", new SecureRandom());
    Path trusted = work.resolve("trusted.keys");
    KeyRing.empty().with(realIssuer.keyId(), realIssuer.publicKey()).write(trusted);
    FabricConfig cfg =
        FabricConfig.defaults(
            Map.of(
                FabricConfig.WORK_DIR_CONFIG,
                work.toString(),
                FabricConfig.TRUSTED_KEYS_CONFIG,
                trusted.toString()));
    FabricTopology.Keys keys = FabricRuntime.keys(cfg);

    DecisionWarmUp.Result r =
        DecisionWarmUp.run(
            FabricRuntime.topologySettings(cfg),
            keys,
            Long.getLong("warmup.n", 2_000),
            Duration.ofMinutes(2),
            Clock.systemUTC());

    System.out.println("warm-up: " + r);
    assertThat(r.requests()).isEqualTo(Long.getLong("warmup.n", 2_000));
    // the synthetic issuer is trusted by the warm-up's own deciders, so plans and retrievals are
    // allowed
    assertThat(r.allowed()).isGreaterThan(r.requests() / 4).isLessThan(r.requests());
    // ... and by nothing else: the instance's ring still holds only its own issuer
    assertThat(keys.trustedIssuers().size()).isEqualTo(1);
    assertThat(keys.trustedIssuers().publicKey("warm-up-issuer")).isEmpty();
  }

  @Test
  void aSpentBudgetStopsTheWarmUpEarly() throws Exception {
    Ed25519.SigningKey issuer = Ed25519.SigningKey.generate("real-issuer", new SecureRandom());
    Path trusted = work.resolve("trusted.keys");
    KeyRing.empty().with(issuer.keyId(), issuer.publicKey()).write(trusted);
    FabricConfig cfg =
        FabricConfig.defaults(
            Map.of(
                FabricConfig.WORK_DIR_CONFIG,
                work.toString(),
                FabricConfig.TRUSTED_KEYS_CONFIG,
                trusted.toString()));
    DecisionWarmUp.Result r =
        DecisionWarmUp.run(
            FabricRuntime.topologySettings(cfg),
            FabricRuntime.keys(cfg),
            Long.MAX_VALUE,
            Duration.ZERO,
            Clock.systemUTC());
    assertThat(r.requests()).isZero();
  }
}
