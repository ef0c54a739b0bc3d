package io.provability.fabric.connectors.runtime;

import java.util.List;

/**
 * A connector already exists with another configuration than the one this instance declares: the
 * instance refuses to start its sinks rather than overwrite what every other instance's tasks run
 * with. The message is one line naming each differing key.
 */
public final class ConnectorConflictException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final transient List<ConnectorConfigs.Drift> drift;

  ConnectorConflictException(String message, List<ConnectorConfigs.Drift> drift) {
    super(message);
    this.drift = List.copyOf(drift);
  }

  /**
   * @return the differing keys
   */
  public List<ConnectorConfigs.Drift> drift() {
    return drift;
  }
}
