package io.provability.fabric.processors.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.provability.fabric.processors.cache.internal.CacheEntry;
import io.provability.fabric.processors.cache.internal.EgressScanCache;
import io.provability.fabric.processors.cache.internal.TieredCache;
import io.provability.fabric.processors.egress.Finding;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The near cache's TTL runs on the injected ticker; the shared TTL on the caller's time. */
class TieredCacheTest {
  private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

  @Test
  void nearEntriesExpireWhenTheTickerPassesTheTtl() {
    ManualTime time = new ManualTime(NOW);
    SoundnessWorkload.LoopbackShared shared = new SoundnessWorkload.LoopbackShared();
    TieredCache<List<Finding>> cache = findingsCache(Duration.ofSeconds(60), shared, time);
    ByteKey key = EgressScanCache.key("hello");
    CacheEntry<List<Finding>> entry =
        new CacheEntry<>(List.of(), Instant.MIN, NOW.plusSeconds(10), null, null, 0, 0);

    cache.put(key, entry, NOW);

    // the shared copy lives until the entry's validity ends, measured from the caller's time
    assertThat(shared.storedTtls).containsExactly(10_000L);
    time.advance(Duration.ofSeconds(59));
    assertThat(cache.get(key)).isEqualTo(entry);
    time.advance(Duration.ofSeconds(2));
    assertThat(cache.get(key)).isNull();
  }

  /** An egress-findings cache with the given TTL that never waits for the shared tier. */
  static TieredCache<List<Finding>> findingsCache(Duration ttl, SharedTier shared, Ticker ticker) {
    return new TieredCache<>(
        CacheName.EGRESS_VERDICTS,
        new CacheSpec(ttl, 1 << 20, 0),
        new EgressScanCache.FindingsCodec(),
        shared,
        Duration.ZERO,
        ticker);
  }
}
