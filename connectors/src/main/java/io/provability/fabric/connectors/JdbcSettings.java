package io.provability.fabric.connectors;

import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import java.time.Duration;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The PostgreSQL settings both sink connectors share (the decision log and the evidence index live
 * in the same database), declared once with docs, defaults and validators.
 */
public final class JdbcSettings {

  /** JDBC URL of the PostgreSQL database. */
  public static final String JDBC_URL_CONFIG = "jdbc.url";

  private static final String JDBC_URL_DOC =
      "JDBC URL of the PostgreSQL database holding decision_log, "
          + "evidence_bundle and decision_evidence, e.g. jdbc:postgresql://db:5432/fabric.";

  /** Database user. */
  public static final String JDBC_USER_CONFIG = "jdbc.user";

  private static final String JDBC_USER_DOC = "Database user.";

  /** Database password. */
  public static final String JDBC_PASSWORD_CONFIG = "jdbc.password";

  private static final String JDBC_PASSWORD_DOC =
      "Database password (masked in logs and in the REST API).";

  /** Schema. */
  public static final String JDBC_SCHEMA_CONFIG = "jdbc.schema";

  private static final String JDBC_SCHEMA_DOC =
      "Schema holding the tables; created and migrated on start.";

  /** Pool size. */
  public static final String POOL_MAX_SIZE_CONFIG = "pool.max.size";

  private static final String POOL_MAX_SIZE_DOC =
      "Most pooled database connections per task (HikariCP "
          + "maximumPoolSize). A task writes one batch at a time, so it borrows more than one connection only "
          + "while partition maintenance runs beside a write; the ceiling matters when PostgreSQL is slow.";

  /** Seed default: at most 100 connections. */
  public static final int DEFAULT_POOL_MAX_SIZE = 100;

  /** Pool minimum idle. */
  public static final String POOL_MIN_IDLE_CONFIG = "pool.min.idle";

  private static final String POOL_MIN_IDLE_DOC =
      "Idle connections each task keeps open (HikariCP minimumIdle, at "
          + "most pool.max.size). Mind PostgreSQL's max_connections (default 100): tasks x connectors x this.";

  /** Seed default: 10 connections kept open. */
  public static final int DEFAULT_POOL_MIN_IDLE = 10;

  /** Retention days. */
  public static final String RETENTION_DAYS_CONFIG = "retention.days";

  private static final String RETENTION_DAYS_DOC =
      "Days of decision_log partitions kept behind today (UTC); older "
          + "partitions, and evidence-index rows of bundles whose window ended before then, are dropped.";

  /** Partitions ahead. */
  public static final String PARTITIONS_AHEAD_CONFIG = "partitions.ahead";

  private static final String PARTITIONS_AHEAD_DOC =
      "Days of decision_log partitions created ahead of today (UTC).";

  /** Maintenance interval. */
  public static final String MAINTENANCE_INTERVAL_MS_CONFIG = "partition.maintenance.interval.ms";

  private static final String MAINTENANCE_INTERVAL_MS_DOC =
      "How often each task re-runs partition creation and "
          + "retention; 0 runs it only at task start.";

  private JdbcSettings() {}

  /**
   * Adds the JDBC keys to a definition.
   *
   * @param def the connector's definition
   * @return the same definition
   */
  public static ConfigDef define(ConfigDef def) {
    return def.define(
            JDBC_URL_CONFIG,
            Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            JdbcSettings::validateUrl,
            Importance.HIGH,
            JDBC_URL_DOC)
        .define(JDBC_USER_CONFIG, Type.STRING, "", Importance.HIGH, JDBC_USER_DOC)
        .define(JDBC_PASSWORD_CONFIG, Type.PASSWORD, "", Importance.HIGH, JDBC_PASSWORD_DOC)
        .define(
            JDBC_SCHEMA_CONFIG,
            Type.STRING,
            "public",
            new ConfigDef.NonEmptyString(),
            Importance.LOW,
            JDBC_SCHEMA_DOC)
        .define(
            POOL_MAX_SIZE_CONFIG,
            Type.INT,
            DEFAULT_POOL_MAX_SIZE,
            ConfigDef.Range.between(1, 500),
            Importance.MEDIUM,
            POOL_MAX_SIZE_DOC)
        .define(
            POOL_MIN_IDLE_CONFIG,
            Type.INT,
            DEFAULT_POOL_MIN_IDLE,
            ConfigDef.Range.between(0, 500),
            Importance.LOW,
            POOL_MIN_IDLE_DOC)
        .define(
            RETENTION_DAYS_CONFIG,
            Type.INT,
            DecisionLogConfig.DEFAULT_RETENTION_DAYS,
            ConfigDef.Range.between(1, 3650),
            Importance.MEDIUM,
            RETENTION_DAYS_DOC)
        .define(
            PARTITIONS_AHEAD_CONFIG,
            Type.INT,
            DecisionLogConfig.DEFAULT_PARTITIONS_AHEAD,
            ConfigDef.Range.between(0, 366),
            Importance.LOW,
            PARTITIONS_AHEAD_DOC)
        .define(
            MAINTENANCE_INTERVAL_MS_CONFIG,
            Type.LONG,
            Duration.ofHours(1).toMillis(),
            ConfigDef.Range.atLeast(0),
            Importance.LOW,
            MAINTENANCE_INTERVAL_MS_DOC);
  }

  /**
   * Builds the decision-log settings from a parsed connector config.
   *
   * @param config parsed config holding the keys of {@link #define}
   * @param batchSize rows per batch
   * @param mode write mode
   * @return the settings
   * @throws ConfigException naming the key when a combination is invalid
   */
  public static DecisionLogConfig decisionLog(
      AbstractConfig config, int batchSize, DecisionLogConfig.WriteMode mode) {
    return decisionLog(config, batchSize, mode, DecisionLogConfig.DEFAULT_WRITE_CONCURRENCY, null);
  }

  /**
   * Builds the decision-log settings from a parsed connector config, with concurrent batch writes.
   *
   * @param config parsed config holding the keys of {@link #define}
   * @param batchSize rows per batch
   * @param mode write mode
   * @param writeConcurrency batches written at the same time
   * @param concurrencyKey the key {@code writeConcurrency} came from, named in errors (null: none)
   * @return the settings
   * @throws ConfigException naming the key when a combination is invalid
   */
  public static DecisionLogConfig decisionLog(
      AbstractConfig config,
      int batchSize,
      DecisionLogConfig.WriteMode mode,
      int writeConcurrency,
      String concurrencyKey) {
    int maxSize = config.getInt(POOL_MAX_SIZE_CONFIG);
    int minIdle = config.getInt(POOL_MIN_IDLE_CONFIG);
    if (minIdle > maxSize) {
      throw new ConfigException(
          POOL_MIN_IDLE_CONFIG,
          minIdle,
          "must not exceed " + POOL_MAX_SIZE_CONFIG + " (" + maxSize + ")");
    }
    if (writeConcurrency > maxSize) {
      throw new ConfigException(
          concurrencyKey,
          writeConcurrency,
          "must not exceed "
              + POOL_MAX_SIZE_CONFIG
              + " ("
              + maxSize
              + "): each batch written at the same time holds a pooled connection");
    }
    String schema = config.getString(JDBC_SCHEMA_CONFIG);
    try {
      return DecisionLogConfig.builder()
          .jdbcUrl(config.getString(JDBC_URL_CONFIG))
          .user(config.getString(JDBC_USER_CONFIG))
          .password(config.getPassword(JDBC_PASSWORD_CONFIG).value())
          .schema(schema)
          .poolMaxSize(maxSize)
          .poolMinIdle(minIdle)
          .batchSize(batchSize)
          .writeMode(mode)
          .writeConcurrency(writeConcurrency)
          .retentionDays(config.getInt(RETENTION_DAYS_CONFIG))
          .partitionsAhead(config.getInt(PARTITIONS_AHEAD_CONFIG))
          .maintenanceInterval(Duration.ofMillis(config.getLong(MAINTENANCE_INTERVAL_MS_CONFIG)))
          .build();
    } catch (IllegalArgumentException e) {
      // the validators above cover every single key; what is left is the schema's identifier syntax
      throw new ConfigException(JDBC_SCHEMA_CONFIG, schema, e.getMessage());
    }
  }

  private static void validateUrl(String name, Object value) {
    if (!(value instanceof String url) || !url.startsWith("jdbc:postgresql:")) {
      throw new ConfigException(
          name, value, "must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db)");
    }
  }
}
