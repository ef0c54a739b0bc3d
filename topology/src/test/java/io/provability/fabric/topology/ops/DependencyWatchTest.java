package io.provability.fabric.topology.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DependencyWatchTest {
  /** A clock the test moves. */
  private static final class MovingClock extends Clock {
    final AtomicReference<Instant> now =
        new AtomicReference<>(Instant.parse("2026-12-03T10:00:00Z"));

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    void advance(Duration d) {
      now.updateAndGet(t -> t.plus(d));
    }
  }

  @Test
  void anOutageIsCountedOnceWithItsLengthWhenTheDependencyReturns() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MovingClock clock = new MovingClock();
    AtomicBoolean up = new AtomicBoolean(true);
    DependencyWatch watch =
        new DependencyWatch(registry, clock)
            .watch(
                "redis",
                () -> {
                  if (!up.get()) {
                    throw new IOException("Connection refused");
                  }
                });
    watch.probeAll();
    up.set(false);
    for (int i = 0; i < 15; i++) { // 30 s of failed probes: one outage, not fifteen
      watch.probeAll();
      clock.advance(Duration.ofSeconds(2));
    }
    assertThat(registry.get("fabric.dependency.up").tag("dependency", "redis").gauge().value())
        .isZero();
    up.set(true);
    watch.probeAll();
    watch.probeAll();
    assertThat(registry.get("fabric.dependency.up").tag("dependency", "redis").gauge().value())
        .isEqualTo(1);
    assertThat(
            registry
                .get("fabric.dependency.reconnects")
                .tag("dependency", "redis")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get("fabric.dependency.outage.seconds")
                .tag("dependency", "redis")
                .counter()
                .count())
        .isEqualTo(30);
    watch.close();
  }

  @Test
  void aProbeCutShortByCloseIsNoOutage() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AtomicReference<DependencyWatch> self = new AtomicReference<>();
    DependencyWatch watch =
        new DependencyWatch(registry, new MovingClock())
            .watch(
                "broker",
                () -> {
                  self.get().close(); // the instance stops while this probe waits for its answer
                  throw new InterruptedException();
                });
    self.set(watch);
    watch.probeAll();
    assertThat(registry.get("fabric.dependency.up").tag("dependency", "broker").gauge().value())
        .isEqualTo(1);
  }
}
