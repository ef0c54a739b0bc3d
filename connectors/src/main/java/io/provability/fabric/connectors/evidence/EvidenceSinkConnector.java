package io.provability.fabric.connectors.evidence;

import io.provability.fabric.connectors.FabricSinkConnector;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;

/**
 * The evidence logs' sequencer as a Kafka Connect sink: one transparency log per partition of the
 * evidence topic, written by the task that owns the partition (Kafka's group membership guarantees
 * one owner at a time); see {@link EvidenceSinkTask}. Tiles and checkpoints go to S3, checkpoints
 * and leaf rows to PostgreSQL ({@code log_checkpoint}, {@code decision_evidence}).
 *
 * <p>Record values must be the log entries the decider emits: configure {@code
 * value.converter=org.apache.kafka.connect.converters.ByteArrayConverter}.
 */
public final class EvidenceSinkConnector extends FabricSinkConnector {

  @Override
  protected void checkConfig(Map<String, String> props) {
    EvidenceSinkConfig config = new EvidenceSinkConfig(props);
    config.evidenceStore();
    config.evidenceIndex();
    config.logs();
  }

  @Override
  public Class<? extends Task> taskClass() {
    return EvidenceSinkTask.class;
  }

  @Override
  public ConfigDef config() {
    return EvidenceSinkConfig.CONFIG_DEF;
  }
}
