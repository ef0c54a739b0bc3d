package io.provability.fabric.connectors.decisionlog;

import io.provability.fabric.connectors.FabricSinkConnector;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;

/**
 * Kafka Connect sink that writes the decisions topic into the PostgreSQL decision log, idempotently
 * on the decision id (see {@link DecisionLogSinkTask}).
 *
 * <p>Record values must be the Avro single-object bytes of {@code Decision}: configure {@code
 * value.converter=org.apache.kafka.connect.converters.ByteArrayConverter}. Every task gets the same
 * configuration; Connect spreads the topic's partitions over them.
 */
public final class DecisionLogSinkConnector extends FabricSinkConnector {

  @Override
  protected void checkConfig(Map<String, String> props) {
    new DecisionLogSinkConfig(props).decisionLog();
  }

  @Override
  public Class<? extends Task> taskClass() {
    return DecisionLogSinkTask.class;
  }

  @Override
  public ConfigDef config() {
    return DecisionLogSinkConfig.CONFIG_DEF;
  }
}
