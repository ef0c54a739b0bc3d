package io.provability.fabric.sinks.decisionlog;

import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.serde.EventCodec;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Read side of the warm tier, for audits, tests and the demo summary: counts and decisions (the
 * evidence logs' rows are read through {@link EvidenceLogIndex}). Every method runs its own short
 * read-only query.
 */
public final class DecisionLogReader {

  /**
   * The columns {@link #decisionRow} reads, in its order, from {@code decision_log d JOIN pg_class
   * c ON c.oid = d.tableoid} (the join names each row's partition).
   */
  public static final String DECISION_COLUMNS =
      "d.decided_on, d.decision_id, d.request_id, d.session_id, "
          + "d.tenant, d.subject_id, d.kind, d.verdict, d.reason_codes, d.reasons::text, d.matched_capabilities, "
          + "d.token_id, d.policy_version, d.decided_at, d.eval_micros, d.request_hash, d.event, d.logged_at, "
          + "c.relname";

  private final DataSource dataSource;
  private final EventCodec codec;

  DecisionLogReader(DataSource dataSource, EventCodec codec) {
    this.dataSource = dataSource;
    this.codec = codec;
  }

  /**
   * A decision as the log holds it.
   *
   * @param decidedOn partition day (UTC date of decidedAt)
   * @param decisionId decision id
   * @param requestId request the decision answers
   * @param sessionId session of the request
   * @param tenant tenant
   * @param subjectId subject (agent) id
   * @param kind request kind (PLAN, RETRIEVAL, EGRESS)
   * @param verdict ALLOW, DENY, REDACT or BLOCK
   * @param reasonCodes reason codes in the decision's order
   * @param reasonsJson the reasons as a JSON array of {code, step, detail} (plus capability,
   *     resource, label, receipt_id when set)
   * @param matchedCapabilities capabilities that matched
   * @param tokenId capability token id, if any
   * @param policyVersion policy version the decision was made under
   * @param decidedAt decision time
   * @param evalMicros evaluation time in microseconds
   * @param requestHash SHA-256 of the canonical request
   * @param event the Decision's Avro single-object bytes as received
   * @param loggedAt when the row was written
   * @param partition the partition table holding the row
   */
  public record LoggedDecision(
      LocalDate decidedOn,
      String decisionId,
      String requestId,
      String sessionId,
      String tenant,
      String subjectId,
      String kind,
      String verdict,
      List<String> reasonCodes,
      String reasonsJson,
      List<String> matchedCapabilities,
      String tokenId,
      long policyVersion,
      Instant decidedAt,
      long evalMicros,
      byte[] requestHash,
      byte[] event,
      Instant loggedAt,
      String partition) {}

  /** Decodes the stored event bytes back into the Decision that was logged. */
  public Decision decode(LoggedDecision row) {
    return codec.decode(row.event(), Decision.class);
  }

  /**
   * @return rows in the whole log (all partitions)
   */
  public long totalRows() {
    return queryLong("SELECT count(*) FROM decision_log");
  }

  /**
   * @return every partition of the log with its row count (zero for empty ones), by name, oldest
   *     first
   */
  public SortedMap<String, Long> rowsPerPartition() {
    SortedMap<String, Long> counts = new TreeMap<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement parts =
            c.prepareStatement(
                "SELECT child.relname FROM pg_inherits i JOIN pg_class child ON child.oid = i.inhrelid "
                    + "WHERE i.inhparent = to_regclass('decision_log')");
        ResultSet rs = parts.executeQuery()) {
      while (rs.next()) {
        counts.put(rs.getString(1), 0L);
      }
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT c.relname, count(*) FROM decision_log d "
                      + "JOIN pg_class c ON c.oid = d.tableoid GROUP BY c.relname");
          ResultSet rows = ps.executeQuery()) {
        while (rows.next()) {
          counts.put(rows.getString(1), rows.getLong(2));
        }
      }
    } catch (SQLException e) {
      throw new DecisionLogException("counting decision_log rows per partition failed", e);
    }
    return counts;
  }

  /**
   * @return the decision with this id, if logged
   */
  public Optional<LoggedDecision> findDecision(String decisionId) {
    List<LoggedDecision> rows = decisions("d.decision_id = ?", decisionId);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  /**
   * @return the decisions answering this request (normally one), oldest first
   */
  public List<LoggedDecision> findByRequestId(String requestId) {
    return decisions("d.request_id = ?", requestId);
  }

  /**
   * @return the decisions of a session, oldest first
   */
  public List<LoggedDecision> findBySessionId(String sessionId) {
    return decisions("d.session_id = ?", sessionId);
  }

  /**
   * @return verdict name → row count over the whole log
   */
  public Map<String, Long> countsByVerdict() {
    Map<String, Long> counts = new TreeMap<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT verdict, count(*) FROM decision_log GROUP BY verdict");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        counts.put(rs.getString(1), rs.getLong(2));
      }
    } catch (SQLException e) {
      throw new DecisionLogException("counting decisions by verdict failed", e);
    }
    return counts;
  }

  private List<LoggedDecision> decisions(String where, String value) {
    List<LoggedDecision> out = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT "
                    + DECISION_COLUMNS
                    + " FROM decision_log d "
                    + "JOIN pg_class c ON c.oid = d.tableoid WHERE "
                    + where
                    + " ORDER BY d.decided_at")) {
      ps.setString(1, value);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(decisionRow(rs));
        }
      }
    } catch (SQLException e) {
      throw new DecisionLogException("reading decisions where " + where + " failed", e);
    }
    return out;
  }

  /**
   * @return number of decision_evidence rows (decisions whose entry a published checkpoint
   *     includes)
   */
  public long decisionEvidenceCount() {
    return queryLong("SELECT count(*) FROM decision_evidence");
  }

  private long queryLong(String sql) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new DecisionLogException("query failed: " + sql, e);
    }
  }

  /** The decision row at the cursor of a query selecting {@link #DECISION_COLUMNS}. */
  public static LoggedDecision decisionRow(ResultSet rs) throws SQLException {
    return new LoggedDecision(
        rs.getObject(1, LocalDate.class),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        rs.getString(8),
        strings(rs.getArray(9)),
        rs.getString(10),
        strings(rs.getArray(11)),
        rs.getString(12),
        rs.getLong(13),
        instant(rs, 14),
        rs.getLong(15),
        rs.getBytes(16),
        rs.getBytes(17),
        instant(rs, 18),
        rs.getString(19));
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  private static List<String> strings(Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    try {
      return List.of((String[]) array.getArray());
    } finally {
      array.free();
    }
  }
}
