package io.provability.fabric.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A KRaft Kafka broker, PostgreSQL, Redis and an S3 server in this JVM, on loopback: what the demo
 * and the tests run against when no external servers are configured.
 *
 * <p>All four are real servers reached over TCP on 127.0.0.1, each on a free port picked at start
 * (never a fixed one). The broker and S3Proxy run inside this JVM; PostgreSQL (zonky's binaries)
 * and Redis (embedded-redis's binary) run as child processes. Every start begins with empty data.
 *
 * <p>Hazards:
 *
 * <ul>
 *   <li>A stack from {@link #start(Path)} must be closed by its owner: PostgreSQL runs detached,
 *       and outlives a JVM that exits without closing it (on Ctrl-C too, unless the owner closes it
 *       from its own shutdown hook). It registers no hook itself, because that hook would race with
 *       the owner's: a broker stopped under a closing Kafka Streams makes the close wait out its
 *       timeouts.
 *   <li>The broker replaces Kafka's JVM-wide exit and halt procedures, so that a fatal broker error
 *       throws instead of ending the process.
 *   <li>It costs 6–15 s of start-up and about 750 MB of memory: a test JVM should start it once
 *       ({@link #shared()}), not per test.
 * </ul>
 */
public final class EmbeddedStack implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);

  /** Bound on a whole start; a cold one here (zonky unpacking PostgreSQL) takes about 15 s. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  /** Bound on a stop; a clean one takes under 2 s. */
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  /** Guarded by EmbeddedStack.class. */
  private static EmbeddedStack shared;

  private final List<EmbeddedService> services;
  private final ServerAddresses endpoints;
  private final WorkDir workDir;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Set for the shared instance only. */
  private volatile Thread shutdownHook;

  private EmbeddedStack(
      List<EmbeddedService> services, ServerAddresses endpoints, WorkDir workDir) {
    this.services = List.copyOf(services);
    this.endpoints = endpoints;
    this.workDir = workDir;
  }

  /**
   * Starts the four servers, in parallel, keeping their data under {@code workDir}, and returns
   * when each one answers: the broker has described the cluster to an admin client, PostgreSQL has
   * a database {@code fabric} and checks the password, Redis and S3Proxy accept connections.
   *
   * @param workDir an empty or new directory, or one an earlier stack used (its data is deleted)
   * @return the running stack, owned by the caller, who must close it (see the class comment)
   * @throws IllegalStateException naming the service that did not start, with the cause; the
   *     services that did start are stopped again
   * @throws IllegalArgumentException if {@code workDir} holds files that no stack put there
   */
  public static EmbeddedStack start(Path workDir) {
    Objects.requireNonNull(workDir, "workDir");
    try {
      return start(WorkDir.claim(workDir, false));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use work dir " + workDir, e);
    }
  }

  /**
   * The JVM-wide instance: started on first call, in a fresh temporary directory that is deleted
   * when it stops, and stopped by a shutdown hook at exit. Callers must not close it; if one does,
   * the next call starts a new one.
   *
   * <p>The broker's threads are not daemons, so the JVM reaches that hook only through {@code
   * System.exit} (as Surefire's and Failsafe's forked JVMs end) or a signal: a program whose {@code
   * main} just returns keeps running. Such a program should use {@link #start(Path)} and close.
   */
  public static synchronized EmbeddedStack shared() {
    if (shared == null || shared.closed.get()) {
      EmbeddedStack stack;
      try {
        stack = start(WorkDir.claim(Files.createTempDirectory("fabric-stack-"), true));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a temporary work dir", e);
      }
      Thread hook = new Thread(stack::closeAtExit, "embedded-stack-shutdown");
      stack.shutdownHook = hook;
      Runtime.getRuntime().addShutdownHook(hook);
      shared = stack;
    }
    return shared;
  }

  /**
   * Stops PostgreSQL (fast shutdown; committed data stays) for fault injection: connections fail
   * and new ones are refused until {@link #restartPostgres()}. Does nothing if it is already
   * stopped.
   */
  public void stopPostgres() {
    service(PostgresService.class).stop();
  }

  /**
   * Starts PostgreSQL again on the same port, data and password, so that pooled clients reconnect
   * without being told; returns once it accepts connections. Does nothing if it runs.
   */
  public void restartPostgres() {
    service(PostgresService.class).restart();
  }

  /**
   * Stops the S3 server for fault injection: its port closes until {@link #restartS3()}; the stored
   * objects stay. Does nothing if it is already stopped.
   */
  public void stopS3() {
    service(S3Service.class).stop();
  }

  /**
   * Serves the same objects again on the same port with the same keys; returns once it accepts
   * requests.
   */
  public void restartS3() {
    service(S3Service.class).restart();
  }

  private <T extends EmbeddedService> T service(Class<T> type) {
    if (closed.get()) {
      throw new IllegalStateException("the embedded stack is closed");
    }
    return services.stream()
        .filter(type::isInstance)
        .map(type::cast)
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException("no " + type.getSimpleName() + " in this stack"));
  }

  /** Where the four servers listen, with the credentials this start generated. */
  public ServerAddresses endpoints() {
    return endpoints;
  }

  /**
   * Stops all four, in parallel, and waits until they have (about 1–2 s); deletes the work
   * directory if {@link #shared()} made it. Idempotent.
   *
   * @throws IllegalStateException naming each server that did not stop cleanly, once all were tried
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Thread hook = shutdownHook;
    if (hook != null && hook != Thread.currentThread()) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already exiting: no hook can be removed, and this call does the stopping
      }
    }
    long begin = System.nanoTime();
    IllegalStateException failure = stopAll(services);
    try {
      workDir.release();
    } catch (IOException e) {
      failure =
          chain(failure, new IllegalStateException("cannot release work dir " + workDir.root(), e));
    }
    LOG.info("Embedded stack stopped in {} ms", millisSince(begin));
    if (failure != null) {
      throw failure;
    }
  }

  private void closeAtExit() {
    try {
      close();
    } catch (RuntimeException e) {
      // nobody is left to catch it: the JVM is exiting
      LOG.warn("Embedded stack did not stop cleanly at exit", e);
    }
  }

  private static EmbeddedStack start(WorkDir dir) {
    long begin = System.nanoTime();
    Path kafkaDir;
    Path postgresDir;
    Path redisBinary;
    Path s3Dir;
    try {
      kafkaDir = dir.serviceDir("kafka");
      postgresDir = dir.serviceDir("postgres");
      redisBinary = RedisService.unpackBinary(dir.serviceDir("redis"));
      s3Dir = dir.serviceDir("s3");
    } catch (IOException e) {
      releaseAfterFailure(dir, e);
      throw new UncheckedIOException("cannot prepare work dir " + dir.root(), e);
    }

    Launch launch = new Launch();
    try {
      Future<EmbeddedService> kafka =
          launch.submit(KafkaService.NAME, () -> KafkaService.start(kafkaDir, START_TIMEOUT));
      Future<EmbeddedService> postgres =
          launch.submit(
              PostgresService.NAME, () -> PostgresService.start(postgresDir, START_TIMEOUT));
      Future<EmbeddedService> redis =
          launch.submit(RedisService.NAME, () -> RedisService.start(redisBinary));
      Future<EmbeddedService> s3 =
          launch.submit(S3Service.NAME, () -> S3Service.start(s3Dir, START_TIMEOUT));
      launch.awaitAll(begin + START_TIMEOUT.toNanos());

      KafkaService k = (KafkaService) kafka.get();
      PostgresService p = (PostgresService) postgres.get();
      RedisService r = (RedisService) redis.get();
      S3Service s = (S3Service) s3.get();
      ServerAddresses endpoints =
          new ServerAddresses(
              k.bootstrapServers(),
              p.jdbcUrl(),
              PostgresService.USER,
              p.password(),
              r.uri(),
              s.endpoint(),
              S3Service.REGION,
              s.accessKey(),
              s.secretKey());
      EmbeddedStack stack = new EmbeddedStack(List.of(k, p, r, s), endpoints, dir);
      LOG.info(
          "Embedded stack up in {} ms ({}); memory: JVM {} RSS, {} {} PSS, {} {} PSS; {}",
          millisSince(begin),
          launch.timings(),
          ProcessMemory.mib(ProcessMemory.jvmRssKib()),
          p.name(),
          ProcessMemory.mib(ProcessMemory.pssKib(p.processes())),
          r.name(),
          ProcessMemory.mib(ProcessMemory.pssKib(r.processes())),
          endpoints);
      return stack;
    } catch (StartFailure | InterruptedException | ExecutionException | RuntimeException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      IllegalStateException failure =
          e instanceof StartFailure startFailure
              ? startFailure.toException()
              : new IllegalStateException("embedded stack did not start", e);
      // a start that is merely slower than the failed one is let finish (and then stops its
      // service):
      // interrupting it could leave a half-started PostgreSQL behind; one past the deadline is
      // hung,
      // and a caller who interrupts us wants no more waiting
      boolean interrupt =
          e instanceof InterruptedException || (e instanceof StartFailure f && f.timedOut);
      IllegalStateException stopFailure = launch.abandon(interrupt);
      if (stopFailure != null) {
        failure.addSuppressed(stopFailure);
      }
      releaseAfterFailure(dir, failure);
      throw failure;
    } finally {
      launch.pool.shutdown();
    }
  }

  private static void releaseAfterFailure(WorkDir dir, Throwable failure) {
    try {
      dir.release();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  /** Stops every service in its own thread, so that the slowest (the broker) sets the pace. */
  private static IllegalStateException stopAll(List<EmbeddedService> services) {
    List<IllegalStateException> failures = new ArrayList<>();
    Map<EmbeddedService, Thread> stoppers = new LinkedHashMap<>();
    for (EmbeddedService service : services) {
      Thread stopper =
          new Thread(
              () -> {
                long begin = System.nanoTime();
                try {
                  service.close();
                  LOG.debug("{} stopped in {} ms", service.name(), millisSince(begin));
                } catch (RuntimeException | Error e) {
                  synchronized (failures) {
                    failures.add(
                        new IllegalStateException(service.name() + " did not stop cleanly", e));
                  }
                }
              },
              "embedded-stack-stop-" + service.name());
      stopper.setDaemon(true);
      stopper.start();
      stoppers.put(service, stopper);
    }
    long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
    boolean interrupted = false;
    for (Map.Entry<EmbeddedService, Thread> entry : stoppers.entrySet()) {
      try {
        long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        entry.getValue().join(remainingMs);
      } catch (InterruptedException e) {
        interrupted = true;
      }
      if (entry.getValue().isAlive()) {
        synchronized (failures) {
          failures.add(
              new IllegalStateException(
                  entry.getKey().name()
                      + " did not stop within "
                      + STOP_TIMEOUT.toSeconds()
                      + " s"));
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    synchronized (failures) {
      IllegalStateException result = null;
      for (IllegalStateException failure : failures) {
        result = chain(result, failure);
      }
      return result;
    }
  }

  private static IllegalStateException chain(
      IllegalStateException first, IllegalStateException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  private static long millisSince(long beginNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - beginNanos);
  }

  /**
   * The four starts in flight. A start that completes after the launch was abandoned (another one
   * failed or the deadline passed) stops its own service, so none is left running unowned.
   */
  private static final class Launch {

    private final AtomicInteger threadCount = new AtomicInteger();
    final ExecutorService pool =
        Executors.newFixedThreadPool(
            4,
            runnable -> {
              Thread thread =
                  new Thread(runnable, "embedded-stack-start-" + threadCount.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    private final CompletionService<EmbeddedService> completion =
        new ExecutorCompletionService<>(pool);
    private final Map<Future<EmbeddedService>, String> names = new LinkedHashMap<>();
    private final Map<String, Long> millis = new ConcurrentHashMap<>();
    private final List<EmbeddedService> started = new ArrayList<>(); // guarded by this
    private boolean abandoned; // guarded by this

    Future<EmbeddedService> submit(String name, Callable<? extends EmbeddedService> start) {
      Future<EmbeddedService> future =
          completion.submit(
              () -> {
                long begin = System.nanoTime();
                EmbeddedService service = start.call();
                millis.put(name, millisSince(begin));
                if (!register(service)) {
                  service.close();
                  throw new IllegalStateException(
                      name + " started after the stack had given up on it; stopped it");
                }
                LOG.info("{} started in {} ms", name, millis.get(name));
                return service;
              });
      names.put(future, name);
      return future;
    }

    /** Returns when all four have started; throws on the first failure or at the deadline. */
    void awaitAll(long deadlineNanos) throws StartFailure, InterruptedException {
      for (int done = 0; done < names.size(); done++) {
        Future<EmbeddedService> next =
            completion.poll(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (next == null) {
          throw new StartFailure(
              pending(), "did not start within " + START_TIMEOUT.toSeconds() + " s", null, true);
        }
        try {
          next.get();
        } catch (ExecutionException e) {
          throw new StartFailure(names.get(next), "did not start", e.getCause(), false);
        }
      }
    }

    String timings() {
      return names.values().stream()
          .map(name -> name + " " + millis.get(name) + " ms")
          .collect(Collectors.joining(", "));
    }

    private synchronized boolean register(EmbeddedService service) {
      if (abandoned) {
        return false;
      }
      started.add(service);
      return true;
    }

    /**
     * Gives up: stops the services already started, and waits for the starts still running, each of
     * which then stops its own service; so that, when start() throws, nothing of it runs any more.
     *
     * @param interrupt whether to interrupt the starts still running rather than let them finish
     */
    IllegalStateException abandon(boolean interrupt) {
      List<EmbeddedService> toStop;
      synchronized (this) {
        abandoned = true;
        toStop = List.copyOf(started);
      }
      if (interrupt) {
        pool.shutdownNow();
      } else {
        pool.shutdown();
      }
      IllegalStateException failure = stopAll(toStop);
      try {
        if (!pool.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          failure =
              chain(
                  failure,
                  new IllegalStateException(
                      "still starting "
                          + STOP_TIMEOUT.toSeconds()
                          + " s after the stack gave up: "
                          + pending()));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return failure;
    }

    private String pending() {
      return names.entrySet().stream()
          .filter(entry -> !entry.getKey().isDone())
          .map(Map.Entry::getValue)
          .collect(Collectors.joining(", "));
    }
  }

  /** A service that did not start: its name, what happened, and why. */
  private static final class StartFailure extends Exception {
    private static final long serialVersionUID = 1L;

    final boolean timedOut;

    StartFailure(String service, String what, Throwable cause, boolean timedOut) {
      super("embedded stack: " + service + " " + what + (cause == null ? "" : ": " + cause), cause);
      this.timedOut = timedOut;
    }

    IllegalStateException toException() {
      return new IllegalStateException(getMessage(), getCause());
    }
  }
}
