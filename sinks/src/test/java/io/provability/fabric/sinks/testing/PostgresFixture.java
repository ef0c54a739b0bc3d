package io.provability.fabric.sinks.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server (zonky embedded binaries) on loopback, started once per test class. Each
 * test asks for its own database with {@link #newDatabase()} so tests never see each other's rows.
 */
public final class PostgresFixture implements AutoCloseable {

  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final EmbeddedPostgres postgres;

  private PostgresFixture(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** Starts a server on a free port. */
  public static PostgresFixture start() {
    try {
      return new PostgresFixture(EmbeddedPostgres.builder().start());
    } catch (IOException e) {
      throw new UncheckedIOException("starting embedded PostgreSQL failed", e);
    }
  }

  /**
   * @return the JDBC URL of a freshly created, empty database
   */
  public String newDatabase() {
    String name = "fabric_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("creating database " + name + " failed", e);
    }
    return postgres.getJdbcUrl("postgres", name);
  }

  /**
   * @return the superuser name (the embedded server trusts loopback connections)
   */
  public String user() {
    return "postgres";
  }

  /**
   * @return the port
   */
  public int port() {
    return postgres.getPort();
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException("stopping embedded PostgreSQL failed", e);
    }
  }
}
