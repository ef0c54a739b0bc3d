package io.provability.fabric.sinks.decisionlog;

import io.provability.fabric.sinks.decisionlog.internal.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and drops the daily partitions of {@code decision_log} ({@code decision_log_pYYYYMMDD},
 * holding {@code [day, day + 1)} of {@code decided_on}, UTC).
 *
 * <p>{@link #maintain()} makes sure a partition exists for every day from {@code today -
 * retentionDays} to {@code today + partitionsAhead} and drops every partition whose day is before
 * {@code today - retentionDays}. "Today" comes from the injected {@link Clock}, so tests move time
 * instead of waiting for it.
 *
 * <p>A row whose day has no partition (a replay of old data, a producer with a skewed clock) is
 * never rejected: the writer calls {@link #ensurePartitions(Collection)} before each batch, which
 * creates the missing partitions on demand. This was chosen over a DEFAULT partition because a
 * DEFAULT partition that holds rows for a day blocks the later creation of that day's partition
 * (PostgreSQL refuses it until the rows are moved), and every partition creation must scan the
 * DEFAULT partition under an exclusive lock. A partition created on demand for a day already past
 * retention is dropped by the next {@link #maintain()}: the warm tier keeps {@code retentionDays};
 * older evidence lives in S3.
 *
 * <p>Several writers (Connect tasks, processes) may run this concurrently: DDL runs under a
 * transaction-scoped advisory lock, so creation and dropping never race.
 */
public final class PartitionManager {

  /** Parent table name. */
  public static final String TABLE = "decision_log";

  /** The table partitioned by the same days (the evidence log's leaf index of each decision). */
  public static final String EVIDENCE_TABLE = "decision_evidence";

  private static final Logger LOG = LoggerFactory.getLogger(PartitionManager.class);
  private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd");
  private static final String PREFIX = TABLE + "_p";

  /** An arbitrary constant shared by every process that changes decision_log's partitions. */
  private static final long DDL_LOCK_KEY = 0x5046_4445_4c4f_4731L;

  private final DataSource dataSource;
  private final Clock clock;
  private final int retentionDays;
  private final int partitionsAhead;

  /** Days known to have a partition; a cache only, cleared when an insert proves it stale. */
  private final Set<LocalDate> known = ConcurrentHashMap.newKeySet();

  /**
   * @param dataSource pool to run DDL on
   * @param clock source of "today" (UTC)
   * @param retentionDays days kept behind today
   * @param partitionsAhead days created ahead of today
   */
  public PartitionManager(
      DataSource dataSource, Clock clock, int retentionDays, int partitionsAhead) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (retentionDays < 1) {
      throw new IllegalArgumentException("retentionDays must be at least 1, was " + retentionDays);
    }
    if (partitionsAhead < 0) {
      throw new IllegalArgumentException(
          "partitionsAhead must not be negative, was " + partitionsAhead);
    }
    this.retentionDays = retentionDays;
    this.partitionsAhead = partitionsAhead;
  }

  /** What one {@link #maintain()} run changed. */
  public record MaintenanceResult(
      List<String> created, List<String> dropped, int checkpointsThinned) {
    /** Defensive copies. */
    public MaintenanceResult {
      created = List.copyOf(created);
      dropped = List.copyOf(dropped);
    }
  }

  /** The partition name for a day, e.g. {@code decision_log_p20261127}. */
  public static String partitionName(LocalDate day) {
    return PREFIX + SUFFIX.format(day);
  }

  /** The day a partition name stands for, or empty when the name is not one of ours. */
  public static Optional<LocalDate> dayOf(String partitionName) {
    if (!partitionName.startsWith(PREFIX) || partitionName.length() != PREFIX.length() + 8) {
      return Optional.empty();
    }
    try {
      return Optional.of(LocalDate.parse(partitionName.substring(PREFIX.length()), SUFFIX));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** Today in UTC according to the injected clock. */
  public LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  /** The oldest day kept: partitions before it are dropped. */
  public LocalDate oldestRetainedDay() {
    return today().minusDays(retentionDays);
  }

  /**
   * Creates the partitions from {@code today - retentionDays} to {@code today + partitionsAhead},
   * drops the partitions older than {@code today - retentionDays} (of {@code decision_log} and
   * {@code decision_evidence} alike), and thins the log checkpoints older than that day to one per
   * hour and log (the S3 objects themselves stay, under the bucket's lifecycle).
   *
   * @return what changed
   */
  public MaintenanceResult maintain() {
    LocalDate today = today();
    LocalDate oldest = today.minusDays(retentionDays);
    List<String> created = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    int thinned;
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        lock(c);
        SortedSet<LocalDate> existing = existingDays(c);
        for (LocalDate day = oldest;
            !day.isAfter(today.plusDays(partitionsAhead));
            day = day.plusDays(1)) {
          if (!existing.contains(day)) {
            create(c, day);
            created.add(partitionName(day));
          }
        }
        for (LocalDate day : existing) {
          if (day.isBefore(oldest)) {
            try (Statement s = c.createStatement()) {
              s.execute("DROP TABLE IF EXISTS " + partitionName(day));
              s.execute("DROP TABLE IF EXISTS " + evidencePartitionName(day));
            }
            dropped.add(partitionName(day));
          }
        }
        // checkpoints older than the retention are thinned to the last one of each UTC hour per
        // log:
        // enough to resume and to ask for consistency with a past size at an hour's granularity
        // (the tiles in S3 give a proof between any two sizes)
        try (PreparedStatement ps =
            c.prepareStatement(
                "DELETE FROM log_checkpoint c WHERE c.published_at < ? "
                    + "AND EXISTS (SELECT 1 FROM log_checkpoint n WHERE n.origin = c.origin AND n.size > c.size "
                    + "AND date_trunc('hour', n.published_at) = date_trunc('hour', c.published_at))")) {
          ps.setObject(1, oldest.atStartOfDay().atOffset(ZoneOffset.UTC));
          thinned = ps.executeUpdate();
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        Transactions.rollbackAfter(c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw new DecisionLogException("partition maintenance of " + TABLE + " failed", e);
    }
    known.clear();
    if (!created.isEmpty() || !dropped.isEmpty() || thinned > 0) {
      LOG.info(
          "decision_log and decision_evidence partitions: created {}, dropped {} (retention {} days, "
              + "oldest kept {}); {} old log checkpoints thinned",
          created,
          dropped,
          retentionDays,
          oldest,
          thinned);
    }
    return new MaintenanceResult(created, dropped, thinned);
  }

  /**
   * Makes sure each given day has a partition, creating missing ones (also for days outside the
   * retention window: a row is never rejected; {@link #maintain()} applies retention later).
   *
   * @param days the days a batch is about to write
   * @return the partitions this call created
   */
  public List<String> ensurePartitions(Collection<LocalDate> days) {
    List<LocalDate> missing =
        days.stream().filter(d -> !known.contains(d)).distinct().sorted().toList();
    if (missing.isEmpty()) {
      return List.of();
    }
    List<String> created = new ArrayList<>();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        lock(c);
        SortedSet<LocalDate> existing = existingDays(c);
        for (LocalDate day : missing) {
          if (!existing.contains(day)) {
            create(c, day);
            created.add(partitionName(day));
          }
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        Transactions.rollbackAfter(c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw new DecisionLogException(
          "creating decision_log partitions for " + missing + " failed", e);
    }
    known.addAll(missing);
    if (!created.isEmpty()) {
      LocalDate oldest = oldestRetainedDay();
      LOG.info(
          "decision_log partitions created on demand: {}{}",
          created,
          missing.stream().anyMatch(d -> d.isBefore(oldest))
              ? " (some are older than the retention of "
                  + retentionDays
                  + " days and will be dropped by the next maintenance)"
              : "");
    }
    return created;
  }

  /** Forgets which partitions exist; the next batch checks the catalog again. */
  void invalidate() {
    known.clear();
  }

  /** The days that currently have a partition, oldest first. */
  public SortedSet<LocalDate> partitionDays() {
    try (Connection c = dataSource.getConnection()) {
      return existingDays(c);
    } catch (SQLException e) {
      throw new DecisionLogException("listing decision_log partitions failed", e);
    }
  }

  private static void lock(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      ps.setLong(1, DDL_LOCK_KEY);
      ps.execute();
    }
  }

  private static void create(Connection c, LocalDate day) throws SQLException {
    // Identifiers and bounds are built from a LocalDate, never from input text.
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + partitionName(day)
              + " PARTITION OF "
              + TABLE
              + " FOR VALUES FROM ('"
              + day
              + "') TO ('"
              + day.plusDays(1)
              + "')");
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + evidencePartitionName(day)
              + " PARTITION OF "
              + EVIDENCE_TABLE
              + " FOR VALUES FROM ('"
              + day
              + "') TO ('"
              + day.plusDays(1)
              + "')");
    }
  }

  /** The decision_evidence partition of a day, e.g. {@code decision_evidence_p20261127}. */
  public static String evidencePartitionName(LocalDate day) {
    return EVIDENCE_TABLE + "_p" + SUFFIX.format(day);
  }

  private static SortedSet<LocalDate> existingDays(Connection c) throws SQLException {
    SortedSet<LocalDate> days = new TreeSet<>();
    // to_regclass resolves the parent through search_path, i.e. the configured schema
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT child.relname FROM pg_inherits i JOIN pg_class child ON child.oid = i.inhrelid "
                    + "WHERE i.inhparent = to_regclass(?)");
        ResultSet rs = setAndQuery(ps, TABLE)) {
      while (rs.next()) {
        dayOf(rs.getString(1)).ifPresent(days::add);
      }
    }
    // a day counts only when decision_evidence has it too (create() makes both; IF NOT EXISTS
    // makes re-creating the one that exists harmless)
    SortedSet<LocalDate> evidenceDays = new TreeSet<>();
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT child.relname FROM pg_inherits i JOIN pg_class child ON child.oid = i.inhrelid "
                    + "WHERE i.inhparent = to_regclass(?)");
        ResultSet rs = setAndQuery(ps, EVIDENCE_TABLE)) {
      while (rs.next()) {
        String name = rs.getString(1);
        dayOf(TABLE + name.substring(EVIDENCE_TABLE.length())).ifPresent(evidenceDays::add);
      }
    }
    days.retainAll(evidenceDays);
    return days;
  }

  private static ResultSet setAndQuery(PreparedStatement ps, String value) throws SQLException {
    ps.setString(1, value);
    return ps.executeQuery();
  }
}
