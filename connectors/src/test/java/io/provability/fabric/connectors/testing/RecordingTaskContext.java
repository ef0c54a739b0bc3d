package io.provability.fabric.connectors.testing;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

/**
 * A {@link SinkTaskContext} for driving a sink task through its public API without a worker: it
 * records what the task reports as errant and the timeout it asks for.
 */
public final class RecordingTaskContext implements SinkTaskContext {
  private final Map<TopicPartition, Long> rewinds = new ConcurrentHashMap<>();

  /** One record the task reported, with the reason. */
  public record Reported(SinkRecord record, Throwable error) {}

  private final Map<String, String> configs;
  private final boolean withReporter;
  private final List<Reported> reported = new CopyOnWriteArrayList<>();
  private volatile long timeout = -1;

  /**
   * @param configs the task's configs
   * @param withReporter whether to offer an errant-record reporter (false mimics an old runtime)
   */
  public RecordingTaskContext(Map<String, String> configs, boolean withReporter) {
    this.configs = Map.copyOf(configs);
    this.withReporter = withReporter;
  }

  /**
   * @return the records reported as errant
   */
  public List<Reported> reported() {
    return List.copyOf(reported);
  }

  /**
   * @return the last timeout the task asked for, or -1
   */
  public long timeout() {
    return timeout;
  }

  @Override
  public Map<String, String> configs() {
    return configs;
  }

  @Override
  public void offset(Map<TopicPartition, Long> offsets) {
    throw new UnsupportedOperationException("the sinks never rewind");
  }

  @Override
  public void offset(TopicPartition tp, long offset) {
    rewinds.put(tp, offset);
  }

  /**
   * @return where the task asked each partition to be rewound to (the evidence sequencer does, on
   *     open)
   */
  public Map<TopicPartition, Long> rewinds() {
    return rewinds;
  }

  @Override
  public void timeout(long timeoutMs) {
    this.timeout = timeoutMs;
  }

  @Override
  public Set<TopicPartition> assignment() {
    return Set.of();
  }

  @Override
  public void pause(TopicPartition... partitions) {
    throw new UnsupportedOperationException("the sinks never pause");
  }

  @Override
  public void resume(TopicPartition... partitions) {
    throw new UnsupportedOperationException("the sinks never pause");
  }

  @Override
  public void requestCommit() {
    // nothing to commit without a worker
  }

  @Override
  public ErrantRecordReporter errantRecordReporter() {
    if (!withReporter) {
      return null;
    }
    return (record, error) -> {
      reported.add(new Reported(record, error));
      return CompletableFuture.completedFuture(null);
    };
  }

  private final PluginMetrics pluginMetrics =
      new PluginMetricsImpl(new Metrics(), Map.of("connector", "test", "task", "0"));

  @Override
  public PluginMetrics pluginMetrics() {
    return pluginMetrics;
  }
}
