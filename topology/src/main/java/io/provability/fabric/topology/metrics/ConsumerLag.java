package io.provability.fabric.topology.metrics;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * One sample of the consumer lag of the product's consumer groups.
 *
 * @param at when the offsets were read
 * @param partitions one row per group, topic and partition
 * @param partitionEnds the last stable offset of every partition of every product topic
 */
public record ConsumerLag(
    Instant at, List<Row> partitions, Map<TopicPartition, Long> partitionEnds) {
  /** Per product topic, the sum of its partitions' last stable offsets (offsets ever appended). */
  public Map<String, Long> topicEnds() {
    Map<String, Long> out = new TreeMap<>();
    partitionEnds.forEach((tp, end) -> out.merge(tp.topic(), end, Long::sum));
    return out;
  }

  /**
   * Lag of one group on one partition.
   *
   * @param committed the group's committed offset (the next record it will read)
   * @param end the partition's log-end offset
   * @param lag {@code end - committed}, never negative
   * @param lagSeconds age of the record at the committed offset (0 when caught up, or when only
   *     transaction markers lie ahead; NaN when it could not be read in time)
   * @param consumeRate records per second the group committed since the previous sample (NaN on the
   *     first)
   * @param produceRate records per second appended to the partition since the previous sample (NaN
   *     on the first)
   */
  public record Row(
      String group,
      String topic,
      int partition,
      long committed,
      long end,
      long lag,
      double lagSeconds,
      double consumeRate,
      double produceRate) {}

  /** Total lag of {@code group} in records. */
  public long totalLag(String group) {
    return partitions.stream().filter(r -> r.group().equals(group)).mapToLong(Row::lag).sum();
  }

  /** The groups present, in order of first appearance. */
  public List<String> groups() {
    return partitions.stream().map(Row::group).distinct().toList();
  }
}
