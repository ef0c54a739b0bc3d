package io.provability.fabric.topology.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.topology.DecisionObserver;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleConsumer;

/**
 * The application's meters, in one Prometheus registry that every component of an instance shares
 * ({@link #registry()}): decisions by kind and verdict, decision latency histograms per decider,
 * dead letters by reason and stage. Kafka Streams, client, JVM and lag meters are bound to the same
 * registry by their owners.
 *
 * <p>Names (Prometheus form): {@code fabric_decisions_total{kind,verdict}}, {@code
 * fabric_decision_eval_seconds{kind}} (the decider's own evaluation time, from the decision's
 * {@code eval_micros}), {@code fabric_decision_latency_seconds{kind}} (from the request record's
 * timestamp to the decision leaving the decider: queueing plus deciding), {@code
 * fabric_dead_letters_total{reason,stage}}, {@code fabric_evidence_lag_seconds} (from a decision's
 * {@code decided_at} to the signed checkpoint of its evidence log that first includes it, reported
 * by the sequencers of this instance's sink worker; buckets 0.5, 1, 2, 5, 10 and 30 s).
 *
 * <p>A scrape must stay cheap, because it runs beside the stream threads: histograms have a dozen
 * fixed buckets (not Micrometer's ~70 percentile buckets), a series exists only once something was
 * counted in it, and {@link #KAFKA_DETAIL} keeps Kafka's per-task, per-processor-node,
 * per-broker-node and per-partition client metrics (thousands of series on a running topology) out
 * of the registry.
 */
public final class FabricMetrics implements DecisionObserver {
  /**
   * Latency buckets (seconds) of the decision and front-door histograms: enough to read p50/p95/p99
   * between 5 ms and 10 s, with the seed's 2 s alert threshold an exact boundary.
   */
  public static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofSeconds(2),
    Duration.ofSeconds(4),
    Duration.ofSeconds(10)
  };

  /** Buckets of the decider's own evaluation time: microseconds to tens of milliseconds. */
  private static final Duration[] EVAL_BUCKETS = {
    Duration.ofNanos(50_000),
    Duration.ofNanos(100_000),
    Duration.ofNanos(250_000),
    Duration.ofNanos(500_000),
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(25),
    Duration.ofMillis(100)
  };

  /**
   * Kafka meters (Micrometer names) left out of the registry: per-task, per-processor-node,
   * per-topic and per-broker-node detail, the admin clients and the app-info gauges. The
   * stream-thread, client and coordinator meters stay, and of the state-store meters the RocksDB
   * sizes ({@link #ROCKSDB_KEPT}) that {@code fabric load} reads.
   */
  static final List<String> KAFKA_DETAIL =
      List.of(
          "kafka.stream.task.",
          "kafka.stream.processor.node.",
          "kafka.stream.topic.",
          "kafka.stream.record.cache.",
          "kafka.stream.state.",
          "kafka.producer.node.",
          "kafka.consumer.node.",
          "kafka.producer.topic.",
          "kafka.admin.client.",
          "kafka.app.info.");

  /** State-store meters kept in spite of {@link #KAFKA_DETAIL}: the stores' sizes. */
  static final List<String> ROCKSDB_KEPT =
      List.of(
          "kafka.stream.state.size.all.mem.tables",
          "kafka.stream.state.total.sst.files.size",
          "kafka.stream.state.live.sst.files.size",
          "kafka.stream.state.estimate.num.keys",
          "kafka.stream.state.block.cache.usage",
          "kafka.stream.state.estimate.table.readers.mem");

  private final PrometheusMeterRegistry registry;
  private final CachedExposition exposition;
  private final ConcurrentMap<Integer, Counter> decisions = new ConcurrentHashMap<>();
  private final ConcurrentMap<RequestKind, Timer> eval = new ConcurrentHashMap<>();
  private final ConcurrentMap<RequestKind, Timer> latency = new ConcurrentHashMap<>();
  private final Timer evidenceLag;

  /** A fresh registry; {@link #exposition()} renders on every call. */
  public static FabricMetrics create() {
    return create(Duration.ZERO);
  }

  /**
   * A fresh registry with JVM and process meters bound and Kafka's detail meters filtered out.
   *
   * @param expositionMaxAge how old the text {@link #exposition()} serves may be
   */
  public static FabricMetrics create(Duration expositionMaxAge) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(kafkaDetailFilter());
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    return new FabricMetrics(registry, expositionMaxAge);
  }

  /**
   * Denies the meters of {@link #KAFKA_DETAIL} (but the {@link #ROCKSDB_KEPT} ones) and
   * per-partition client meters.
   */
  static MeterFilter kafkaDetailFilter() {
    return new MeterFilter() {
      @Override
      public MeterFilterReply accept(Meter.Id id) {
        String name = id.getName();
        if (!name.startsWith("kafka.")) {
          return MeterFilterReply.NEUTRAL;
        }
        if (ROCKSDB_KEPT.contains(name)) {
          return MeterFilterReply.NEUTRAL;
        }
        for (String prefix : KAFKA_DETAIL) {
          if (name.startsWith(prefix)) {
            return MeterFilterReply.DENY;
          }
        }
        // the fetch manager's per-topic and per-partition lag and rates: the lag monitor covers
        // them
        boolean perTopic = id.getTag("partition") != null || id.getTag("topic") != null;
        return perTopic && name.startsWith("kafka.consumer.fetch.manager.")
            ? MeterFilterReply.DENY
            : MeterFilterReply.NEUTRAL;
      }
    };
  }

  FabricMetrics(PrometheusMeterRegistry registry, Duration expositionMaxAge) {
    this.registry = registry;
    this.exposition = new CachedExposition(registry::scrape, expositionMaxAge);
    // few buckets on purpose (every bucket is a series on every scrape); 2 s is the goal's bound
    this.evidenceLag =
        Timer.builder("fabric.evidence.lag")
            .description(
                "From a decision's decided_at to the signed evidence-log checkpoint that first includes it")
            .serviceLevelObjectives(
                Duration.ofMillis(500),
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                Duration.ofSeconds(10),
                Duration.ofSeconds(30))
            .register(registry);
  }

  /** Evidence lag, fed in seconds (docs/audit.md). */
  public DoubleConsumer evidenceLag() {
    return seconds -> evidenceLag.record((long) (seconds * 1e9), TimeUnit.NANOSECONDS);
  }

  /** A histogram timer with the fixed latency buckets (and no percentile histogram). */
  public static Timer.Builder latencyTimer(String name) {
    return Timer.builder(name).serviceLevelObjectives(LATENCY_BUCKETS);
  }

  /** The registry every component of this instance registers its meters with. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter, rendered now. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * The exposition {@code GET /metrics} serves: rendered at most once per the configured maximum
   * age, off the caller's thread ({@link CachedExposition}).
   */
  public String exposition() throws InterruptedException {
    return exposition.get();
  }

  @Override
  public void onDecision(Decision decision, long requestTimestamp, long nowMs) {
    RequestKind kind = decision.getKind() == null ? RequestKind.UNKNOWN : decision.getKind();
    Verdict verdict = decision.getVerdict() == null ? Verdict.DENY : decision.getVerdict();
    String k = kind.name().toLowerCase(Locale.ROOT);
    // a small int key (boxed from the Integer cache): no allocation per decision
    decisions
        .computeIfAbsent(
            kind.ordinal() * 32 + verdict.ordinal(),
            key ->
                Counter.builder("fabric.decisions")
                    .description("Decisions emitted, by request kind and verdict")
                    .tag("kind", k)
                    .tag("verdict", verdict.name())
                    .register(registry))
        .increment();
    eval.computeIfAbsent(
            kind,
            x ->
                Timer.builder("fabric.decision.eval")
                    .description("Time the decider spent on one request")
                    .tag("kind", k)
                    .serviceLevelObjectives(EVAL_BUCKETS)
                    .register(registry))
        .record(Math.max(0L, decision.getEvalMicros()), TimeUnit.MICROSECONDS);
    if (requestTimestamp > 0 && nowMs >= requestTimestamp) {
      latency
          .computeIfAbsent(
              kind,
              x ->
                  latencyTimer("fabric.decision.latency")
                      .description(
                          "From the request record's timestamp to its decision leaving the decider")
                      .tag("kind", k)
                      .register(registry))
          .record(nowMs - requestTimestamp, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void onDeadLetter(DeadLetter letter) {
    // reasons and stages are small closed sets (an enum and a few processor names): safe as tags
    registry
        .counter(
            "fabric.dead.letters",
            "reason",
            String.valueOf(letter.getReason()),
            "stage",
            String.valueOf(letter.getStage()))
        .increment();
  }
}
