package io.provability.fabric.topology.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
 * and log-end offsets through the admin client, and the lag in time as the age of the record at
 * each lagging group's committed offset (read with one group-less consumer, at most once per
 * partition per sample). Rates come from the difference between two samples.
 *
 * <p>Groups are found, not configured: any consumer group with a committed offset on a product topic
 * is shown (the Streams application, the sink connectors' {@code connect-*} groups, and any
 * downstream reader of the decisions topic).
 *
 * <p>Meters (Prometheus form): {@code fabric_consumer_lag_records{group,topic,partition}},
 * {@code fabric_consumer_lag_seconds{group,topic,partition}},
 * {@code fabric_consumer_consume_rate{group,topic,partition}} (records/s),
 * {@code fabric_topic_produce_rate{topic,partition}} (records/s),
 * {@code fabric_topic_end_offset{topic}} (records ever appended to each product topic).
 */
public final class ConsumerLagMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConsumerLagMonitor.class);
  /** How long one sample may spend reading the timestamps of lagging records. */
  private static final Duration PROBE_BUDGET = Duration.ofMillis(1500);
  /** Timestamp placeholder: only transaction markers lie between the committed offset and the end. */
  private static final long CONTROL_RECORDS_ONLY = Long.MIN_VALUE;

  private final Admin admin;
  private final KafkaConsumer<byte[], byte[]> probe;
  private final Set<String> topics;
  private final Clock clock;
  private final AtomicReference<ConsumerLag> latest = new AtomicReference<>();
  private final Object sampleLock = new Object();
  private ScheduledExecutorService scheduler;
  private MultiGauge lagRecords;
  private MultiGauge lagSeconds;
  private MultiGauge consumeRate;
  private MultiGauge produceRate;
  private MultiGauge topicEndOffsets;

  /**
   * @param bootstrap the cluster
   * @param topics the product's topics: groups with offsets on any of them are watched
   */
  public ConsumerLagMonitor(String bootstrap, Collection<String> topics, Clock clock) {
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        AdminClientConfig.CLIENT_ID_CONFIG, "fabric-lag-monitor"));
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "fabric-lag-probe");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024);
    this.probe = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.topics = Set.copyOf(topics);
    this.clock = clock;
  }

  /** Registers the lag meters with {@code registry} and samples every {@code interval} from now on. */
  public ConsumerLagMonitor start(MeterRegistry registry, Duration interval) {
    lagRecords = MultiGauge.builder("fabric.consumer.lag.records")
        .description("Records between a group's committed offset and the log end").register(registry);
    lagSeconds = MultiGauge.builder("fabric.consumer.lag.seconds")
        .description("Age of the oldest record a group has not consumed yet").baseUnit("seconds").register(registry);
    consumeRate = MultiGauge.builder("fabric.consumer.consume.rate")
        .description("Records per second a group committed over the last sample interval").register(registry);
    topicEndOffsets = MultiGauge.builder("fabric.topic.end.offset")
        .description("Sum of the log-end offsets of a topic's partitions: offsets ever appended, records and "
            + "transaction markers (one per partition per committed transaction) alike").register(registry);
    produceRate = MultiGauge.builder("fabric.topic.produce.rate")
        .description("Records per second appended to a partition over the last sample interval").register(registry);
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fabric-lag-monitor");
      t.setDaemon(true);
      return t;
    });
    scheduler.scheduleWithFixedDelay(this::sampleQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
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
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // a broker that is away for a moment must not stop the sampling; the gauges keep the last values
      LOG.warn("consumer lag sample failed: {}", e.toString());
    }
  }

  private void publish(ConsumerLag lag) {
    List<MultiGauge.Row<?>> records = new ArrayList<>();
    List<MultiGauge.Row<?>> seconds = new ArrayList<>();
    List<MultiGauge.Row<?>> consume = new ArrayList<>();
    Map<TopicPartition, Double> produce = new HashMap<>();
    for (ConsumerLag.Row r : lag.partitions()) {
      Tags tags = Tags.of("group", r.group(), "topic", r.topic(), "partition", String.valueOf(r.partition()));
      records.add(MultiGauge.Row.of(tags, r.lag()));
      seconds.add(MultiGauge.Row.of(tags, r.lagSeconds()));
      consume.add(MultiGauge.Row.of(tags, r.consumeRate()));
      produce.put(new TopicPartition(r.topic(), r.partition()), r.produceRate());
    }
    List<MultiGauge.Row<?>> produced = new ArrayList<>();
    produce.forEach((tp, rate) -> produced.add(MultiGauge.Row.of(
        Tags.of("topic", tp.topic(), "partition", String.valueOf(tp.partition())), rate)));
    lagRecords.register(records, true);
    lagSeconds.register(seconds, true);
    consumeRate.register(consume, true);
    produceRate.register(produced, true);
    List<MultiGauge.Row<?>> endOffsets = new ArrayList<>();
    lag.topicEnds().forEach((topic, end) -> endOffsets.add(MultiGauge.Row.of(Tags.of("topic", topic), end)));
    topicEndOffsets.register(endOffsets, true);
  }

  /** Takes one sample now (and remembers it as {@link #latest()}, the base of the next sample's rates). */
  public ConsumerLag sample() throws ExecutionException, InterruptedException {
    synchronized (sampleLock) {
      Instant now = clock.instant();
      Map<String, Map<TopicPartition, Long>> committed = new java.util.TreeMap<>();
      // one batched offsets request for every group (per group coordinator), not one request per group
      Map<String, ListConsumerGroupOffsetsSpec> groups = new HashMap<>();
      for (GroupListing g : admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get()) {
        groups.put(g.groupId(), new ListConsumerGroupOffsetsSpec());
      }
      ListConsumerGroupOffsetsResult result = groups.isEmpty() ? null : admin.listConsumerGroupOffsets(groups);
      for (String group : groups.keySet()) {
        Map<TopicPartition, OffsetAndMetadata> offsets;
        try {
          offsets = result.partitionsToOffsetAndMetadata(group).get();
        } catch (ExecutionException e) {
          continue; // the group went away between the two calls
        }
        Map<TopicPartition, Long> ours = new java.util.TreeMap<>(java.util.Comparator
            .comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        offsets.forEach((tp, om) -> {
          if (om != null && topics.contains(tp.topic())) {
            ours.put(tp, om.offset());
          }
        });
        if (!ours.isEmpty()) {
          committed.put(group, ours);
        }
      }
      // every partition of every product topic, read or not (the dead-letter topics usually are not)
      Set<TopicPartition> all = new HashSet<>();
      committed.values().forEach(m -> all.addAll(m.keySet()));
      Set<String> existing = admin.listTopics().names().get();
      List<String> present = topics.stream().filter(existing::contains).toList();
      if (!present.isEmpty()) {
        admin.describeTopics(present).allTopicNames().get().forEach((name, d) ->
            d.partitions().forEach(p -> all.add(new TopicPartition(name, p.partition()))));
      }
      Map<TopicPartition, Long> ends = new HashMap<>();
      if (!all.isEmpty()) {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        all.forEach(tp -> specs.put(tp, OffsetSpec.latest()));
        admin.listOffsets(specs, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get()
            .forEach((tp, info) -> ends.put(tp, info.offset()));
      }
      Map<String, Long> topicEnds = new java.util.TreeMap<>();
      ends.forEach((tp, end) -> {
        if (topics.contains(tp.topic())) {
          topicEnds.merge(tp.topic(), end, Long::sum);
        }
      });
      Map<TopicPartition, Map<Long, Long>> timestamps = timestamps(committed, ends);
      ConsumerLag previous = latest.get();
      double dt = previous == null ? 0 : Duration.between(previous.at(), now).toMillis() / 1000.0;
      Map<String, ConsumerLag.Row> before = new HashMap<>();
      if (previous != null) {
        previous.partitions().forEach(r -> before.put(r.group() + "\u0000" + r.topic() + "\u0000" + r.partition(), r));
      }
      List<ConsumerLag.Row> rows = new ArrayList<>();
      committed.forEach((group, offsets) -> offsets.forEach((tp, offset) -> {
        long end = ends.getOrDefault(tp, offset);
        long lag = Math.max(0, end - offset);
        double age;
        if (lag == 0) {
          age = 0;
        } else {
          Long ts = timestamps.getOrDefault(tp, Map.of()).get(offset);
          age = ts == null ? Double.NaN : ts == CONTROL_RECORDS_ONLY ? 0 : Math.max(0, now.toEpochMilli() - ts) / 1000.0;
        }
        ConsumerLag.Row prev = before.get(group + "\u0000" + tp.topic() + "\u0000" + tp.partition());
        double consume = prev == null || dt <= 0 ? Double.NaN : Math.max(0, offset - prev.committed()) / dt;
        double produce = prev == null || dt <= 0 ? Double.NaN : Math.max(0, end - prev.end()) / dt;
        rows.add(new ConsumerLag.Row(group, tp.topic(), tp.partition(), offset, end, lag, age, consume, produce));
      }));
      ConsumerLag sample = new ConsumerLag(now, List.copyOf(rows), Map.copyOf(topicEnds));
      latest.set(sample);
      return sample;
    }
  }

  /**
   * The timestamp of the record at each lagging group's committed offset, by partition and offset.
   * Reads at most a few records per wanted offset; an offset whose record does not arrive within
   * {@link #PROBE_BUDGET} is left out (its lag in time is then unknown, not invented).
   */
  private Map<TopicPartition, Map<Long, Long>> timestamps(Map<String, Map<TopicPartition, Long>> committed,
                                                         Map<TopicPartition, Long> ends) {
    Map<TopicPartition, java.util.TreeSet<Long>> wanted = new HashMap<>();
    committed.values().forEach(offsets -> offsets.forEach((tp, offset) -> {
      if (ends.getOrDefault(tp, offset) > offset) {
        wanted.computeIfAbsent(tp, k -> new java.util.TreeSet<>()).add(offset);
      }
    }));
    Map<TopicPartition, Map<Long, Long>> out = new HashMap<>();
    if (wanted.isEmpty()) {
      return out;
    }
    // one pass per distinct offset "rank": most partitions have one lagging group, so usually one pass
    int passes = wanted.values().stream().mapToInt(Set::size).max().orElse(0);
    long deadline = System.nanoTime() + PROBE_BUDGET.toNanos();
    for (int pass = 0; pass < passes && System.nanoTime() < deadline; pass++) {
      Map<TopicPartition, Long> seekTo = new HashMap<>();
      for (Map.Entry<TopicPartition, java.util.TreeSet<Long>> e : wanted.entrySet()) {
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
            // the first record at or after the offset: a transaction marker has no record of its own
            out.computeIfAbsent(tp, k -> new HashMap<>()).put(seekTo.get(tp), rec.timestamp());
            probe.pause(List.of(tp));
          }
        }
        // Under exactly-once the last offsets of a partition can be transaction markers only: a group
        // that read every record still "lags" by them. Reaching the end without a record means no
        // data is waiting, so the lag in time is 0.
        for (java.util.Iterator<TopicPartition> it = pending.iterator(); it.hasNext(); ) {
          TopicPartition tp = it.next();
          if (probe.position(tp) >= ends.getOrDefault(tp, Long.MAX_VALUE)) {
            out.computeIfAbsent(tp, k -> new HashMap<>()).put(seekTo.get(tp), CONTROL_RECORDS_ONLY);
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
