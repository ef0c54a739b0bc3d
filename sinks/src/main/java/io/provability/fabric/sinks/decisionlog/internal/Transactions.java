package io.provability.fabric.sinks.decisionlog.internal;

import java.sql.Connection;
import java.sql.SQLException;

/** Transaction handling shared by the writers. */
public final class Transactions {

  private Transactions() {}

  /**
   * Rolls back after {@code failure}. When the connection itself broke (the server went away), the
   * rollback fails too, with an exception that carries no SQLState ("Connection is closed"); it is
   * kept as suppressed so that {@code failure}, whose SQLState says the failure is transient, is
   * what the caller classifies.
   */
  public static void rollbackAfter(Connection c, Exception failure) {
    try {
      c.rollback();
    } catch (SQLException rollbackFailure) {
      failure.addSuppressed(rollbackFailure);
    }
  }
}
