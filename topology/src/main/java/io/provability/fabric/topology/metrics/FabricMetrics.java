package io.provability.fabric.topology.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.topology.DecisionObserver;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The application's meters, in one Prometheus registry that every component of an instance shares
 * ({@link #registry()}): decisions by kind and verdict, decision latency histograms per decider, dead
 * letters by reason and stage. Kafka Streams, client, JVM and lag meters are bound to the same
 * registry by their owners.
 *
 * <p>Names (Prometheus form): {@code fabric_decisions_total{kind,verdict}},
 * {@code fabric_decision_eval_seconds{kind}} (the decider's own evaluation time, from the decision's
 * {@code eval_micros}), {@code fabric_decision_latency_seconds{kind}} (from the request record's
 * timestamp to the decision leaving the decider: queueing plus deciding),
 * {@code fabric_dead_letters_total{reason,stage}}, {@code fabric_evidence_lag_seconds} (from a
 * decision's {@code decided_at} to the signed checkpoint of its evidence log that first includes it,
 * reported by the sequencers of this instance's sink worker; buckets 0.5, 1, 2, 5, 10 and 30 s).
 */
public final class FabricMetrics implements DecisionObserver {
  /** Bucket boundaries besides Micrometer's defaults, so the seed's 2 s alert threshold is exact. */
  private static final Duration[] SLOS = {Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)};

  private final PrometheusMeterRegistry registry;
  private final Map<RequestKind, Map<Verdict, Counter>> decisions = new EnumMap<>(RequestKind.class);
  private final Map<RequestKind, Timer> eval = new EnumMap<>(RequestKind.class);
  private final Map<RequestKind, Timer> latency = new EnumMap<>(RequestKind.class);
  private final Timer evidenceLag;

  /** A fresh registry with JVM and process meters bound. */
  public static FabricMetrics create() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    return new FabricMetrics(registry);
  }

  FabricMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    for (RequestKind kind : RequestKind.values()) {
      String k = kind.name().toLowerCase(java.util.Locale.ROOT);
      Map<Verdict, Counter> byVerdict = new EnumMap<>(Verdict.class);
      for (Verdict v : Verdict.values()) {
        byVerdict.put(v, Counter.builder("fabric.decisions").description("Decisions emitted, by request kind and verdict")
            .tag("kind", k).tag("verdict", v.name()).register(registry));
      }
      decisions.put(kind, byVerdict);
      eval.put(kind, Timer.builder("fabric.decision.eval").description("Time the decider spent on one request")
          .tag("kind", k).publishPercentileHistogram().serviceLevelObjectives(SLOS)
          .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(30)).register(registry));
      latency.put(kind, Timer.builder("fabric.decision.latency")
          .description("From the request record's timestamp to its decision leaving the decider")
          .tag("kind", k).publishPercentileHistogram().serviceLevelObjectives(SLOS)
          .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60)).register(registry));
    }
    // few buckets on purpose (every bucket is a series on every scrape); 2 s is the goal's bound
    evidenceLag = Timer.builder("fabric.evidence.lag")
        .description("From a decision's decided_at to the signed evidence-log checkpoint that first includes it")
        .serviceLevelObjectives(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30))
        .register(registry);
  }

  /** Evidence lag, fed in seconds (docs/audit.md). */
  public java.util.function.DoubleConsumer evidenceLag() {
    return seconds -> evidenceLag.record((long) (seconds * 1e9), TimeUnit.NANOSECONDS);
  }

  /** The registry every component of this instance registers its meters with. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void onDecision(Decision decision, long requestTimestamp, long nowMs) {
    RequestKind kind = decision.getKind() == null ? RequestKind.UNKNOWN : decision.getKind();
    decisions.get(kind).get(decision.getVerdict() == null ? Verdict.DENY : decision.getVerdict()).increment();
    eval.get(kind).record(Math.max(0L, decision.getEvalMicros()), TimeUnit.MICROSECONDS);
    if (requestTimestamp > 0 && nowMs >= requestTimestamp) {
      latency.get(kind).record(nowMs - requestTimestamp, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void onDeadLetter(DeadLetter letter) {
    // reasons and stages are small closed sets (an enum and a few processor names): safe as tags
    registry.counter("fabric.dead.letters", "reason", String.valueOf(letter.getReason()),
        "stage", String.valueOf(letter.getStage())).increment();
  }
}
