package io.provability.fabric.topology.runtime;

import io.provability.fabric.connectors.runtime.ConnectorConflictException;
import io.provability.fabric.connectors.runtime.EmbeddedConnect;
import io.provability.fabric.connectors.runtime.SinkCredentials;
import io.provability.fabric.connectors.runtime.SinkPipelineSettings;
import io.provability.fabric.connectors.runtime.SinkTaskSupervisor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's share of the sinks: its Connect worker, started only once PostgreSQL and S3
 * accept the instance's own credentials. A worker that joined with credentials the servers reject
 * would take a share of the group's tasks and write nothing with them; so an instance whose
 * credentials are rejected keeps its worker out of the group, says why in its health, and checks
 * again with backoff (a secret file or variable fixed in place is picked up without a restart).
 * Servers that cannot be reached do not hold the worker back: the tasks wait for them, and their
 * supervisor restarts them.
 */
public final class SinkPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SinkPipeline.class);
  private static final Duration FIRST_RECHECK = Duration.ofSeconds(5);
  private static final Duration MAX_RECHECK = Duration.ofSeconds(60);

  /** Where this instance's sinks are. */
  public enum Phase {
    /** Not started yet (or stopped). */
    NOT_STARTED,
    /** PostgreSQL or S3 rejected this instance's credentials: its worker stays out of the group. */
    CREDENTIALS_REJECTED,
    /** The worker is in the group; see {@link #tasks()} for the tasks. */
    RUNNING
  }

  /** What health shows about the sinks. */
  public record Status(
      Phase phase, String detail, String workerId, List<SinkTaskSupervisor.TaskStatus> tasks) {
    /**
     * True if nothing of this instance's sinks is broken: the worker runs and none of its own tasks
     * FAILED.
     */
    public boolean healthy() {
      return phase == Phase.RUNNING
          && tasks.stream().noneMatch(t -> t.here() && "FAILED".equals(t.state()));
    }
  }

  private final SinkPipelineSettings settings;
  private final Consumer<EmbeddedConnect> onStarted;
  private final Map<String, String> decisionLogOverrides;
  private final ScheduledExecutorService retries;
  private volatile EmbeddedConnect connect;
  private volatile Phase phase = Phase.NOT_STARTED;
  private volatile String detail = "";
  private volatile boolean closed;
  private Duration recheck = FIRST_RECHECK;
  private Instant rejectedSince;

  /**
   * @param decisionLogOverrides extra settings of the decision-log connector (the registry's schema
   *     ids)
   * @param onStarted called once the worker runs (binds its metrics)
   */
  SinkPipeline(
      SinkPipelineSettings settings,
      Map<String, String> decisionLogOverrides,
      Consumer<EmbeddedConnect> onStarted) {
    this.settings = settings;
    this.decisionLogOverrides = decisionLogOverrides;
    this.onStarted = onStarted;
    this.retries =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fabric-sink-credentials");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Checks the credentials and starts the worker, or schedules the next check if they are rejected.
   *
   * @throws ConnectorConflictException when a connector exists with another configuration (the
   *     instance must not start: one clear line says which keys differ)
   */
  void start() {
    if (!tryStart()) {
      retries.schedule(this::retry, recheck.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void retry() {
    if (closed) {
      return;
    }
    try {
      if (tryStart()) {
        return;
      }
    } catch (RuntimeException e) {
      LOG.error("the sinks cannot start: {}", e.getMessage());
      detail = e.getMessage();
    }
    recheck =
        recheck.multipliedBy(2).compareTo(MAX_RECHECK) > 0 ? MAX_RECHECK : recheck.multipliedBy(2);
    retries.schedule(this::retry, recheck.toMillis(), TimeUnit.MILLISECONDS);
  }

  private synchronized boolean tryStart() {
    if (closed || connect != null) {
      return true;
    }
    List<SinkCredentials.Check> checks =
        List.of(SinkCredentials.postgres(settings), SinkCredentials.s3(settings));
    List<SinkCredentials.Check> rejected =
        checks.stream().filter(c -> c.outcome() == SinkCredentials.Outcome.REJECTED).toList();
    if (!rejected.isEmpty()) {
      String why = "credentials rejected: " + rejected.stream().map(Object::toString).toList();
      if (phase != Phase.CREDENTIALS_REJECTED) {
        rejectedSince = Instant.now();
        LOG.error(
            "this instance's sinks stay out of the Connect group {}: {}. The other instances keep the sink "
                + "tasks; fix this instance's secrets (checked again every {}-{} s, no restart needed)",
            settings.connectGroupId(),
            why,
            FIRST_RECHECK.toSeconds(),
            MAX_RECHECK.toSeconds());
      }
      phase = Phase.CREDENTIALS_REJECTED;
      detail = why;
      return false;
    }
    checks.stream()
        .filter(c -> c.outcome() == SinkCredentials.Outcome.UNREACHABLE)
        .forEach(
            c ->
                LOG.warn(
                    "{}: the sink tasks wait for it and are restarted by their supervisor", c));
    if (rejectedSince != null) {
      LOG.info(
          "this instance's credentials are accepted now, after {} s: its worker joins the Connect group",
          Duration.between(rejectedSince, Instant.now()).toSeconds());
    }
    EmbeddedConnect started =
        EmbeddedConnect.start(
            settings, EmbeddedConnect.DEFAULT_START_TIMEOUT, decisionLogOverrides, false);
    connect = started;
    phase = Phase.RUNNING;
    detail = "";
    onStarted.accept(started);
    return true;
  }

  /** The worker, once it runs (null before). */
  public EmbeddedConnect connect() {
    return connect;
  }

  /** The sinks as health reports them. */
  public Status status() {
    EmbeddedConnect c = connect;
    return new Status(
        phase,
        detail,
        c == null ? "" : c.workerId(),
        c == null ? List.of() : c.supervisor().tasks());
  }

  @Override
  public synchronized void close() {
    closed = true;
    retries.shutdownNow();
    if (connect != null) {
      connect.close();
    }
    phase = Phase.NOT_STARTED;
  }
}
