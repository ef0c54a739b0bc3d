package io.provability.fabric.sinks.decisionlog;

import io.provability.fabric.sinks.decisionlog.internal.Transactions;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * The evidence logs' rows in PostgreSQL: {@code log_checkpoint} (every checkpoint a sequencer
 * published, with the Kafka offset it reached) and {@code decision_evidence} (where each decision's
 * entry is: log origin and leaf index).
 *
 * <p>The sequencer {@linkplain #record records} a checkpoint and the leaf rows of the entries it
 * added in one transaction, so the rows of a checkpoint exist exactly when the checkpoint row does;
 * a restarted sequencer reads its {@linkplain #latest latest} checkpoint to know where to resume.
 * Both inserts skip rows already there, so recording the same checkpoint twice changes nothing.
 */
public final class EvidenceLogIndex {
  private static final String CHECKPOINT_COLUMNS =
      "origin, size, root, note, kafka_topic, kafka_partition, next_offset, published_at";

  private final DataSource dataSource;
  private final PartitionManager partitions;

  EvidenceLogIndex(DataSource dataSource, PartitionManager partitions) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.partitions = partitions;
  }

  /**
   * The read side alone, over a (read-only) pool: what auditors use; {@link #record} is refused.
   */
  public static EvidenceLogIndex reader(DataSource dataSource) {
    return new EvidenceLogIndex(dataSource, null);
  }

  /**
   * One published checkpoint.
   *
   * @param origin the log's origin
   * @param size entries in the log at this checkpoint
   * @param root its RFC 6962 root (32 bytes)
   * @param note the signed note as published
   * @param kafkaTopic the evidence topic the log is sequenced from
   * @param kafkaPartition its partition
   * @param nextOffset the offset of the first record not in the log at this size
   * @param publishedAt when the sequencer published it
   */
  public record CheckpointRow(
      String origin,
      long size,
      byte[] root,
      byte[] note,
      String kafkaTopic,
      int kafkaPartition,
      long nextOffset,
      Instant publishedAt) {}

  /**
   * Where one decision's entry is.
   *
   * @param decidedOn UTC day of the decision (the partition it sits in)
   * @param decisionId the decision
   * @param logOrigin the log holding its entry
   * @param leafIndex the entry's index in that log
   */
  public record LeafRow(LocalDate decidedOn, String decisionId, String logOrigin, long leafIndex) {}

  /**
   * Records a published checkpoint and the leaf rows of the entries it added, in one transaction.
   *
   * @throws DecisionLogException when PostgreSQL fails ({@link DecisionLogException#retriable()})
   */
  public void record(CheckpointRow checkpoint, List<LeafRow> leaves) {
    if (partitions == null) {
      throw new IllegalStateException("this evidence log index is read-only");
    }
    TreeSet<LocalDate> days = new TreeSet<>();
    for (LeafRow l : leaves) {
      days.add(l.decidedOn());
    }
    partitions.ensurePartitions(days);
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        if (!leaves.isEmpty()) {
          insertLeaves(c, leaves);
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO log_checkpoint ("
                    + CHECKPOINT_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
          ps.setString(1, checkpoint.origin());
          ps.setLong(2, checkpoint.size());
          ps.setBytes(3, checkpoint.root());
          ps.setBytes(4, checkpoint.note());
          ps.setString(5, checkpoint.kafkaTopic());
          ps.setInt(6, checkpoint.kafkaPartition());
          ps.setLong(7, checkpoint.nextOffset());
          ps.setObject(8, OffsetDateTime.ofInstant(checkpoint.publishedAt(), ZoneOffset.UTC));
          ps.executeUpdate();
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        Transactions.rollbackAfter(c, e);
        throw e;
      }
    } catch (SQLException e) {
      String what = "recording checkpoint " + checkpoint.origin() + " size " + checkpoint.size();
      if (e.getMessage() != null && e.getMessage().contains("no partition of relation")) {
        // another process dropped a partition our cache believed in: re-create it on the retry
        partitions.invalidate();
        throw new DecisionLogException(what, e, true);
      }
      throw new DecisionLogException(what, e);
    }
  }

  private static void insertLeaves(Connection c, List<LeafRow> leaves) throws SQLException {
    // one statement whatever the batch size: arrays unnested server-side
    Object[] days = new Object[leaves.size()];
    String[] ids = new String[leaves.size()];
    String[] origins = new String[leaves.size()];
    Long[] indexes = new Long[leaves.size()];
    for (int i = 0; i < leaves.size(); i++) {
      LeafRow l = leaves.get(i);
      days[i] = l.decidedOn().toString();
      ids[i] = l.decisionId();
      origins[i] = l.logOrigin();
      indexes[i] = l.leafIndex();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO decision_evidence (decided_on, decision_id, "
                + "log_origin, leaf_index) SELECT d::date, i, o, x FROM unnest(?::text[], ?::text[], ?::text[], "
                + "?::bigint[]) AS t(d, i, o, x) ON CONFLICT DO NOTHING")) {
      Array a = c.createArrayOf("text", days);
      Array b = c.createArrayOf("text", ids);
      Array o = c.createArrayOf("text", origins);
      Array x = c.createArrayOf("bigint", indexes);
      ps.setArray(1, a);
      ps.setArray(2, b);
      ps.setArray(3, o);
      ps.setArray(4, x);
      ps.executeUpdate();
    }
  }

  /**
   * @return the latest (largest) checkpoint recorded for this log, if any
   */
  public Optional<CheckpointRow> latest(String origin) {
    List<CheckpointRow> rows =
        checkpoints(
            "SELECT "
                + CHECKPOINT_COLUMNS
                + " FROM log_checkpoint WHERE origin = ? ORDER BY size DESC LIMIT 1",
            origin);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  /**
   * @return every checkpoint recorded for this log, smallest first
   */
  public List<CheckpointRow> checkpoints(String origin) {
    return checkpoints(
        "SELECT " + CHECKPOINT_COLUMNS + " FROM log_checkpoint WHERE origin = ? ORDER BY size",
        origin);
  }

  /**
   * The checkpoints of a log published in {@code [from, to)}, plus the last one before {@code from}
   * (so a range's first checkpoint can be checked for consistency with its predecessor), smallest
   * first.
   */
  public List<CheckpointRow> checkpoints(String origin, Instant from, Instant to) {
    List<CheckpointRow> out =
        new ArrayList<>(
            checkpoints(
                "SELECT "
                    + CHECKPOINT_COLUMNS
                    + " FROM log_checkpoint WHERE origin = ? AND published_at < ? ORDER BY published_at DESC, size DESC"
                    + " LIMIT 1",
                origin,
                from));
    out.addAll(
        checkpoints(
            "SELECT "
                + CHECKPOINT_COLUMNS
                + " FROM log_checkpoint WHERE origin = ? AND "
                + "published_at >= ? AND published_at < ? ORDER BY size",
            origin,
            from,
            to));
    return out;
  }

  /**
   * @return the first checkpoint of a log published at or after {@code t}, if any
   */
  public Optional<CheckpointRow> firstPublishedFrom(String origin, Instant t) {
    List<CheckpointRow> rows =
        checkpoints(
            "SELECT "
                + CHECKPOINT_COLUMNS
                + " FROM log_checkpoint WHERE origin = ?"
                + " AND published_at >= ? ORDER BY size LIMIT 1",
            origin,
            t);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  /**
   * @return the origins that have at least one checkpoint, sorted
   */
  public List<String> origins() {
    List<String> out = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT DISTINCT origin FROM log_checkpoint ORDER BY origin");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new DecisionLogException("listing evidence logs", e);
    }
    return out;
  }

  /**
   * @return the leaf rows of these decisions, in whatever day partition they sit
   */
  public List<LeafRow> leavesOf(Collection<String> decisionIds) {
    return leaves(
        "SELECT decided_on, decision_id, log_origin, leaf_index FROM decision_evidence WHERE "
            + "decision_id = ANY (?) ORDER BY log_origin, leaf_index",
        decisionIds.toArray(String[]::new));
  }

  /**
   * @return the leaf rows of a log in {@code [fromIndex, toIndex)}, by index
   */
  public List<LeafRow> leavesIn(String origin, long fromIndex, long toIndex) {
    List<LeafRow> out = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT decided_on, decision_id, log_origin, leaf_index FROM "
                    + "decision_evidence WHERE log_origin = ? AND leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index")) {
      ps.setString(1, origin);
      ps.setLong(2, fromIndex);
      ps.setLong(3, toIndex);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(leafRow(rs));
        }
      }
    } catch (SQLException e) {
      throw new DecisionLogException("reading the leaf rows of " + origin, e);
    }
    return out;
  }

  private List<LeafRow> leaves(String sql, String[] ids) {
    List<LeafRow> out = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setArray(1, c.createArrayOf("text", ids));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(leafRow(rs));
        }
      }
    } catch (SQLException e) {
      throw new DecisionLogException("reading decision_evidence", e);
    }
    return out;
  }

  private static LeafRow leafRow(ResultSet rs) throws SQLException {
    return new LeafRow(
        rs.getObject(1, LocalDate.class), rs.getString(2), rs.getString(3), rs.getLong(4));
  }

  private List<CheckpointRow> checkpoints(String sql, Object... params) {
    List<CheckpointRow> out = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        Object p = params[i];
        ps.setObject(
            i + 1, p instanceof Instant t ? OffsetDateTime.ofInstant(t, ZoneOffset.UTC) : p);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new CheckpointRow(
                  rs.getString(1),
                  rs.getLong(2),
                  rs.getBytes(3),
                  rs.getBytes(4),
                  rs.getString(5),
                  rs.getInt(6),
                  rs.getLong(7),
                  rs.getObject(8, OffsetDateTime.class).toInstant()));
        }
      }
    } catch (SQLException e) {
      throw new DecisionLogException("reading log_checkpoint", e);
    }
    return out;
  }
}
