package io.provability.fabric.load;

import io.provability.fabric.topology.config.KafkaClients;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a window of a run wrote to the broker, counted exactly: the log end offset of every
 * partition of every topic (internal ones included) at both edges, then every record between them
 * read back (read_uncommitted, so aborted records count as written). Offsets that return no record
 * are transaction markers. Bytes are the records' serialized keys and values (headers and batch
 * overhead are not counted).
 */
public final class BrokerWrites {
  /** Log end offsets of every partition at one instant. */
  public record Offsets(Map<TopicPartition, Long> end) {}

  /** Per topic: records written, transaction markers, key and value bytes. */
  public record TopicWrites(long records, long markers, long bytes) {}

  /**
   * The writes of one window.
   *
   * @param complete false when reading back gave up at its deadline (the counts are then lower
   *     bounds)
   */
  public record Writes(Map<String, TopicWrites> byTopic, boolean complete) {
    /** Records over every topic. */
    public long records() {
      return byTopic.values().stream().mapToLong(TopicWrites::records).sum();
    }

    /** Transaction markers over every topic. */
    public long markers() {
      return byTopic.values().stream().mapToLong(TopicWrites::markers).sum();
    }

    /** Key and value bytes over every topic. */
    public long bytes() {
      return byTopic.values().stream().mapToLong(TopicWrites::bytes).sum();
    }
  }

  private final String bootstrapServers;

  public BrokerWrites(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  /** The end offsets of every partition now. */
  public Offsets offsets() throws InterruptedException, ExecutionException, TimeoutException {
    try (Admin admin =
        Admin.create(KafkaClients.forBootstrap(bootstrapServers).admin("load-offsets"))) {
      var names =
          admin
              .listTopics(new ListTopicsOptions().listInternal(true))
              .names()
              .get(30, TimeUnit.SECONDS);
      var topics = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetSpec> req = new HashMap<>();
      topics.forEach(
          (name, d) ->
              d.partitions()
                  .forEach(
                      pi ->
                          req.put(new TopicPartition(name, pi.partition()), OffsetSpec.latest())));
      return new Offsets(
          admin.listOffsets(req).all().get(30, TimeUnit.SECONDS).entrySet().stream()
              .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())));
    }
  }

  /**
   * Reads back everything written between {@code from} and {@code to}, for at most {@code
   * patience}.
   */
  public Writes between(Offsets from, Offsets to, Duration patience) {
    Map<TopicPartition, long[]> ranges = new HashMap<>();
    to.end()
        .forEach(
            (tp, end) -> {
              long start = from.end().getOrDefault(tp, 0L);
              if (end > start) {
                ranges.put(tp, new long[] {start, end});
              }
            });
    Map<String, long[]> counts = new TreeMap<>(); // topic -> records, bytes, offsets spanned
    ranges.forEach(
        (tp, r) -> counts.computeIfAbsent(tp.topic(), t -> new long[3])[2] += r[1] - r[0]);
    boolean complete = true;
    if (!ranges.isEmpty()) {
      // every record stored, aborted transactions' too: what the broker wrote, not what readers see
      Properties p = KafkaClients.forBootstrap(bootstrapServers).uncommittedReader("load-writes");
      p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
      try (KafkaConsumer<byte[], byte[]> c =
          new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        c.assign(List.copyOf(ranges.keySet()));
        ranges.forEach((tp, r) -> c.seek(tp, r[0]));
        Map<TopicPartition, long[]> open = new HashMap<>(ranges);
        long deadline = System.nanoTime() + patience.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
          for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(500))) {
            long[] r = ranges.get(new TopicPartition(rec.topic(), rec.partition()));
            if (rec.offset() < r[1]) {
              long[] t = counts.get(rec.topic());
              t[0]++;
              t[1] += Math.max(0, rec.serializedKeySize()) + Math.max(0, rec.serializedValueSize());
            }
          }
          open.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue()[1]);
          if (!open.isEmpty()) {
            c.pause(ranges.keySet().stream().filter(tp -> !open.containsKey(tp)).toList());
          }
        }
        complete = open.isEmpty();
      }
    }
    Map<String, TopicWrites> out = new TreeMap<>();
    counts.forEach(
        (topic, t) -> out.put(topic, new TopicWrites(t[0], Math.max(0, t[2] - t[0]), t[1])));
    return new Writes(out, complete);
  }
}
