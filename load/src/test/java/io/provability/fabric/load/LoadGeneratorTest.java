package io.provability.fabric.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.topology.traffic.LoadProfile;
import io.provability.fabric.topology.traffic.LoadTraffic;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * The generator's bookkeeping against a scripted transport: each request is "decided" the moment it
 * is sent, with a decided_at 10 ms later and an arrival 30 ms later, so the split of each latency
 * at decided_at is known exactly (up to decided_at's millisecond resolution).
 */
class LoadGeneratorTest {
  private static final long DECIDED_AFTER_MS = 10;
  private static final long ARRIVES_AFTER_MS = 30;

  @Test
  void latencyIsSplitAtDecidedAtAndThePartsAddUpToTheWhole() throws Exception {
    LoadResult r = runAgainst(new Scripted(true));
    assertThat(r.decided()).isEqualTo(r.sent()).isEqualTo(200);
    assertThat(r.lost()).isZero();
    assertThat(r.duplicates()).isZero();
    // after decided_at: arrival - decided_at = 20 ms, within 2 ms: decided_at and the wall clock at
    // the start are whole millis
    assertThat(millis(r.afterDecided(), 50))
        .isCloseTo(ARRIVES_AFTER_MS - DECIDED_AFTER_MS, within(2.5));
    assertThat(millis(r.afterDecided(), 100)).isLessThan(ARRIVES_AFTER_MS - DECIDED_AFTER_MS + 2.5);
    // until decided_at: the sender's own delay past the intended time plus the scripted 10 ms
    assertThat(millis(r.untilDecided(), 50))
        .isBetween(DECIDED_AFTER_MS - 2.5, DECIDED_AFTER_MS + 20.0);
    // every request is in both parts, and the medians add up to the whole's (within the rounding)
    assertThat(r.untilDecided().getTotalCount())
        .isEqualTo(r.afterDecided().getTotalCount())
        .isEqualTo(200);
    assertThat(millis(r.untilDecided(), 50) + millis(r.afterDecided(), 50))
        .isCloseTo(millis(r.latency(), 50), within(2.5));
  }

  @Test
  void aTransportThatDoesNotSeeDecidedAtLeavesTheSplitEmpty() throws Exception {
    LoadResult r = runAgainst(new Scripted(false));
    assertThat(r.decided()).isEqualTo(200);
    assertThat(millis(r.latency(), 50)).isGreaterThanOrEqualTo(ARRIVES_AFTER_MS - 0.5);
    assertThat(r.untilDecided().getTotalCount()).isZero();
    assertThat(r.afterDecided().getTotalCount()).isZero();
  }

  private static LoadResult runAgainst(Transport transport) throws Exception {
    LoadProfile profile =
        new LoadProfile(
            1_000,
            Duration.ofMillis(200),
            50,
            2,
            3,
            LoadProfile.Mix.parse("plan=100"),
            1.0,
            1.0,
            7L);
    LoadTraffic traffic =
        new LoadTraffic(
            "g-0-",
            "g-",
            profile,
            Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]),
            Clock.systemUTC());
    LoadGenerator generator =
        new LoadGenerator(Clock.systemUTC(), Duration.ofSeconds(10), Duration.ZERO);
    try (transport) {
      return generator.run("scripted", profile, traffic, transport, s -> {});
    }
  }

  private static double millis(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }

  /**
   * Decides every request as expected, synchronously, with scripted decided_at and arrival times.
   */
  private static final class Scripted implements Transport {
    private final boolean seesDecidedAt;
    private Listener listener;

    Scripted(boolean seesDecidedAt) {
      this.seesDecidedAt = seesDecidedAt;
    }

    @Override
    public void start(Listener l) {
      this.listener = l;
    }

    @Override
    public void send(LoadTraffic.LoadRequest r) {
      long nowNanos = System.nanoTime();
      long decidedAt = seesDecidedAt ? System.currentTimeMillis() + DECIDED_AFTER_MS : -1;
      List<String> codes = r.expectedCode() == null ? List.of() : List.of(r.expectedCode());
      listener.decided(
          r.requestId(),
          r.expectedVerdict(),
          codes,
          decidedAt,
          nowNanos + ARRIVES_AFTER_MS * 1_000_000L);
    }

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public void close() {}
  }
}
