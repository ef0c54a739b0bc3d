package io.provability.fabric.sinks.decisionlog;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Immutable, validated settings of the decision log (PostgreSQL warm tier), in four groups: the
 * database ({@link Jdbc}), the connection pool ({@link Pool}), how batches are written ({@link
 * Batching}) and the daily partitions ({@link Partitions}).
 *
 * <p>Every value is checked when its group is built; a bad value fails with a message that names
 * the setting. {@link #toString()} masks the password, so the record may be logged as a whole.
 *
 * @param jdbc the database and schema
 * @param pool the connection pool
 * @param batching how a write call's rows reach the table
 * @param partitions partition creation, retention and maintenance
 */
public record DecisionLogConfig(Jdbc jdbc, Pool pool, Batching batching, Partitions partitions) {

  /** Seed default: at most 100 rows per batch. */
  public static final int DEFAULT_BATCH_SIZE = 100;

  /**
   * Upper bound on a batch: 1,000 rows × 17 parameters stays far below PostgreSQL's 65,535 bind
   * parameters.
   */
  public static final int MAX_BATCH_SIZE = 1_000;

  /** Default: the batches of one write call go one after the other. */
  public static final int DEFAULT_WRITE_CONCURRENCY = 1;

  /** Upper bound on {@link Batching#writeConcurrency()}. */
  public static final int MAX_WRITE_CONCURRENCY = 8;

  /** Seed default: seven days of decisions in the warm tier. */
  public static final int DEFAULT_RETENTION_DAYS = 7;

  /** Default partitions created ahead of today. */
  public static final int DEFAULT_PARTITIONS_AHEAD = 3;

  /** Default pool size (the seed's lower bound). */
  public static final int DEFAULT_POOL_MAX_SIZE = 10;

  private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)([?&;]password=)[^&;]*");
  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** How a batch of rows is written. */
  public enum WriteMode {
    /** One {@code INSERT ... VALUES (...),(...) ON CONFLICT DO NOTHING} per batch. */
    MULTI_ROW_INSERT,
    /**
     * {@code COPY} straight into {@code decision_log}; a batch that meets a decision id already
     * there (a replay) is rolled back and written again as {@link #MULTI_ROW_INSERT}, as are the
     * rest of that call's batches. Fast for new rows; a replayed batch costs two attempts and
     * leaves a unique-violation error in the PostgreSQL server log.
     */
    COPY
  }

  /**
   * The database. {@link #toString()} masks the password.
   *
   * @param url {@code jdbc:postgresql://host:port/db}
   * @param user database user (may be empty when the URL carries it)
   * @param password database password (never logged)
   * @param schema schema that holds the tables; created by the migration if missing
   */
  public record Jdbc(String url, String user, String password, String schema) {
    /** Validates the URL and the schema name; a missing user or password is empty. */
    public Jdbc {
      require(
          url != null && url.startsWith("jdbc:postgresql:"),
          "jdbcUrl must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database)");
      user = user == null ? "" : user;
      password = password == null ? "" : password;
      schema = schema == null || schema.isBlank() ? "public" : schema;
      require(
          SCHEMA_NAME.matcher(schema).matches(),
          "schema must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)");
    }

    @Override
    public String toString() {
      return "Jdbc[url="
          + redactUrl(url)
          + ", user="
          + user
          + ", password="
          + (password.isEmpty() ? "" : "********")
          + ", schema="
          + schema
          + "]";
    }
  }

  /**
   * The connection pool.
   *
   * @param maxSize most pooled connections
   * @param minIdle idle connections the pool keeps warm
   * @param connectionTimeout how long a writer waits for a pooled connection before failing
   */
  public record Pool(int maxSize, int minIdle, Duration connectionTimeout) {
    /** Validates every setting; messages name the setting. */
    public Pool {
      require(maxSize >= 1 && maxSize <= 500, "poolMaxSize must be between 1 and 500");
      require(minIdle >= 0 && minIdle <= maxSize, "poolMinIdle must be between 0 and poolMaxSize");
      Objects.requireNonNull(connectionTimeout, "connectionTimeout");
      require(
          connectionTimeout.toMillis() >= 250,
          "connectionTimeout must be at least 250 ms (HikariCP's minimum)");
    }
  }

  /**
   * How the rows of one write call are written.
   *
   * @param batchSize most rows per INSERT statement (one transaction per batch)
   * @param writeMode how a batch reaches the table
   * @param writeConcurrency batches of one write call written at the same time, each on its own
   *     pooled connection (1: one after the other)
   */
  public record Batching(int batchSize, WriteMode writeMode, int writeConcurrency) {
    /** Validates every setting; messages name the setting. */
    public Batching {
      require(
          batchSize >= 1 && batchSize <= MAX_BATCH_SIZE,
          "batchSize must be between 1 and " + MAX_BATCH_SIZE);
      Objects.requireNonNull(writeMode, "writeMode");
      require(
          writeConcurrency >= 1 && writeConcurrency <= MAX_WRITE_CONCURRENCY,
          "writeConcurrency must be between 1 and " + MAX_WRITE_CONCURRENCY);
    }
  }

  /**
   * The daily partitions of {@code decision_log}.
   *
   * @param retentionDays days of partitions kept behind today (UTC); older ones are dropped
   * @param partitionsAhead days of partitions created ahead of today (UTC)
   * @param maintenanceInterval how often the background partition maintenance runs; zero disables
   *     it
   */
  public record Partitions(int retentionDays, int partitionsAhead, Duration maintenanceInterval) {
    /** Validates every setting; messages name the setting. */
    public Partitions {
      require(
          retentionDays >= 1 && retentionDays <= 3650, "retentionDays must be between 1 and 3650");
      require(
          partitionsAhead >= 0 && partitionsAhead <= 366,
          "partitionsAhead must be between 0 and 366");
      Objects.requireNonNull(maintenanceInterval, "maintenanceInterval");
      require(!maintenanceInterval.isNegative(), "maintenanceInterval must not be negative");
    }
  }

  /** Checks what spans the groups: each concurrent batch needs a pooled connection. */
  public DecisionLogConfig {
    if (jdbc == null || pool == null || batching == null || partitions == null) {
      throw new NullPointerException("DecisionLogConfig: every group must be set");
    }
    require(
        batching.writeConcurrency() <= pool.maxSize(),
        "writeConcurrency ("
            + batching.writeConcurrency()
            + ") must not exceed poolMaxSize ("
            + pool.maxSize()
            + "): each concurrent batch holds a connection");
  }

  /**
   * A builder with the seed defaults; only the JDBC URL (and usually user and password) must be
   * set.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A copy of this configuration with another JDBC URL (tests point one config at several
   * databases).
   */
  public DecisionLogConfig withJdbcUrl(String url) {
    return new DecisionLogConfig(
        new Jdbc(url, jdbc.user(), jdbc.password(), jdbc.schema()), pool, batching, partitions);
  }

  /**
   * @param jdbcUrl a JDBC URL
   * @return the URL with the value of any {@code password} parameter masked, for logs and messages
   */
  public static String redactUrl(String jdbcUrl) {
    return jdbcUrl == null ? null : PASSWORD_PARAM.matcher(jdbcUrl).replaceAll("$1********");
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("Invalid decision-log configuration: " + message);
    }
  }

  /** Mutable builder for {@link DecisionLogConfig}; {@link #build()} validates. */
  public static final class Builder {
    private String jdbcUrl;
    private String user = "";
    private String password = "";
    private String schema = "public";
    private int poolMaxSize = DEFAULT_POOL_MAX_SIZE;
    private int poolMinIdle = 1;
    private Duration connectionTimeout = Duration.ofSeconds(30);
    private int batchSize = DEFAULT_BATCH_SIZE;
    private WriteMode writeMode = WriteMode.MULTI_ROW_INSERT;
    private int writeConcurrency = DEFAULT_WRITE_CONCURRENCY;
    private int retentionDays = DEFAULT_RETENTION_DAYS;
    private int partitionsAhead = DEFAULT_PARTITIONS_AHEAD;
    private Duration maintenanceInterval = Duration.ofHours(1);

    private Builder() {}

    /**
     * @param value {@code jdbc:postgresql://host:port/database}
     */
    public Builder jdbcUrl(String value) {
      this.jdbcUrl = value;
      return this;
    }

    /**
     * @param value database user
     */
    public Builder user(String value) {
      this.user = value;
      return this;
    }

    /**
     * @param value database password
     */
    public Builder password(String value) {
      this.password = value;
      return this;
    }

    /**
     * @param value schema holding the tables
     */
    public Builder schema(String value) {
      this.schema = value;
      return this;
    }

    /**
     * @param value most pooled connections
     */
    public Builder poolMaxSize(int value) {
      this.poolMaxSize = value;
      return this;
    }

    /**
     * @param value idle connections kept warm
     */
    public Builder poolMinIdle(int value) {
      this.poolMinIdle = value;
      return this;
    }

    /**
     * @param value wait for a pooled connection
     */
    public Builder connectionTimeout(Duration value) {
      this.connectionTimeout = value;
      return this;
    }

    /**
     * @param value most rows per batch
     */
    public Builder batchSize(int value) {
      this.batchSize = value;
      return this;
    }

    /**
     * @param value how batches are written
     */
    public Builder writeMode(WriteMode value) {
      this.writeMode = value;
      return this;
    }

    /**
     * @param value batches of one write call written at the same time (1..8, at most poolMaxSize)
     */
    public Builder writeConcurrency(int value) {
      this.writeConcurrency = value;
      return this;
    }

    /**
     * @param value days of partitions kept behind today
     */
    public Builder retentionDays(int value) {
      this.retentionDays = value;
      return this;
    }

    /**
     * @param value days of partitions created ahead of today
     */
    public Builder partitionsAhead(int value) {
      this.partitionsAhead = value;
      return this;
    }

    /**
     * @param value background maintenance period; zero disables the background task
     */
    public Builder maintenanceInterval(Duration value) {
      this.maintenanceInterval = value;
      return this;
    }

    /**
     * @return the validated configuration
     */
    public DecisionLogConfig build() {
      return new DecisionLogConfig(
          new Jdbc(jdbcUrl, user, password, schema),
          new Pool(poolMaxSize, poolMinIdle, connectionTimeout),
          new Batching(batchSize, writeMode, writeConcurrency),
          new Partitions(retentionDays, partitionsAhead, maintenanceInterval));
    }
  }
}
