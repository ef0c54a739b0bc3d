package io.provability.fabric.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.topology.config.FabricConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trusted issuers from a key ring and a JWKS; the registry settings' validation. */
class TrustedIssuersTest {
  @TempDir Path dir;

  private static String x(byte[] publicKey) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(publicKey);
  }

  @Test
  void aJwksAloneIsEnoughAndOnlyItsEd25519PublicKeysAreTrusted() throws Exception {
    Ed25519.SigningKey a = Ed25519.SigningKey.fromSeed("a", new byte[32]);
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(
        jwks,
        "{\"keys\": ["
            + "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"a\",\"x\":\""
            + x(a.publicKey())
            + "\"},"
            + "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\""
            + x(a.publicKey())
            + "\"},"
            + "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
            + "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}");
    FabricConfig cfg =
        FabricConfig.defaults(
            Map.of(
                FabricConfig.WORK_DIR_CONFIG,
                dir.resolve("work").toString(),
                FabricConfig.TRUSTED_JWKS_FILE_CONFIG,
                jwks.toString()));

    KeyRing ring = FabricRuntime.trustedIssuers(cfg);

    assertThat(ring.size()).isEqualTo(1);
    assertThat(ring.publicKey("a")).hasValueSatisfying(k -> assertThat(k).isEqualTo(a.publicKey()));
  }

  @Test
  void theKeyRingAndTheJwksAddUp() throws Exception {
    Ed25519.SigningKey a = Ed25519.SigningKey.fromSeed("a", new byte[32]);
    byte[] seed = new byte[32];
    seed[0] = 7;
    Ed25519.SigningKey b = Ed25519.SigningKey.fromSeed("b", seed);
    Path ringFile = dir.resolve("ring.keys");
    KeyRing.of(Map.of("a", a.publicKey())).write(ringFile);
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(
        jwks,
        "{\"keys\": [{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"b\",\"x\":\""
            + x(b.publicKey())
            + "\"}]}");

    KeyRing ring =
        FabricRuntime.trustedIssuers(
            FabricConfig.defaults(
                Map.of(
                    FabricConfig.TRUSTED_KEYS_CONFIG,
                    ringFile.toString(),
                    FabricConfig.TRUSTED_JWKS_FILE_CONFIG,
                    jwks.toString())));

    assertThat(ring.size()).isEqualTo(2);
  }

  @Test
  void neitherAKeyRingNorAJwksStopsStartUpNamingTheKey() {
    FabricConfig cfg =
        FabricConfig.defaults(Map.of(FabricConfig.WORK_DIR_CONFIG, dir.resolve("none").toString()));

    assertThatThrownBy(() -> FabricRuntime.trustedIssuers(cfg))
        .hasMessageContaining(FabricConfig.TRUSTED_KEYS_CONFIG);
  }

  @Test
  void aJwksWithoutAnyEd25519KeyStopsStartUp() throws Exception {
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, "{\"keys\": []}");
    FabricConfig cfg =
        FabricConfig.defaults(
            Map.of(
                FabricConfig.WORK_DIR_CONFIG,
                dir.resolve("w").toString(),
                FabricConfig.TRUSTED_JWKS_FILE_CONFIG,
                jwks.toString()));

    assertThatThrownBy(() -> FabricRuntime.trustedIssuers(cfg))
        .hasMessageContaining("no trusted token issuer key");
  }

  @Test
  void theRegistryFormatNeedsARegistryAndAnUnknownFormatIsRefused() {
    assertThatThrownBy(
            () -> FabricConfig.defaults(Map.of(FabricConfig.SERDE_FORMAT_CONFIG, "registry")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(FabricConfig.SCHEMA_REGISTRY_URL_CONFIG);
    assertThatThrownBy(
            () -> FabricConfig.defaults(Map.of(FabricConfig.SERDE_FORMAT_CONFIG, "json")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(FabricConfig.SERDE_FORMAT_CONFIG);
    assertThat(FabricConfig.defaults(Map.of()).wireFormat().configName())
        .isEqualTo("single-object");
  }
}
