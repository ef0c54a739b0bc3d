package io.provability.fabric.processors.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.kernel.KernelEngine;
import io.provability.fabric.processors.kernel.KernelLimits;
import io.provability.fabric.processors.kernel.KernelResult;
import io.provability.fabric.processors.kernel.PlanEvaluator;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The policy state changes under a deciding stream thread (the global thread applies revocations
 * while it evaluates). A cache entry must pair a key with the result of the same state: here every
 * token is revoked right after the evaluation's first read of it, and the cache must still only
 * ever serve what a fresh evaluation gives in the state its key describes. (Found by
 * HotTierEndToEndIT's shadow check: a cached ALLOW for a token whose revocation landed
 * mid-evaluation.)
 */
class ConsistentPolicyViewTest {
  private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

  /** Not revoked at the first read of a token, revoked from the second read on. */
  private static final class RevokedMidEvaluation implements PolicyView {
    private final Set<String> seen = new HashSet<>();

    @Override
    public boolean isRevoked(String tokenId) {
      return !seen.add(tokenId);
    }

    @Override
    public long policyVersion() {
      return 1L;
    }

    @Override
    public Optional<CapabilityGrant> grant(String tenant, String subjectId) {
      return Optional.empty();
    }
  }

  @Test
  void aRevocationLandingMidEvaluationNeverPairsAKeyWithAResultItDoesNotDescribe() {
    Random rnd = new Random(5);
    List<CapabilityToken> tokens = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      tokens.add(SoundnessWorkload.token(rnd, i, NOW));
    }
    List<AccessReceipt> receipts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      receipts.add(SoundnessWorkload.receipt(i, NOW));
    }
    HotTierSettings settings =
        new HotTierSettings(
            true,
            Map.of(CacheName.DECISIONS, new CacheSpec(Duration.ofHours(1), 8L << 20, 1L << 30)),
            false);
    HotTier tier = HotTier.inProcess(settings, CacheMetrics.simple());
    PlanEvaluator cached =
        tier.planEvaluator(
            new KernelEngine(
                SoundnessWorkload.ISSUERS,
                SoundnessWorkload.RECEIPT_RING,
                KernelLimits.DEFAULTS,
                tier.tokenCache(100, SoundnessWorkload.ISSUERS)),
            SoundnessWorkload.ISSUERS,
            SoundnessWorkload.RECEIPT_RING,
            KernelLimits.DEFAULTS);
    KernelEngine fresh =
        new KernelEngine(
            SoundnessWorkload.ISSUERS,
            SoundnessWorkload.RECEIPT_RING,
            KernelLimits.DEFAULTS,
            new VerifiedTokenCache(100));
    SoundnessWorkload.MutablePolicy nothingRevoked = new SoundnessWorkload.MutablePolicy();
    nothingRevoked.version = 1L;

    int allowedFromCache = 0;
    for (int n = 0; n < 3_000; n++) {
      PlanRequest plan = SoundnessWorkload.plan(rnd, n, tokens, receipts, NOW);
      cached.evaluate(plan, new RevokedMidEvaluation(), NOW);
      // the state the first evaluation's key was computed in: nothing revoked
      KernelResult served = cached.evaluate(plan, nothingRevoked, NOW);
      assertThat(served)
          .as(plan.getRequestId())
          .isEqualTo(fresh.evaluate(plan, nothingRevoked, NOW));
      if (served.verdict() == Verdict.ALLOW) {
        allowedFromCache++;
      }
    }
    assertThat(allowedFromCache)
        .as("plans allowed, so a wrongly cached denial would have shown")
        .isGreaterThan(50);
  }
}
