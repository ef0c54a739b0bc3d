package io.provability.fabric.connectors.evidence;

import io.provability.fabric.connectors.ConnectorVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * The evidence logs' sequencer as a Kafka Connect sink: one transparency log per partition of the
 * evidence topic, written by the task that owns the partition (Kafka's group membership guarantees
 * one owner at a time); see {@link EvidenceSinkTask}. Tiles and checkpoints go to S3, checkpoints
 * and leaf rows to PostgreSQL ({@code log_checkpoint}, {@code decision_evidence}).
 *
 * <p>Record values must be the log entries the decider emits: configure {@code
 * value.converter=org.apache.kafka.connect.converters.ByteArrayConverter}.
 */
public final class EvidenceSinkConnector extends SinkConnector {

  private Map<String, String> props;

  @Override
  public void start(Map<String, String> props) {
    EvidenceSinkConfig config = new EvidenceSinkConfig(props);
    config.evidenceStore();
    config.evidenceIndex();
    config.logs();
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return EvidenceSinkTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<Map<String, String>> configs = new ArrayList<>(maxTasks);
    for (int i = 0; i < maxTasks; i++) {
      configs.add(props);
    }
    return configs;
  }

  @Override
  public void stop() {
    // nothing to release: the tasks own the S3 clients and connection pools
  }

  @Override
  public ConfigDef config() {
    return EvidenceSinkConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return ConnectorVersion.get();
  }
}
