package io.provability.fabric.topology.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.provability.fabric.topology.config.KafkaClients;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the lag of every consumer group that reads one of the product's topics: committed offsets
 * and last stable offsets through the admin client, and the lag in time as the age of the record at
 * each lagging group's committed offset (read with one group-less {@code read_committed} consumer,
 * at most once per partition per sample). Rates come from the difference between two samples.
 *
 * <p>Groups are found, not configured: any consumer group with a committed offset on a product
 * topic is shown (the Streams application, the sink connectors' {@code connect-*} groups, and any
 * downstream reader of the decisions topic).
 *
 * <p>Exactly-once writers leave a transaction marker after every committed transaction; a marker
 * takes an offset but is no record, and no consumer ever receives it. The lag is therefore counted
 * from the first <em>record</em> at or after the committed offset (the probe reads it anyway for
 * its timestamp) to the last stable offset: a group that has read every record lags by 0, not by
 * the markers, and records of a transaction still open are not yet counted (no {@code
 * read_committed} reader can have them).
 *
 * <p>Meters, under the names and labels Kafka Lag Exporter uses (so its dashboards work), each with
 * a {@code cluster_name} label: {@code kafka_consumergroup_group_lag{group,topic,partition}}
 * (records), {@code kafka_consumergroup_group_lag_seconds{group,topic,partition}} (NaN when it
 * could not be read), {@code kafka_consumergroup_group_offset{group,topic,partition}} (the
 * committed offset), {@code kafka_consumergroup_group_max_lag{group}}, {@code
 * kafka_consumergroup_group_max_lag_seconds{group}}, {@code
 * kafka_consumergroup_group_sum_lag{group}}, {@code kafka_partition_latest_offset{topic,partition}}
 * (last stable offset of every partition of every product topic). Besides, {@code
 * fabric_lag_monitor_last_success_timestamp_seconds} and {@code fabric_lag_monitor_failures_total}
 * tell whether the figures are current.
 */
public final class ConsumerLagMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConsumerLagMonitor.class);

  /** How long one sample may spend reading the timestamps of lagging records. */
  private static final Duration PROBE_BUDGET = Duration.ofMillis(1500);

  private final Admin admin;
  private final KafkaConsumer<byte[], byte[]> probe;
  private final Set<String> topics;
  private final Clock clock;
  private final AtomicReference<ConsumerLag> latest = new AtomicReference<>();
  private final Object sampleLock = new Object();
  private ScheduledExecutorService scheduler;
  private final String clusterName;
  private MultiGauge lagRecords;
  private MultiGauge lagSeconds;
  private MultiGauge groupOffset;
  private MultiGauge maxLag;
  private MultiGauge maxLagSeconds;
  private MultiGauge sumLag;
  private MultiGauge latestOffset;
  private final AtomicLong lastSuccessMs = new AtomicLong();
  private Counter failures;

  /**
   * @param bootstrap the cluster
   * @param topics the product's topics: groups with offsets on any of them are watched
   */
  public ConsumerLagMonitor(String bootstrap, Collection<String> topics, Clock clock) {
    this(bootstrap, topics, clock, "fabric", "fabric");
  }

  /**
   * @param bootstrap the cluster
   * @param topics the product's topics: groups with offsets on any of them are watched
   * @param clientIdPrefix stem of the admin and probe client ids (stable across restarts)
   * @param clusterName value of the {@code cluster_name} label
   */
  public ConsumerLagMonitor(
      String bootstrap,
      Collection<String> topics,
      Clock clock,
      String clientIdPrefix,
      String clusterName) {
    KafkaClients clients = KafkaClients.forBootstrap(bootstrap, clientIdPrefix);
    this.admin = Admin.create(clients.admin("lag-monitor"));
    this.clusterName = clusterName;
    // what the groups' own (read_committed) consumers see: no aborted records, no open transactions
    Properties p = clients.committedReader("lag-probe");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024);
    this.probe = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.topics = Set.copyOf(topics);
    this.clock = clock;
  }

  /**
   * Registers the lag meters with {@code registry} and samples every {@code interval} from now on.
   */
  public ConsumerLagMonitor start(MeterRegistry registry, Duration interval) {
    lagRecords =
        MultiGauge.builder("kafka.consumergroup.group.lag")
            .description(
                "Records between a group's committed offset and the last stable offset (transaction markers "
                    + "are not records)")
            .register(registry);
    lagSeconds =
        MultiGauge.builder("kafka.consumergroup.group.lag.seconds")
            .description(
                "Age of the oldest record a group has not consumed yet (NaN: could not be read in time)")
            .register(registry);
    groupOffset =
        MultiGauge.builder("kafka.consumergroup.group.offset")
            .description("A group's committed offset")
            .register(registry);
    maxLag =
        MultiGauge.builder("kafka.consumergroup.group.max.lag")
            .description("Largest lag in records over a group's partitions")
            .register(registry);
    maxLagSeconds =
        MultiGauge.builder("kafka.consumergroup.group.max.lag.seconds")
            .description("Largest lag in seconds over a group's partitions")
            .register(registry);
    sumLag =
        MultiGauge.builder("kafka.consumergroup.group.sum.lag")
            .description("Total lag in records of a group")
            .register(registry);
    latestOffset =
        MultiGauge.builder("kafka.partition.latest.offset")
            .description(
                "Last stable offset of a partition of a product topic: offsets ever appended, records and "
                    + "transaction markers alike")
            .register(registry);
    Gauge.builder(
            "fabric.lag.monitor.last.success.timestamp.seconds",
            lastSuccessMs,
            ms -> ms.get() / 1000.0)
        .description(
            "When the lag was last sampled successfully (Unix time; 0 before the first sample)")
        .register(registry);
    failures =
        Counter.builder("fabric.lag.monitor.failures")
            .description("Lag samples that failed (broker unreachable, request timed out)")
            .register(registry);
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fabric-lag-monitor");
              t.setDaemon(true);
              return t;
            });
    scheduler.scheduleWithFixedDelay(
        this::sampleQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** The most recent sample, or null before the first. */
  public ConsumerLag latest() {
    return latest.get();
  }

  private void sampleQuietly() {
    try {
      ConsumerLag lag = sample();
      publish(lag);
      lastSuccessMs.set(lag.at().toEpochMilli());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      failures.increment();
      // a broker that is away for a moment must not stop the sampling; the gauges keep the last
      // values
      LOG.warn("consumer lag sample failed: {}", e.toString());
    }
  }

  private void publish(ConsumerLag lag) {
    List<MultiGauge.Row<?>> records = new ArrayList<>();
    List<MultiGauge.Row<?>> seconds = new ArrayList<>();
    List<MultiGauge.Row<?>> offsets = new ArrayList<>();
    Map<TopicPartition, Long> ends = new HashMap<>();
    Map<String, double[]> perGroup = new TreeMap<>(); // max lag, max lag seconds, sum lag
    for (ConsumerLag.Row r : lag.partitions()) {
      Tags tags =
          Tags.of(
              "cluster_name",
              clusterName,
              "group",
              r.group(),
              "topic",
              r.topic(),
              "partition",
              String.valueOf(r.partition()));
      records.add(MultiGauge.Row.of(tags, r.lag()));
      seconds.add(MultiGauge.Row.of(tags, r.lagSeconds()));
      offsets.add(MultiGauge.Row.of(tags, r.committed()));
      ends.put(new TopicPartition(r.topic(), r.partition()), r.end());
      double[] g = perGroup.computeIfAbsent(r.group(), k -> new double[] {0, 0, 0});
      g[0] = Math.max(g[0], r.lag());
      // an unknown age makes the group's maximum unknown too: NaN wins over any number
      g[1] =
          Double.isNaN(g[1]) || Double.isNaN(r.lagSeconds())
              ? Double.NaN
              : Math.max(g[1], r.lagSeconds());
      g[2] += r.lag();
    }
    lag.partitionEnds().forEach(ends::putIfAbsent);
    List<MultiGauge.Row<?>> latest = new ArrayList<>();
    ends.forEach(
        (tp, end) ->
            latest.add(
                MultiGauge.Row.of(
                    Tags.of(
                        "cluster_name",
                        clusterName,
                        "topic",
                        tp.topic(),
                        "partition",
                        String.valueOf(tp.partition())),
                    end)));
    List<MultiGauge.Row<?>> max = new ArrayList<>();
    List<MultiGauge.Row<?>> maxSeconds = new ArrayList<>();
    List<MultiGauge.Row<?>> sum = new ArrayList<>();
    perGroup.forEach(
        (group, g) -> {
          Tags tags = Tags.of("cluster_name", clusterName, "group", group);
          max.add(MultiGauge.Row.of(tags, g[0]));
          maxSeconds.add(MultiGauge.Row.of(tags, g[1]));
          sum.add(MultiGauge.Row.of(tags, g[2]));
        });
    lagRecords.register(records, true);
    lagSeconds.register(seconds, true);
    groupOffset.register(offsets, true);
    latestOffset.register(latest, true);
    maxLag.register(max, true);
    maxLagSeconds.register(maxSeconds, true);
    sumLag.register(sum, true);
  }

  /**
   * Takes one sample now (and remembers it as {@link #latest()}, the base of the next sample's
   * rates).
   */
  public ConsumerLag sample() throws ExecutionException, InterruptedException {
    synchronized (sampleLock) {
      Instant now = clock.instant();
      Map<String, Map<TopicPartition, Long>> committed = new TreeMap<>();
      // one batched offsets request for every group (per group coordinator), not one request per
      // group
      Map<String, ListConsumerGroupOffsetsSpec> groups = new HashMap<>();
      for (GroupListing g : admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get()) {
        groups.put(g.groupId(), new ListConsumerGroupOffsetsSpec());
      }
      ListConsumerGroupOffsetsResult result =
          groups.isEmpty() ? null : admin.listConsumerGroupOffsets(groups);
      for (String group : groups.keySet()) {
        Map<TopicPartition, OffsetAndMetadata> offsets;
        try {
          offsets = result.partitionsToOffsetAndMetadata(group).get();
        } catch (ExecutionException e) {
          continue; // the group went away between the two calls
        }
        Map<TopicPartition, Long> ours =
            new TreeMap<>(
                Comparator.comparing(TopicPartition::topic)
                    .thenComparingInt(TopicPartition::partition));
        offsets.forEach(
            (tp, om) -> {
              if (om != null && topics.contains(tp.topic())) {
                ours.put(tp, om.offset());
              }
            });
        if (!ours.isEmpty()) {
          committed.put(group, ours);
        }
      }
      // every partition of every product topic, read or not (the dead-letter topics usually are
      // not)
      Set<TopicPartition> all = new HashSet<>();
      committed.values().forEach(m -> all.addAll(m.keySet()));
      Set<String> existing = admin.listTopics().names().get();
      List<String> present = topics.stream().filter(existing::contains).toList();
      if (!present.isEmpty()) {
        admin
            .describeTopics(present)
            .allTopicNames()
            .get()
            .forEach(
                (name, d) ->
                    d.partitions().forEach(p -> all.add(new TopicPartition(name, p.partition()))));
      }
      Map<TopicPartition, Long> ends = new HashMap<>();
      if (!all.isEmpty()) {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        all.forEach(tp -> specs.put(tp, OffsetSpec.latest()));
        // the last stable offset: the end as a read_committed reader sees it (an open transaction's
        // records
        // are not readable yet, so they are not lag either)
        admin
            .listOffsets(specs, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
            .all()
            .get()
            .forEach((tp, info) -> ends.put(tp, info.offset()));
      }
      Map<TopicPartition, Long> partitionEnds = new HashMap<>();
      ends.forEach(
          (tp, end) -> {
            if (topics.contains(tp.topic())) {
              partitionEnds.put(tp, end);
            }
          });
      Map<TopicPartition, Map<Long, FirstRecord>> firsts = firstRecords(committed, ends);
      ConsumerLag previous = latest.get();
      double dt = previous == null ? 0 : Duration.between(previous.at(), now).toMillis() / 1000.0;
      Map<String, ConsumerLag.Row> before = new HashMap<>();
      if (previous != null) {
        previous
            .partitions()
            .forEach(
                r -> before.put(r.group() + "\u0000" + r.topic() + "\u0000" + r.partition(), r));
      }
      List<ConsumerLag.Row> rows = new ArrayList<>();
      committed.forEach(
          (group, offsets) ->
              offsets.forEach(
                  (tp, offset) -> {
                    long end = ends.getOrDefault(tp, offset);
                    long lag = Math.max(0, end - offset);
                    double age;
                    if (lag == 0) {
                      age = 0;
                    } else {
                      FirstRecord first = firsts.getOrDefault(tp, Map.of()).get(offset);
                      if (first == null) {
                        age =
                            Double
                                .NaN; // not read in time: the offsets' difference stands, an upper
                        // bound
                      } else if (first.markersOnly()) {
                        age = 0;
                        lag = 0;
                      } else {
                        age = Math.max(0, now.toEpochMilli() - first.timestamp()) / 1000.0;
                        lag =
                            Math.max(
                                0,
                                end - first.offset()); // markers before the first record are no lag
                      }
                    }
                    ConsumerLag.Row prev =
                        before.get(group + "\u0000" + tp.topic() + "\u0000" + tp.partition());
                    double consume =
                        prev == null || dt <= 0
                            ? Double.NaN
                            : Math.max(0, offset - prev.committed()) / dt;
                    double produce =
                        prev == null || dt <= 0 ? Double.NaN : Math.max(0, end - prev.end()) / dt;
                    rows.add(
                        new ConsumerLag.Row(
                            group,
                            tp.topic(),
                            tp.partition(),
                            offset,
                            end,
                            lag,
                            age,
                            consume,
                            produce));
                  }));
      ConsumerLag sample = new ConsumerLag(now, List.copyOf(rows), Map.copyOf(partitionEnds));
      latest.set(sample);
      return sample;
    }
  }

  /**
   * The first record at or after an offset: its offset and timestamp, or {@code markersOnly} when a
   * read_committed reader reaches the end from there without a record (only transaction markers, or
   * aborted records, lie ahead).
   */
  private record FirstRecord(long offset, long timestamp, boolean markersOnly) {}

  /**
   * The first record at or after each lagging group's committed offset, by partition and offset.
   * Reads at most a few records per wanted offset; an offset whose record does not arrive within
   * {@link #PROBE_BUDGET} is left out (its lag in time is then unknown, not invented).
   */
  private Map<TopicPartition, Map<Long, FirstRecord>> firstRecords(
      Map<String, Map<TopicPartition, Long>> committed, Map<TopicPartition, Long> ends) {
    Map<TopicPartition, TreeSet<Long>> wanted = new HashMap<>();
    committed
        .values()
        .forEach(
            offsets ->
                offsets.forEach(
                    (tp, offset) -> {
                      if (ends.getOrDefault(tp, offset) > offset) {
                        wanted.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
                      }
                    }));
    Map<TopicPartition, Map<Long, FirstRecord>> out = new HashMap<>();
    if (wanted.isEmpty()) {
      return out;
    }
    // one pass per distinct offset "rank": most partitions have one lagging group, so usually one
    // pass
    int passes = wanted.values().stream().mapToInt(Set::size).max().orElse(0);
    long deadline = System.nanoTime() + PROBE_BUDGET.toNanos();
    for (int pass = 0; pass < passes && System.nanoTime() < deadline; pass++) {
      Map<TopicPartition, Long> seekTo = new HashMap<>();
      for (Map.Entry<TopicPartition, TreeSet<Long>> e : wanted.entrySet()) {
        if (e.getValue().size() > pass) {
          seekTo.put(e.getKey(), new ArrayList<>(e.getValue()).get(pass));
        }
      }
      probe.assign(seekTo.keySet());
      seekTo.forEach(probe::seek);
      Set<TopicPartition> pending = new HashSet<>(seekTo.keySet());
      while (!pending.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> rec : probe.poll(Duration.ofMillis(100))) {
          TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
          if (pending.remove(tp)) {
            // the first record at or after the offset: a transaction marker has no record of its
            // own
            out.computeIfAbsent(tp, k -> new HashMap<>())
                .put(seekTo.get(tp), new FirstRecord(rec.offset(), rec.timestamp(), false));
            probe.pause(List.of(tp));
          }
        }
        // Under exactly-once the last offsets of a partition can be transaction markers only: a
        // group
        // that read every record still "lags" by them in offsets. Reaching the end without a record
        // means no data is waiting: no lag, in records or in time.
        for (Iterator<TopicPartition> it = pending.iterator(); it.hasNext(); ) {
          TopicPartition tp = it.next();
          if (probe.position(tp) >= ends.getOrDefault(tp, Long.MAX_VALUE)) {
            out.computeIfAbsent(tp, k -> new HashMap<>())
                .put(seekTo.get(tp), new FirstRecord(-1, -1, true));
            probe.pause(List.of(tp));
            it.remove();
          }
        }
      }
      probe.resume(probe.paused());
    }
    probe.assign(List.of());
    return out;
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      try {
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (sampleLock) {
      probe.close();
      admin.close(Duration.ofSeconds(2));
    }
  }
}
