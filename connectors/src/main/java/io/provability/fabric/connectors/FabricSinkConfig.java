package io.provability.fabric.connectors;

import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * What the configurations of both sink connectors share, declared once: the backoff before Connect
 * redelivers after a transient failure (the PostgreSQL keys both declare are {@link JdbcSettings}).
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
   * The definition of {@link #RETRY_BACKOFF_MS_CONFIG}, for {@link ConfigDef#define(ConfigKey)}.
   *
   * @param doc what the backoff means for this connector
   * @return the key
   */
  protected static ConfigKey retryBackoff(String doc) {
    return new ConfigDef()
        .define(
            RETRY_BACKOFF_MS_CONFIG,
            Type.LONG,
            1_000L,
            ConfigDef.Range.between(0, 600_000),
            Importance.LOW,
            doc)
        .configKeys()
        .get(RETRY_BACKOFF_MS_CONFIG);
  }

  /**
   * @return backoff before a redelivery after a transient failure
   */
  public long retryBackoffMs() {
    return getLong(RETRY_BACKOFF_MS_CONFIG);
  }
}
