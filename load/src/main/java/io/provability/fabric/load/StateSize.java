package io.provability.fabric.load;

import io.provability.fabric.topology.config.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The application's state, measured as what a restore would rebuild: every changelogged state store
 * of an application id ({@code <application.id>-<store>-changelog}) is read from the beginning, and
 * the serialized key and value bytes of each key's latest value (tombstones remove the key) are
 * summed. It needs no knowledge of the stores' types, so it measures whatever the topology holds,
 * RocksDB and in-memory stores alike, from outside the application. Not counted: stores without a
 * changelog (the global policy store, which is read from the policy topic and shared by all
 * sessions) and each store's own overhead (RocksDB index and memtable arenas, in-memory map nodes)
 * — the physical RocksDB figures, where known, are reported beside it.
 *
 * @param stores per store name, what its changelog holds live
 * @param sessions the active sessions the state is divided by
 * @param physical RocksDB figures of the application summed over its stores (name to bytes or
 *     keys), empty when not known
 */
public record StateSize(Map<String, Store> stores, long sessions, Map<String, Double> physical) {
  /**
   * One store's live contents.
   *
   * @param entries live keys
   * @param keyBytes their serialized keys, summed
   * @param valueBytes their serialized latest values, summed
   */
  public record Store(long entries, long keyBytes, long valueBytes) {
    public long bytes() {
      return keyBytes + valueBytes;
    }
  }

  /** Serialized state bytes over all changelogged stores. */
  public long totalBytes() {
    return stores.values().stream().mapToLong(Store::bytes).sum();
  }

  /** State bytes per active session. */
  public double bytesPerSession() {
    return sessions == 0 ? 0 : (double) totalBytes() / sessions;
  }

  /** With the physical figures of the application's RocksDB stores. */
  public StateSize withPhysical(Map<String, Double> figures) {
    return new StateSize(stores, sessions, Map.copyOf(figures));
  }

  /** For the JSON report. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sessions", sessions);
    m.put("state_bytes", totalBytes());
    m.put("state_bytes_per_session", bytesPerSession());
    Map<String, Object> s = new LinkedHashMap<>();
    stores.forEach(
        (name, st) ->
            s.put(
                name,
                Map.of(
                    "entries",
                    st.entries(),
                    "key_bytes",
                    st.keyBytes(),
                    "value_bytes",
                    st.valueBytes())));
    m.put("stores", s);
    m.put("rocksdb", new TreeMap<>(physical));
    m.put(
        "method",
        "latest value per key of every <application.id>-<store>-changelog topic (read_committed), serialized "
            + "key + value bytes; RocksDB figures from the application's stream-state metrics");
    return m;
  }

  /**
   * Reads every changelog of {@code applicationId} to its end.
   *
   * @param sessions the active sessions to divide by
   * @param timeout how long the whole scan may take
   */
  public static StateSize scan(
      String bootstrap, String applicationId, long sessions, Duration timeout) throws Exception {
    List<String> topics;
    try (Admin admin = Admin.create(KafkaClients.forBootstrap(bootstrap).admin())) {
      topics =
          admin.listTopics().names().get().stream()
              .filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-changelog"))
              .sorted()
              .toList();
    }
    Properties c = KafkaClients.forBootstrap(bootstrap).committedReader("load-state-scan");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
    Map<String, Store> stores = new TreeMap<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      for (String topic : topics) {
        String store =
            topic.substring(applicationId.length() + 1, topic.length() - "-changelog".length());
        stores.put(store, scanTopic(consumer, topic, deadline));
      }
    }
    return new StateSize(stores, sessions, Map.of());
  }

  private static Store scanTopic(
      KafkaConsumer<byte[], byte[]> consumer, String topic, long deadline) {
    List<TopicPartition> parts = new ArrayList<>();
    for (PartitionInfo info : consumer.partitionsFor(topic)) {
      parts.add(new TopicPartition(topic, info.partition()));
    }
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    Map<TopicPartition, Long> end = consumer.endOffsets(parts);
    LongIntMap live = new LongIntMap();
    long keyBytes = 0;
    long valueBytes = 0;
    while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the state scan did not reach the end of " + topic + " in time");
      }
      for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(200))) {
        if (rec.key() == null) {
          continue;
        }
        // one 64-bit hash per key (partition included): a collision among a few million keys is
        // ~1e-7 likely
        long key = hash(rec.key()) * 31 + rec.partition();
        int before = live.remove(key);
        if (before >= 0) {
          keyBytes -= rec.key().length;
          valueBytes -= before;
        }
        if (rec.value() != null) {
          live.put(key, rec.value().length);
          keyBytes += rec.key().length;
          valueBytes += rec.value().length;
        }
      }
    }
    return new Store(live.size(), keyBytes, valueBytes);
  }

  private static long hash(byte[] b) {
    long h = 0xcbf29ce484222325L; // FNV-1a 64, then a final mix
    for (byte x : b) {
      h ^= x & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h;
  }

  /**
   * An open-addressing map of long keys to non-negative ints: 12 bytes a key, not ~100 as a
   * HashMap's.
   */
  static final class LongIntMap {
    private long[] keys = new long[1 << 16];
    private int[] values = new int[1 << 16];
    private boolean[] used = new boolean[1 << 16];
    private int size;
    private int tombstones;

    LongIntMap() {
      Arrays.fill(values, -1);
    }

    int size() {
      return size;
    }

    /** The value removed, or -1. */
    int remove(long key) {
      int mask = keys.length - 1;
      for (int i = mix(key) & mask; used[i]; i = (i + 1) & mask) {
        if (keys[i] == key && values[i] >= 0) {
          int v = values[i];
          values[i] = -1; // a tombstone: the slot stays used so probing continues past it
          size--;
          tombstones++;
          return v;
        }
      }
      return -1;
    }

    /** Puts a key known to be absent. */
    void put(long key, int value) {
      if ((size + tombstones + 1) * 2 > keys.length) {
        grow();
      }
      int mask = keys.length - 1;
      int i = mix(key) & mask;
      while (used[i]) {
        i = (i + 1) & mask;
      }
      used[i] = true;
      keys[i] = key;
      values[i] = value;
      size++;
    }

    private void grow() {
      long[] oldKeys = keys;
      int[] oldValues = values;
      boolean[] oldUsed = used;
      int capacity = size * 4 > oldKeys.length ? oldKeys.length * 2 : oldKeys.length;
      keys = new long[capacity];
      values = new int[capacity];
      used = new boolean[capacity];
      Arrays.fill(values, -1);
      size = 0;
      tombstones = 0;
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldUsed[i] && oldValues[i] >= 0) {
          put(oldKeys[i], oldValues[i]);
        }
      }
    }

    private static int mix(long key) {
      return (int) (key ^ (key >>> 32));
    }
  }
}
