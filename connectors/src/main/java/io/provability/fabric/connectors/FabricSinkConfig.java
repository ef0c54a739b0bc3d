package io.provability.fabric.connectors;

import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * What the configurations of both sink connectors share, declared once: the PostgreSQL keys of
 * {@link JdbcSettings} and the backoff before Connect redelivers after a transient failure.
 */
public abstract class FabricSinkConfig extends AbstractConfig {

  /** Backoff before Connect redelivers records after a transient write failure. */
  public static final String RETRY_BACKOFF_MS_CONFIG = "retry.backoff.ms";

  /**
   * @param definition the connector's definition
   * @param props connector or task properties
   */
  protected FabricSinkConfig(ConfigDef definition, Map<String, String> props) {
    super(definition, props);
  }

  /**
   * A new definition holding the shared JDBC keys, to which a connector adds its own.
   *
   * @return the definition
   */
  protected static ConfigDef baseDefinition() {
    return JdbcSettings.define(new ConfigDef());
  }

  /**
   * Adds {@link #RETRY_BACKOFF_MS_CONFIG} to a definition (the last key of both connectors).
   *
   * @param def the connector's definition
   * @param doc what the backoff means for this connector
   * @return the same definition
   */
  protected static ConfigDef defineRetryBackoff(ConfigDef def, String doc) {
    return def.define(
        RETRY_BACKOFF_MS_CONFIG,
        Type.LONG,
        1_000L,
        ConfigDef.Range.between(0, 600_000),
        Importance.LOW,
        doc);
  }

  /**
   * @return backoff before a redelivery after a transient failure
   */
  public long retryBackoffMs() {
    return getLong(RETRY_BACKOFF_MS_CONFIG);
  }
}
