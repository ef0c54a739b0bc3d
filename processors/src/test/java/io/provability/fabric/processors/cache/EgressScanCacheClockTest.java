package io.provability.fabric.processors.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.processors.cache.internal.EgressScanCache;
import io.provability.fabric.processors.cache.internal.TieredCache;
import io.provability.fabric.processors.egress.Finding;
import io.provability.fabric.processors.egress.FindingType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Scan results never expire early by the injected clock, and are scanned again once the near
 * cache's injected ticker passes the TTL.
 */
class EgressScanCacheClockTest {
  private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

  @Test
  void aHitFollowsTheInjectedTimeNotTheSystemClock() {
    ManualTime time = new ManualTime(NOW);
    SoundnessWorkload.LoopbackShared shared = new SoundnessWorkload.LoopbackShared();
    TieredCache<List<Finding>> near =
        TieredCacheTest.findingsCache(Duration.ofMinutes(10), shared, time);
    AtomicInteger scans = new AtomicInteger();
    Function<String, List<Finding>> scanner =
        text -> {
          scans.incrementAndGet();
          return List.of(new Finding(FindingType.JWT, 0, 3, 0, 3, 0.9));
        };
    CacheMetrics metrics = CacheMetrics.simple();
    EgressScanCache cache = new EgressScanCache(scanner, near, metrics, time);

    List<Finding> first = cache.apply("abc");
    time.advance(Duration.ofMinutes(9));
    assertThat(cache.apply("abc")).isEqualTo(first);
    assertThat(scans).hasValue(1);
    assertThat(metrics.lookups(CacheName.EGRESS_VERDICTS, CacheMetrics.Outcome.HIT_EXACT))
        .isEqualTo(1);

    time.advance(Duration.ofMinutes(2));
    assertThat(cache.apply("abc")).isEqualTo(first);
    assertThat(scans).hasValue(2);
    assertThat(shared.storedTtls).containsExactly(600_000L, 600_000L);
  }
}
