package io.provability.fabric.connectors.decisionlog;

import io.provability.fabric.connectors.ConnectorVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Kafka Connect sink that writes the decisions topic into the PostgreSQL decision log, idempotently
 * on the decision id (see {@link DecisionLogSinkTask}).
 *
 * <p>Record values must be the Avro single-object bytes of {@code Decision}: configure {@code
 * value.converter=org.apache.kafka.connect.converters.ByteArrayConverter}. Every task gets the same
 * configuration; Connect spreads the topic's partitions over them.
 */
public final class DecisionLogSinkConnector extends SinkConnector {

  private Map<String, String> props;

  @Override
  public void start(Map<String, String> props) {
    // parse once so a bad configuration fails the connector, not each task later
    new DecisionLogSinkConfig(props).decisionLog();
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return DecisionLogSinkTask.class;
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
    // nothing to release: the tasks own the connection pools
  }

  @Override
  public ConfigDef config() {
    return DecisionLogSinkConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return ConnectorVersion.get();
  }
}
