package io.provability.fabric.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.processors.cache.CacheMetrics;
import io.provability.fabric.processors.cache.HotTier;
import io.provability.fabric.processors.cache.HotTierSettings;
import org.junit.jupiter.api.AfterEach;

/**
 * Every topology test again with the in-process hot tier on and its shadow check counting: the same
 * outputs, and no cached decision that differs from a fresh evaluation (revocations and grants
 * arrive on the policy topic while identical plans repeat).
 */
class FabricTopologyWithHotTierTest extends FabricTopologyTest {
  private final CacheMetrics metrics = CacheMetrics.simple();

  @Override
  HotTier hotTier() {
    return HotTier.inProcess(HotTierSettings.DEFAULTS.withShadowCheck(true), metrics);
  }

  @AfterEach
  void noCachedDecisionDiffered() {
    assertThat(metrics.shadowMismatches()).isZero();
  }
}
