package io.provability.fabric.sinks.decisionlog;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.provability.fabric.schemas.serde.EventCodec;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision log on PostgreSQL: a connection pool, the schema (migrated on open), the partition
 * manager, and the writers and reader that share them.
 *
 * <p>{@link #open(DecisionLogConfig, Clock)} migrates the schema with Flyway (history table {@value
 * #HISTORY_TABLE}, scripts under {@code classpath:db/migration/fabric-sinks}), creates the
 * partitions around today, and, unless the maintenance interval is zero, re-runs partition
 * maintenance in the background. Opening several instances against one database (one per Connect
 * task) is safe: Flyway and the partition DDL both serialise on PostgreSQL advisory locks.
 *
 * <p>Hazard: {@link #close()} closes the pool; writers and readers obtained from this instance fail
 * afterwards.
 */
public final class DecisionLog implements AutoCloseable {

  /** Flyway history table of this module (kept apart from other modules' migrations). */
  public static final String HISTORY_TABLE = "fabric_sinks_schema_history";

  /** Where this module's migrations live on the classpath. */
  public static final String MIGRATIONS = "classpath:db/migration/fabric-sinks";

  private static final Logger LOG = LoggerFactory.getLogger(DecisionLog.class);

  private final DecisionLogConfig config;
  private final HikariDataSource pool;
  private final PartitionManager partitions;
  private final DecisionLogWriter writer;
  private final EvidenceLogIndex evidenceLog;
  private final DecisionLogReader reader;
  private final ScheduledExecutorService maintenance;

  /** Threads that write batches beside the caller's; null when writeConcurrency is 1. */
  private final ExecutorService batchWriters;

  private final AtomicLong maintenanceFailures = new AtomicLong();

  private DecisionLog(DecisionLogConfig config, HikariDataSource pool, Clock clock) {
    this.config = config;
    this.pool = pool;
    EventCodec codec = EventCodec.standard();
    this.partitions =
        new PartitionManager(
            pool,
            clock,
            config.partitions().retentionDays(),
            config.partitions().partitionsAhead());
    AtomicInteger writerThreads = new AtomicInteger();
    this.batchWriters =
        config.batching().writeConcurrency() == 1
            ? null
            : Executors.newFixedThreadPool(
                config.batching().writeConcurrency() - 1,
                r -> {
                  Thread t =
                      new Thread(r, "decision-log-writer-" + writerThreads.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                });
    this.writer =
        new DecisionLogWriter(
            pool,
            partitions,
            codec,
            config.batching().batchSize(),
            config.batching().writeMode(),
            config.batching().writeConcurrency(),
            batchWriters);
    this.evidenceLog = new EvidenceLogIndex(pool, partitions);
    this.reader = new DecisionLogReader(pool, codec);
    this.maintenance =
        config.partitions().maintenanceInterval().isZero()
            ? null
            : Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "decision-log-maintenance");
                  t.setDaemon(true);
                  return t;
                });
  }

  /**
   * Connects, migrates the schema, creates the partitions around today and starts background
   * maintenance.
   *
   * @param config validated settings
   * @param clock source of "today" for partitioning and retention
   * @return an open decision log
   * @throws DecisionLogException when the database is unreachable (retriable) or the migration
   *     fails
   */
  public static DecisionLog open(DecisionLogConfig config, Clock clock) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clock, "clock");
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(hikari(config));
    } catch (RuntimeException e) {
      throw new DecisionLogException(
          "cannot connect to "
              + DecisionLogConfig.redactUrl(config.jdbc().url())
              + " as user '"
              + config.jdbc().user()
              + "'",
          e,
          true);
    }
    try {
      migrate(config);
      DecisionLog log = new DecisionLog(config, pool, clock);
      log.partitions.maintain();
      log.startMaintenance();
      LOG.info("decision log open: {}", config);
      return log;
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /**
   * @return the writer of decision rows
   */
  public DecisionLogWriter writer() {
    return writer;
  }

  /**
   * @return the evidence logs' checkpoints and leaf index rows
   */
  public EvidenceLogIndex evidenceLog() {
    return evidenceLog;
  }

  /**
   * @return the audit reader
   */
  public DecisionLogReader reader() {
    return reader;
  }

  /**
   * @return the partition manager (maintenance can also be run by hand)
   */
  public PartitionManager partitions() {
    return partitions;
  }

  /**
   * @return the pooled data source (for callers that need their own queries)
   */
  public DataSource dataSource() {
    return pool;
  }

  /**
   * @return the settings this log was opened with
   */
  public DecisionLogConfig config() {
    return config;
  }

  /**
   * @return background maintenance runs that failed (each is logged; the next run retries)
   */
  public long maintenanceFailures() {
    return maintenanceFailures.get();
  }

  @Override
  public void close() {
    if (maintenance != null) {
      maintenance.shutdownNow();
      try {
        maintenance.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (batchWriters != null) {
      // a write call waits for its batches, so when no call is running these threads are idle
      batchWriters.shutdownNow();
    }
    pool.close();
  }

  private void startMaintenance() {
    if (maintenance == null) {
      return;
    }
    long period = config.partitions().maintenanceInterval().toMillis();
    maintenance.scheduleWithFixedDelay(
        () -> {
          try {
            partitions.maintain();
          } catch (RuntimeException e) {
            maintenanceFailures.incrementAndGet();
            LOG.warn("decision_log partition maintenance failed; retrying in {} ms", period, e);
          }
        },
        period,
        period,
        TimeUnit.MILLISECONDS);
  }

  private static HikariConfig hikari(DecisionLogConfig config) {
    HikariConfig h = new HikariConfig();
    h.setPoolName("fabric-decision-log");
    h.setJdbcUrl(config.jdbc().url());
    if (!config.jdbc().user().isEmpty()) {
      h.setUsername(config.jdbc().user());
    }
    if (!config.jdbc().password().isEmpty()) {
      h.setPassword(config.jdbc().password());
    }
    h.setSchema(config.jdbc().schema());
    h.setMaximumPoolSize(config.pool().maxSize());
    h.setMinimumIdle(config.pool().minIdle());
    h.setConnectionTimeout(config.pool().connectionTimeout().toMillis());
    h.addDataSourceProperty("ApplicationName", "fabric-decision-log");
    return h;
  }

  private static void migrate(DecisionLogConfig config) {
    try {
      // Flyway holds one connection for its lock while it migrates on another: give it its own
      // connections rather than the pool's, which may be a single connection.
      // This module's class loader: under Connect the thread's context loader may be a plugin
      // loader.
      Flyway.configure(DecisionLog.class.getClassLoader())
          .dataSource(
              config.jdbc().url(),
              config.jdbc().user().isEmpty() ? null : config.jdbc().user(),
              config.jdbc().password().isEmpty() ? null : config.jdbc().password())
          .schemas(config.jdbc().schema())
          .defaultSchema(config.jdbc().schema())
          .table(HISTORY_TABLE)
          .locations(MIGRATIONS)
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw new DecisionLogException(
          "migrating the decision-log schema '" + config.jdbc().schema() + "' failed", e, false);
    }
  }
}
