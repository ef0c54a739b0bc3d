package io.provability.fabric.topology.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the loss and the return of each dependency (broker, PostgreSQL, S3, Redis) visible: a probe
 * per dependency runs every {@code interval}; the first failed probe after a success logs one WARN
 * line (the dependency is lost, with the cause), the first success after failures one INFO line (it
 * is back, with the outage's length), and counts a reconnect. The clients of the instance (Kafka,
 * the sinks, the hot tier) retry on their own; this watch only tells when and for how long they had
 * to.
 *
 * <p>Meters: {@code fabric_dependency_up{dependency}} (1 or 0, from the last probe), {@code
 * fabric_dependency_reconnects_total{dependency}} (returns after an outage) and {@code
 * fabric_dependency_outage_seconds_total{dependency}} (time spent lost, counted when it returns).
 */
public final class DependencyWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DependencyWatch.class);

  /** One dependency's probe: returns normally when the dependency answered, throws otherwise. */
  @FunctionalInterface
  public interface Probe {
    void check() throws Exception;
  }

  private final class Watched {
    final String name;
    final Probe probe;
    final Counter reconnects;
    final Counter outageSeconds;
    volatile boolean up = true;
    Instant lostAt;

    Watched(String name, Probe probe, MeterRegistry registry) {
      this.name = name;
      this.probe = probe;
      Gauge.builder("fabric.dependency.up", this, w -> w.up ? 1 : 0)
          .tag("dependency", name)
          .description("1 if the dependency answered this instance's last probe")
          .register(registry);
      this.reconnects =
          Counter.builder("fabric.dependency.reconnects")
              .tag("dependency", name)
              .description("Times the dependency answered again after an outage")
              .register(registry);
      this.outageSeconds =
          Counter.builder("fabric.dependency.outage.seconds")
              .tag("dependency", name)
              .baseUnit("seconds")
              .description("Time the dependency was lost, counted when it returns")
              .register(registry);
    }

    void probe() {
      Exception failure = null;
      try {
        probe.check();
      } catch (Exception e) {
        failure = e;
      }
      if (closed) {
        return; // a probe cut short by close() (interrupted, or its server already stopping) is no
        // outage
      }
      Instant now = clock.instant();
      if (failure == null && !up) {
        Duration outage = Duration.between(lostAt, now);
        up = true;
        reconnects.increment();
        outageSeconds.increment(outage.toMillis() / 1000.0);
        LOG.info("{} is reachable again after an outage of {} s", name, outage.toSeconds());
      } else if (failure != null && up) {
        up = false;
        lostAt = now;
        LOG.warn(
            "{} is unreachable ({}); the instance's clients retry by themselves, and its return will be logged",
            name,
            cause(failure));
      }
    }
  }

  private final List<Watched> watched = new ArrayList<>();
  private final MeterRegistry registry;
  private final Clock clock;
  private final ScheduledExecutorService probes;
  private volatile boolean closed;

  /** A watch with no dependency yet; add them with {@link #watch}, then {@link #start}. */
  public DependencyWatch(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
    this.probes =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fabric-dependency-watch");
              t.setDaemon(true);
              return t;
            });
  }

  /** Adds a dependency (before {@link #start}). */
  public DependencyWatch watch(String name, Probe probe) {
    watched.add(new Watched(name, probe, registry));
    return this;
  }

  /** Probes every dependency every {@code interval}, one after the other, on one thread. */
  public DependencyWatch start(Duration interval) {
    probes.scheduleWithFixedDelay(
        () -> watched.forEach(Watched::probe), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Probes every dependency once, now (for tests). */
  void probeAll() {
    watched.forEach(Watched::probe);
  }

  private static String cause(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? "" : ": " + root.getMessage().lines().findFirst().orElse("");
    return root.getClass().getSimpleName() + message;
  }

  @Override
  public void close() {
    closed = true;
    probes.shutdownNow();
  }
}
