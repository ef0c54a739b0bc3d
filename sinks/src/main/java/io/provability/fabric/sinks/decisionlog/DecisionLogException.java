package io.provability.fabric.sinks.decisionlog;

import java.sql.SQLException;
import java.sql.SQLTransientException;

/**
 * A decision-log operation failed. {@link #retriable()} says whether the same call may succeed
 * later (the database was unreachable, a connection was lost, a lock or serialization conflict, the
 * pool timed out) or not (the data or the schema is wrong); callers retry only the former.
 */
public final class DecisionLogException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final boolean retriable;

  /**
   * @param message what was being done
   * @param cause the JDBC failure; its SQLState decides {@link #retriable()}
   */
  public DecisionLogException(String message, SQLException cause) {
    super(message + ": " + describe(cause), cause);
    this.retriable = isTransient(cause);
  }

  /**
   * @param message what failed
   * @param cause the underlying failure
   * @param retriable whether trying again later may succeed
   */
  public DecisionLogException(String message, Throwable cause, boolean retriable) {
    super(message + (cause == null ? "" : ": " + cause.getMessage()), cause);
    this.retriable = retriable;
  }

  /**
   * @return true when retrying the same operation later may succeed
   */
  public boolean retriable() {
    return retriable;
  }

  /**
   * Classifies a JDBC failure by SQLState class: 08 connection, 40 transaction rollback
   * (serialization, deadlock), 53 insufficient resources, 57 operator intervention (shutdown),
   * 55P03 lock not available; plus the pool's own timeout, which has no SQLState.
   */
  static boolean isTransient(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if (x instanceof SQLTransientException) {
        return true;
      }
      String state = x.getSQLState();
      if (state == null) {
        // HikariCP reports "Connection is not available, request timed out" without a state
        if (x.getMessage() != null && x.getMessage().contains("Connection is not available")) {
          return true;
        }
        continue;
      }
      if (state.startsWith("08")
          || state.startsWith("40")
          || state.startsWith("53")
          || state.startsWith("57")
          || state.equals("55P03")) {
        return true;
      }
    }
    return false;
  }

  private static String describe(SQLException e) {
    String state = e.getSQLState();
    return (state == null ? "" : "[SQLState " + state + "] ") + e.getMessage();
  }
}
