package io.provability.fabric.embedded;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every topic of a broker from the beginning, internal ones included, and searches the bytes:
 * the tests' way to show that a secret never reached Kafka (not even a changelog or an internal
 * topic).
 */
public final class TopicScan {
  private TopicScan() {}

  /**
   * Scans every partition of every topic (uncommitted records included) to its current end.
   *
   * @param bootstrap the broker's bootstrap servers
   * @param needles the strings to look for
   * @return "topic: needle" for every topic whose keys, values or headers contain a needle's UTF-8
   *     bytes
   * @throws IllegalStateException when the topics cannot be read to their end within 2 minutes
   */
  public static Set<String> topicsContaining(String bootstrap, List<String> needles) {
    Set<String> found = new TreeSet<>();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
        KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(
                Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    bootstrap,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                    "read_uncommitted",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                    false),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
      Set<String> topics =
          admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
      List<TopicPartition> parts = new ArrayList<>();
      for (String topic : topics) {
        consumer
            .partitionsFor(topic)
            .forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read every topic to its end in 2 minutes");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          for (String needle : needles) {
            if (contains(r.key(), needle) || contains(r.value(), needle) || inHeaders(r, needle)) {
              found.add(r.topic() + ": " + needle);
            }
          }
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("scanning the topics failed: " + e, e);
    }
    return found;
  }

  private static boolean inHeaders(ConsumerRecord<byte[], byte[]> r, String needle) {
    for (Header h : r.headers()) {
      if (contains(h.value(), needle)) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(byte[] haystack, String needle) {
    if (haystack == null) {
      return false;
    }
    byte[] n = needle.getBytes(StandardCharsets.UTF_8);
    outer:
    for (int i = 0; i + n.length <= haystack.length; i++) {
      for (int j = 0; j < n.length; j++) {
        if (haystack[i + j] != n[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
