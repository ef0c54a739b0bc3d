package io.provability.fabric.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 15 from the zonky binaries, as a child of this JVM, on 127.0.0.1 only, with a database
 * {@value #DATABASE} and a password that is checked.
 *
 * <p>zonky initialises the cluster with {@code trust} authentication; this class then sets a
 * generated password and switches TCP connections to {@code scram-sha-256}, so that the
 * application's credentials are exercised as they are against an external server.
 *
 * <p>{@link EmbeddedStack} runs one as part of the stack; a test that needs PostgreSQL alone starts
 * one with {@link #start(Path, Duration)} and closes it itself. Either way the caller's class path
 * must hold the PostgreSQL JDBC driver (this module needs it at run time but does not bring it).
 */
public final class PostgresService implements EmbeddedService {

  static final String NAME = "PostgreSQL";

  /** The database created at start, which {@link #jdbcUrl()} names. */
  public static final String DATABASE = "fabric";

  /** The superuser, the only role; it logs in with {@link #password()}. */
  public static final String USER = "postgres";

  private static final Logger LOG = LoggerFactory.getLogger(PostgresService.class);

  /** SQLSTATE invalid_password: the server checked a password and refused it. */
  private static final String INVALID_PASSWORD = "28P01";

  /**
   * Bound on one pg_ctl stop or start; a fast shutdown or a restart of this small cluster takes
   * under 2 s.
   */
  private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(60);

  private final EmbeddedPostgres postgres;
  private final Path dataDir;
  private final String password;

  /**
   * zonky's pg_ctl, beside the postmaster binary it started; resolved once, while the server runs.
   */
  private final Path pgCtl;

  /** Guarded by this. */
  private boolean running = true;

  private PostgresService(EmbeddedPostgres postgres, Path dataDir, String password, Path pgCtl) {
    this.postgres = postgres;
    this.dataDir = dataDir;
    this.password = password;
    this.pgCtl = pgCtl;
  }

  /**
   * Initialises a cluster under {@code dir}, starts it on a free port of 127.0.0.1, creates the
   * database {@value #DATABASE} and returns once the password is enforced.
   *
   * <p>The server is a child process that runs detached, and no shutdown hook stops it: the caller
   * must {@link #close()} it (which also deletes its data directory), or it outlives the JVM.
   *
   * @param dir an existing directory for the cluster's data, e.g. a test's temporary directory
   * @param timeout bound on the start, and on the wait for the password to be enforced
   * @return the running server, owned by the caller
   * @throws IOException if the binaries cannot be unpacked or the server does not start
   * @throws SQLException if the database or the password cannot be set up
   */
  public static PostgresService start(Path dir, Duration timeout) throws IOException, SQLException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int attempt = 1; ; attempt++) {
      int port = Loopback.freePort();
      Path dataDir = dir.resolve("data-" + attempt);
      EmbeddedPostgres postgres;
      try {
        postgres =
            EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(true)
                .setPGStartupWait(timeout)
                // stopped by EmbeddedStack.close(), in the owner's order: a hook of zonky's own
                // would
                // stop it at exit while the application may still be flushing to it
                .setRegisterShutdownHook(false)
                .setServerConfig("listen_addresses", Loopback.HOST)
                // a disposable database: surviving an operating-system crash buys nothing here
                .setServerConfig("fsync", "off")
                .setServerConfig("full_page_writes", "off")
                .start();
      } catch (IOException | RuntimeException e) {
        if (attempt < Loopback.BIND_ATTEMPTS && Loopback.lostPortRace(e, port)) {
          LOG.info("{}: port {} was taken meanwhile; trying another", NAME, port);
          continue;
        }
        throw e;
      }
      try {
        String password = RandomTokens.alphanumeric(24);
        createDatabaseAndRequirePassword(port, dataDir, password);
        awaitPasswordEnforced(port, deadline);
        return new PostgresService(postgres, dataDir, password, pgCtlBeside(dataDir));
      } catch (IOException | SQLException | RuntimeException e) {
        try {
          postgres.close();
        } catch (IOException closeFailure) {
          e.addSuppressed(closeFailure);
        }
        throw e;
      }
    }
  }

  /**
   * @return the JDBC URL of the database {@value #DATABASE}, e.g. {@code
   *     jdbc:postgresql://127.0.0.1:40124/fabric}
   */
  public String jdbcUrl() {
    return jdbcUrl(DATABASE);
  }

  /**
   * @param database the name of a database on this server (e.g. one a test created for itself)
   * @return its JDBC URL
   */
  public String jdbcUrl(String database) {
    return url(postgres.getPort(), database);
  }

  /**
   * @return the password of {@link #USER}, generated at start (letters and digits)
   */
  public String password() {
    return password;
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * The postmaster and its backends: pg_ctl starts it detached, so it is no descendant of this JVM.
   */
  @Override
  public Stream<ProcessHandle> processes() {
    return postmasterPid()
        .flatMap(ProcessHandle::of)
        .map(postmaster -> Stream.concat(Stream.of(postmaster), postmaster.descendants()))
        .orElseGet(Stream::empty);
  }

  /**
   * Stops the server (a fast shutdown: open sessions are ended, committed data stays) and returns
   * once the postmaster has exited. Clients see their connections fail and new ones refused until
   * {@link #restart()}. Does nothing if already stopped.
   */
  synchronized void stop() {
    if (!running) {
      return;
    }
    pgCtl("stop", "-m", "fast");
    running = false;
    LOG.info("{}: stopped on request (data kept in {})", NAME, dataDir);
  }

  /**
   * Starts the server again on the same port and data directory, with the same settings and
   * password, and returns once it accepts connections, so that pooled clients reconnect to it
   * unchanged. Does nothing if it runs.
   */
  synchronized void restart() {
    if (running) {
      return;
    }
    // postmaster.opts holds the command line of the last start (port, listen address, settings);
    // PostgreSQL leaves it in the data directory after a shutdown
    String options = postmasterOptions();
    pgCtl(
        "start",
        "-l",
        dataDir.resolveSibling(dataDir.getFileName() + "-restart.log").toString(),
        "-o",
        options);
    running = true;
    LOG.info("{}: started again on port {}", NAME, postgres.getPort());
  }

  /**
   * @return whether the server is up (not stopped by {@link #stop()})
   */
  synchronized boolean running() {
    return running;
  }

  /**
   * Stops the server (a fast shutdown) and deletes its data directory; returns once it has stopped.
   */
  @Override
  public synchronized void close() {
    if (!running) {
      // zonky's close runs pg_ctl stop, which fails on a stopped server; bring it back so that
      // zonky's own cleanup (lock file, data directory) runs as usual
      restart();
    }
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(NAME + " did not stop", e);
    }
  }

  private void pgCtl(String action, String... options) {
    List<String> command = new ArrayList<>();
    if (LinuxUtils.isUnshareAvailable()) {
      // as zonky does for its own pg_ctl calls: in a user namespace root is an ordinary user, and
      // PostgreSQL refuses to run as root
      command.addAll(List.of("unshare", "-U"));
    }
    command.addAll(
        List.of(
            pgCtl.toString(),
            "-D",
            dataDir.toString(),
            "-w",
            "-t",
            Long.toString(PG_CTL_TIMEOUT.toSeconds())));
    command.addAll(List.of(options));
    command.add(action);
    Path output = dataDir.resolveSibling(dataDir.getFileName() + "-pg_ctl.out");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
              .start();
      if (!process.waitFor(PG_CTL_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            NAME + ": pg_ctl " + action + " did not finish; see " + output);
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            NAME
                + ": pg_ctl "
                + action
                + " exited with "
                + process.exitValue()
                + "; see "
                + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(NAME + ": cannot run " + pgCtl, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(NAME + ": interrupted during pg_ctl " + action, e);
    }
  }

  /**
   * The arguments of the last start, as PostgreSQL wrote them (each one double-quoted), without the
   * binary.
   */
  private String postmasterOptions() {
    try {
      String line =
          Files.readString(dataDir.resolve("postmaster.opts"), StandardCharsets.UTF_8).strip();
      int firstQuote = line.indexOf('"');
      if (firstQuote < 0) {
        throw new IllegalStateException(NAME + ": unexpected postmaster.opts: " + line);
      }
      return line.substring(firstQuote);
    } catch (IOException e) {
      throw new UncheckedIOException(NAME + ": cannot read postmaster.opts in " + dataDir, e);
    }
  }

  /**
   * zonky unpacks initdb, postgres and pg_ctl into one bin directory; the running postmaster tells
   * where.
   */
  private static Path pgCtlBeside(Path dataDir) throws IOException {
    String opts =
        Files.readString(dataDir.resolve("postmaster.opts"), StandardCharsets.UTF_8).strip();
    int firstQuote = opts.indexOf('"');
    String binary = (firstQuote < 0 ? opts : opts.substring(0, firstQuote)).strip();
    Path pgCtl = Path.of(binary).resolveSibling("pg_ctl");
    if (!Files.isExecutable(pgCtl)) {
      throw new IOException(NAME + ": no pg_ctl beside " + binary);
    }
    return pgCtl;
  }

  private static String url(int port, String database) {
    return "jdbc:postgresql://" + Loopback.HOST + ":" + port + "/" + database;
  }

  private static void createDatabaseAndRequirePassword(int port, Path dataDir, String password)
      throws SQLException, IOException {
    // still trust authentication here, so no password is needed yet
    try (Connection connection = DriverManager.getConnection(url(port, "postgres"), USER, "");
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + DATABASE);
      // the password is letters and digits only, so it needs no escaping inside the literal
      statement.execute("ALTER ROLE " + USER + " PASSWORD '" + password + "'");
      Files.write(
          dataDir.resolve("pg_hba.conf"),
          List.of(
              "# written by the embedded stack: TCP on loopback only, with a password",
              "local all all trust",
              "host all all 127.0.0.1/32 scram-sha-256"),
          StandardCharsets.UTF_8);
      statement.execute("SELECT pg_reload_conf()");
    }
  }

  /**
   * pg_reload_conf() only signals the postmaster; wait until a wrong password is really refused.
   */
  private static void awaitPasswordEnforced(int port, long deadlineNanos) throws SQLException {
    String wrong = "not-" + RandomTokens.alphanumeric(8);
    while (true) {
      try {
        DriverManager.getConnection(url(port, DATABASE), USER, wrong).close();
      } catch (SQLException e) {
        if (INVALID_PASSWORD.equals(e.getSQLState())) {
          return;
        }
        throw e;
      }
      if (System.nanoTime() - deadlineNanos > 0) {
        throw new IllegalStateException(NAME + " on port " + port + " still accepts any password");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  private Optional<Long> postmasterPid() {
    try (Stream<String> lines =
        Files.lines(dataDir.resolve("postmaster.pid"), StandardCharsets.US_ASCII)) {
      return lines.findFirst().map(String::strip).map(Long::valueOf);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
