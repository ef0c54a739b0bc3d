package io.provability.fabric.sinks.decisionlog;

import io.provability.fabric.events.Decision;
import io.provability.fabric.sinks.decisionlog.internal.DecisionRows;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The baseline for benchmarks: plain {@code COPY decision_log FROM STDIN} of the same rows the
 * writer produces, with no staging table, no conflict check and no partition handling (the
 * partitions must exist). What PostgreSQL can take at most on this machine; not a way to write the
 * log.
 */
public final class RawCopy {

  private RawCopy() {}

  /**
   * Copies the decisions in pieces of {@code rowsPerCopy}, each piece one COPY and one transaction.
   *
   * @param c an open connection (auto-commit is switched off and restored)
   * @param decisions decisions with their encoded bytes
   * @param rowsPerCopy rows per COPY statement
   * @return rows copied
   * @throws SQLException when PostgreSQL refuses a piece
   */
  public static long copy(
      Connection c, List<DecisionLogWriter.EncodedDecision> decisions, int rowsPerCopy)
      throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    long rows = 0;
    try {
      for (int from = 0; from < decisions.size(); from += rowsPerCopy) {
        StringBuilder csv = new StringBuilder(rowsPerCopy * 768);
        for (DecisionLogWriter.EncodedDecision e :
            decisions.subList(from, Math.min(decisions.size(), from + rowsPerCopy))) {
          Decision d = e.decision();
          DecisionRows.appendCsv(csv, DecisionLogWriter.dayOf(d), d, e.event());
        }
        rows +=
            copy.copyIn(
                "COPY decision_log ("
                    + String.join(", ", DecisionLogWriter.COLUMNS)
                    + ") FROM STDIN WITH (FORMAT csv)",
                new StringReader(csv.toString()));
        c.commit();
      }
    } catch (IOException e) {
      c.rollback();
      throw new SQLException("COPY failed", e);
    } finally {
      c.setAutoCommit(autoCommit);
    }
    return rows;
  }
}
