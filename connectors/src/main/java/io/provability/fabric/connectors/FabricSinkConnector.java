package io.provability.fabric.connectors;

import io.provability.fabric.connectors.internal.ConnectorVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * The skeleton both sink connectors share: the configuration is parsed once at start, so a bad one
 * fails the connector rather than each task later, and every task gets the same properties (Connect
 * spreads the topic's partitions over them). The tasks own every connection, so stopping the
 * connector releases nothing.
 */
public abstract class FabricSinkConnector extends SinkConnector {

  private Map<String, String> props;

  @Override
  public final void start(Map<String, String> props) {
    checkConfig(props);
    this.props = Map.copyOf(props);
  }

  /**
   * Parses the properties as a task will.
   *
   * @param props the connector's properties
   * @throws org.apache.kafka.common.config.ConfigException naming the key when they are invalid
   */
  protected abstract void checkConfig(Map<String, String> props);

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
    // nothing to release: the tasks own the connection pools and S3 clients
  }

  @Override
  public String version() {
    return ConnectorVersion.get();
  }
}
