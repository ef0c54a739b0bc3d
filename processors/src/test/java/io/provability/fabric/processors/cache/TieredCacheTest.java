package io.provability.fabric.processors.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.processors.egress.Finding;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The near cache's TTL runs on the injected ticker; the shared TTL on the caller's time. */
class TieredCacheTest {
  private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  private static final CacheSpec SPEC = new CacheSpec(Duration.ofSeconds(60), 1 << 20, 0);

  @Test
  void nearEntriesExpireWhenTheTickerPassesTheTtl() {
    ManualTime time = new ManualTime(NOW);
    List<Long> sharedTtls = new ArrayList<>();
    TieredCache<List<Finding>> cache =
        new TieredCache<>(
            CacheName.EGRESS_VERDICTS,
            SPEC,
            new EgressScanCache.FindingsCodec(),
            recordingShared(sharedTtls),
            Duration.ZERO,
            time);
    ByteKey key = EgressScanCache.key("hello");
    CacheEntry<List<Finding>> entry =
        new CacheEntry<>(List.of(), Instant.MIN, NOW.plusSeconds(10), null, null, 0, 0);

    cache.put(key, entry, NOW);

    // the shared copy lives until the entry's validity ends, measured from the caller's time
    assertThat(sharedTtls).containsExactly(10_000L);
    time.advance(Duration.ofSeconds(59));
    assertThat(cache.get(key)).isEqualTo(entry);
    time.advance(Duration.ofSeconds(2));
    assertThat(cache.get(key)).isNull();
  }

  static SharedTier recordingShared(List<Long> ttls) {
    return new SharedTier() {
      @Override
      public void store(CacheName cache, ByteKey key, byte[] value, long ttlMillis) {
        ttls.add(ttlMillis);
      }

      @Override
      public byte[] fetch(CacheName cache, ByteKey key, Duration wait) {
        return null;
      }

      @Override
      public void setReceiver(Receiver receiver) {}

      @Override
      public void close() {}
    };
  }
}
