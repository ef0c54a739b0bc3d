package io.provability.fabric.sinks.testing;

import io.provability.fabric.embedded.PostgresService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The development kit's PostgreSQL ({@link PostgresService}), started once per test class, with a
 * fresh database for each test ({@link #newDatabase()}) so that tests never see each other's rows.
 */
public final class PostgresFixture implements AutoCloseable {

  /** Bound on a start; a cold one (zonky unpacking its binaries) takes a few seconds. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final PostgresService postgres;

  private PostgresFixture(PostgresService postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts a server keeping its data under {@code dir} (the caller's temporary directory).
   *
   * @return the running server, which the caller closes
   */
  public static PostgresFixture start(Path dir) {
    try {
      return new PostgresFixture(PostgresService.start(dir, START_TIMEOUT));
    } catch (IOException e) {
      throw new UncheckedIOException("starting embedded PostgreSQL failed", e);
    } catch (SQLException e) {
      throw new IllegalStateException("starting embedded PostgreSQL failed", e);
    }
  }

  /**
   * @return the JDBC URL of a freshly created, empty database
   */
  public String newDatabase() {
    String name = "fabric_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), user(), password());
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("creating database " + name + " failed", e);
    }
    return postgres.jdbcUrl(name);
  }

  /**
   * @return the superuser name
   */
  public String user() {
    return PostgresService.USER;
  }

  /**
   * @return the superuser's password (the server checks it)
   */
  public String password() {
    return postgres.password();
  }

  @Override
  public void close() {
    postgres.close();
  }
}
