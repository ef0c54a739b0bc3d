package io.provability.fabric.connectors.decisionlog;

import io.provability.fabric.connectors.FabricSinkConfig;
import io.provability.fabric.connectors.JdbcSettings;
import io.provability.fabric.schemas.serde.SchemaIds;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of {@link DecisionLogSinkConnector}: the shared JDBC keys ({@link JdbcSettings})
 * plus how batches are written. Topic selection ({@code topics}), converters and {@code errors.*}
 * are Connect's own keys.
 */
public final class DecisionLogSinkConfig extends FabricSinkConfig {

  /** Rows per INSERT. */
  public static final String BATCH_SIZE_CONFIG = "batch.size";

  private static final String BATCH_SIZE_DOC =
      "Most rows per INSERT or COPY statement (and per transaction). The records "
          + "Connect hands to one put() call are written in batches of this size before put() returns.";

  /** Write mode. */
  public static final String WRITE_MODE_CONFIG = "write.mode";

  private static final String WRITE_MODE_DOC =
      "MULTI_ROW_INSERT: one INSERT ... VALUES (...),(...) ON CONFLICT DO "
          + "NOTHING per batch. COPY: COPY straight into decision_log (PostgreSQL's bulk path); a batch holding a "
          + "decision id already in the log (a redelivery) fails with a unique violation, is rolled back and is "
          + "written again as MULTI_ROW_INSERT, as are the rest of that put()'s batches. COPY is faster for new "
          + "rows; each replayed batch costs two attempts and one error line in the PostgreSQL server log.";

  /**
   * Default write mode of the connector: COPY. Measured through the connector it keeps up with raw
   * COPY at half its rate or better where MULTI_ROW_INSERT does not (docs/benchmarks/sinks.md); its
   * cost is an error line in the PostgreSQL log per redelivered batch (docs/sinks.md §3).
   */
  public static final DecisionLogConfig.WriteMode DEFAULT_WRITE_MODE =
      DecisionLogConfig.WriteMode.COPY;

  /**
   * Default of {@link #WRITE_CONCURRENCY_CONFIG}: two batches at a time, so building overlaps
   * writing.
   */
  public static final int DEFAULT_WRITE_CONCURRENCY = 2;

  /** Batches of one put() written at the same time. */
  public static final String WRITE_CONCURRENCY_CONFIG = "write.concurrency";

  private static final String WRITE_CONCURRENCY_DOC =
      "How many batches of one put() are written at the same time, "
          + "each on its own pooled connection (at most pool.max.size). 1 writes them one after the other; 2 lets "
          + "the task build one batch while PostgreSQL writes another. put() still returns only when every batch "
          + "is committed.";

  private static final String RETRY_BACKOFF_MS_DOC =
      "How long Connect waits before redelivering a batch whose "
          + "write failed with a transient database error (connection lost, pool exhausted, deadlock).";

  /**
   * Schema-registry ids of the decision schemas, for a topic written in the registry wire format.
   */
  public static final String SCHEMA_IDS_CONFIG = "schema.ids";

  private static final String SCHEMA_IDS_DOC =
      "Schema-registry ids of the schemas the decisions topic may carry, as "
          + "id:crc64-fingerprint-hex pairs separated by commas (fabric run fills it in from the registry; "
          + "'fabric schemas register' prints it). Empty: only single-object-encoded decisions are read, and a "
          + "registry-framed one goes to the sink's dead-letter topic as an unknown schema.";

  /** The definition Connect validates against. */
  public static final ConfigDef CONFIG_DEF =
      JdbcSettings.define(new ConfigDef())
          .define(
              BATCH_SIZE_CONFIG,
              Type.INT,
              DecisionLogConfig.DEFAULT_BATCH_SIZE,
              ConfigDef.Range.between(1, DecisionLogConfig.MAX_BATCH_SIZE),
              Importance.MEDIUM,
              BATCH_SIZE_DOC)
          .define(
              WRITE_MODE_CONFIG,
              Type.STRING,
              DEFAULT_WRITE_MODE.name(),
              ConfigDef.ValidString.in(
                  Arrays.stream(DecisionLogConfig.WriteMode.values())
                      .map(Enum::name)
                      .toArray(String[]::new)),
              Importance.LOW,
              WRITE_MODE_DOC)
          .define(
              WRITE_CONCURRENCY_CONFIG,
              Type.INT,
              DEFAULT_WRITE_CONCURRENCY,
              ConfigDef.Range.between(1, DecisionLogConfig.MAX_WRITE_CONCURRENCY),
              Importance.LOW,
              WRITE_CONCURRENCY_DOC)
          .define(retryBackoff(RETRY_BACKOFF_MS_DOC))
          .define(
              SCHEMA_IDS_CONFIG,
              Type.STRING,
              "",
              (name, value) -> {
                try {
                  SchemaIds.parse((String) value);
                } catch (IllegalArgumentException e) {
                  throw new ConfigException(name, value, e.getMessage());
                }
              },
              Importance.LOW,
              SCHEMA_IDS_DOC);

  /**
   * @param props connector or task properties
   */
  public DecisionLogSinkConfig(Map<String, String> props) {
    super(CONFIG_DEF, props);
  }

  /**
   * @return the schema-registry ids to decode registry-framed decisions with
   */
  public SchemaIds schemaIds() {
    return SchemaIds.parse(getString(SCHEMA_IDS_CONFIG));
  }

  /**
   * @return the decision-log settings these properties describe
   */
  public DecisionLogConfig decisionLog() {
    return JdbcSettings.decisionLog(
        this,
        getInt(BATCH_SIZE_CONFIG),
        DecisionLogConfig.WriteMode.valueOf(getString(WRITE_MODE_CONFIG)),
        getInt(WRITE_CONCURRENCY_CONFIG),
        WRITE_CONCURRENCY_CONFIG);
  }
}
