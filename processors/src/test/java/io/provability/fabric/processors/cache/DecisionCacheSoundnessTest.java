package io.provability.fabric.processors.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The shadow check in the suite (the long run is {@link SoundnessWorkload#main}): every request
 * served from a cache equals a fresh evaluation, while revocations, grant changes, version bumps
 * and clock jumps are interleaved; the cache must actually serve a good share, or the check proves
 * nothing.
 */
class DecisionCacheSoundnessTest {
  @Test
  void everyCachedDecisionEqualsAFreshEvaluation() {
    SoundnessWorkload.Report r = SoundnessWorkload.run(30_000, 42);
    System.out.println("soundness (suite run): " + r);
    assertThat(r.mismatches()).isZero();
    assertThat(r.fromCache()).as("requests served from cache").isGreaterThan(r.requests() / 10);
    assertThat(r.outcomes().get(CacheMetrics.Outcome.HIT_PATTERN)).isPositive();
    assertThat(r.outcomes().get(CacheMetrics.Outcome.HIT_NORMALISED)).isPositive();
    assertThat(r.outcomes().get(CacheMetrics.Outcome.HIT_EXACT)).isPositive();
    assertThat(r.revocations()).isPositive();
    assertThat(r.grantChanges()).isPositive();
    assertThat(r.versionBumps()).isPositive();
    assertThat(r.clockJumps()).isPositive();
    assertThat(r.replicated()).isPositive();
  }
}
