package io.provability.fabric.processors.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** The connect backoff runs on the injected clock: a frozen clock means no retry. */
class RedisSharedTierTest {

  @Test
  void aFailedConnectIsRetriedOnlyOnceTheInjectedClockPassesTheBackoff() throws Exception {
    ManualTime time = new ManualTime(Instant.ofEpochMilli(1_000_000));
    CacheMetrics metrics = CacheMetrics.simple();
    // nothing listens on port 1: every connect fails at once
    RedisSharedTier.Settings settings =
        new RedisSharedTier.Settings(
            "redis://127.0.0.1:1",
            List.of(),
            Duration.ofMillis(500),
            16,
            64,
            new byte[32],
            "fabric-test");
    LongSupplier failures = () -> metrics.redis("connect", "error");
    RedisSharedTier tier = new RedisSharedTier(settings, metrics, time);
    try {
      awaitAtLeast(failures, 1);
      // the writer wakes every 100 ms; with the clock standing still none of those wakes retries
      Thread.sleep(600);
      assertThat(failures.getAsLong()).isEqualTo(1);

      time.advance(Duration.ofMillis(100)); // the first backoff
      awaitAtLeast(failures, 2);
      assertThat(tier.connected()).isFalse();
    } finally {
      tier.close();
    }
  }

  private static void awaitAtLeast(LongSupplier count, long n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (count.getAsLong() < n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(count.getAsLong()).isGreaterThanOrEqualTo(n);
  }
}
