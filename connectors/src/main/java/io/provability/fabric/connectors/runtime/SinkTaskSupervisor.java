package io.provability.fabric.connectors.runtime;

import io.provability.fabric.connectors.runtime.internal.LocalTaskStates;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.errors.NotFoundException;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.Callback;
import org.apache.kafka.connect.util.ConnectorTaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restarts the FAILED tasks (and connectors) that run on this worker, with exponential backoff, so
 * that a failure with a transient cause (the database was down when the task started, credentials
 * were fixed) heals without an operator. Kafka Connect itself never restarts a FAILED task: its
 * {@code errors.retry.timeout} covers converters and transformations only, and a task whose {@code
 * put} or {@code start} throws a non-retriable exception stays FAILED until someone asks.
 *
 * <p>This worker's own tasks are known from the worker's task metrics ({@code
 * connector-task-metrics}'s {@code status}), not only from the group's status topic: after the only
 * worker of a group restarted, the group's generation starts again and Connect skips writing a
 * task's new status over the one an earlier worker wrote with a higher generation, so the topic can
 * go on saying RUNNING on a worker that is gone while the task here is FAILED.
 *
 * <p>Each outage of a task is logged twice: once when it is first seen FAILED (with the first line
 * of its error), once when it has run again for {@link #STABLE} (with the outage's length and the
 * number of restarts). Only this worker's own tasks are restarted: another worker restarts its own,
 * and a task of a worker that left is reassigned by the group.
 *
 * <p>Not thread-safe: {@link #check()} is called from one scheduler thread; {@link #tasks()} and
 * the counters may be read from any thread.
 */
public final class SinkTaskSupervisor {
  /** How long a restarted task must stay RUNNING before its outage counts as over. */
  static final Duration STABLE = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(SinkTaskSupervisor.class);

  /**
   * The state of one task as the group's status topic says it.
   *
   * @param connector connector name
   * @param task task number
   * @param state Connect's state: UNASSIGNED, RUNNING, PAUSED, FAILED, RESTARTING, STOPPED
   * @param workerId the worker running it ({@code host:port} of its REST API)
   * @param here true if this worker runs it
   * @param error the first line of the failure (empty unless FAILED)
   */
  public record TaskStatus(
      String connector, int task, String state, String workerId, boolean here, String error) {}

  private static final class Outage {
    final Instant since;
    Duration delay;
    Instant nextAttempt;
    int restarts;
    Instant runningSince;

    Outage(Instant since, Duration first) {
      this.since = since;
      this.delay = first;
      this.nextAttempt = since;
    }
  }

  /** Where the supervisor reads states and sends restarts; the herder and JMX in production. */
  public interface Cluster {
    /** The group's view (status topic) of a connector; throws NotFoundException when unknown. */
    ConnectorStateInfo status(String connector);

    /**
     * This worker's own tasks of a connector: task number to Connect state (RUNNING, FAILED, ...).
     */
    Map<Integer, String> localTasks(String connector);

    /** Asks for a restart of a task ({@code task >= 0}) or of the connector ({@code task < 0}). */
    void restart(String connector, int task);
  }

  private final Cluster cluster;
  private final Set<String> connectors;
  private final String workerId;
  private final Duration firstDelay;
  private final Duration maxDelay;
  private final Clock clock;
  private final Map<String, Outage> outages = new HashMap<>();
  private final AtomicLong restarts = new AtomicLong();
  private final AtomicLong failuresSeen = new AtomicLong();
  private volatile List<TaskStatus> last = List.of();

  /**
   * @param herder this worker's herder
   * @param connectors the connectors to watch
   * @param workerId this worker's id in the status topic ({@code host:port})
   * @param firstDelay the wait before the first restart; doubled after each one
   * @param maxDelay the longest wait between two restarts
   */
  public SinkTaskSupervisor(
      Cluster cluster,
      Set<String> connectors,
      String workerId,
      Duration firstDelay,
      Duration maxDelay,
      Clock clock) {
    this.cluster = cluster;
    this.connectors = Set.copyOf(connectors);
    this.workerId = workerId;
    this.firstDelay = firstDelay;
    this.maxDelay = maxDelay;
    this.clock = clock;
  }

  /**
   * @return the last observed state of every task of the watched connectors, on any worker
   */
  public List<TaskStatus> tasks() {
    return last;
  }

  /**
   * @return restarts this supervisor asked for since it started
   */
  public long restarts() {
    return restarts.get();
  }

  /**
   * @return outages (a task or connector of this worker seen FAILED after running) since it started
   */
  public long failures() {
    return failuresSeen.get();
  }

  /** Reads the status of every watched connector, restarts what is due, logs outages' ends. */
  public void check() {
    Instant now = clock.instant();
    List<TaskStatus> seen = new ArrayList<>();
    for (String connector : connectors) {
      Map<Integer, String> local = cluster.localTasks(connector);
      ConnectorStateInfo info = null;
      try {
        info = cluster.status(connector);
      } catch (NotFoundException e) {
        // not created yet, or no status written yet: this worker's own tasks still count
      }
      Map<Integer, ConnectorStateInfo.TaskState> stored = new TreeMap<>();
      if (info != null) {
        ConnectorStateInfo.ConnectorState c = info.connector();
        supervise(connector, -1, c.state(), c.workerId(), c.trace(), now);
        info.tasks().forEach(t -> stored.put(t.id(), t));
      }
      Set<Integer> ids = new TreeSet<>(stored.keySet());
      ids.addAll(local.keySet());
      for (int id : ids) {
        ConnectorStateInfo.TaskState t = stored.get(id);
        String trace = t == null ? null : t.trace();
        if (local.containsKey(id)) {
          // this worker runs it: its own metrics are the truth, whatever the status topic says
          String state = local.get(id);
          String error =
              "FAILED".equals(state)
                  ? (t != null && "FAILED".equals(t.state())
                      ? firstLine(trace)
                      : "failed on this worker")
                  : "";
          seen.add(new TaskStatus(connector, id, state, workerId, true, error));
          supervise(connector, id, state, workerId, trace, now);
        } else if (t != null) {
          boolean here = workerId.equals(t.workerId());
          seen.add(
              new TaskStatus(
                  connector,
                  id,
                  t.state(),
                  t.workerId(),
                  here,
                  "FAILED".equals(t.state()) ? firstLine(trace) : ""));
          supervise(connector, id, t.state(), t.workerId(), trace, now);
        }
      }
    }
    last = List.copyOf(seen);
  }

  private void supervise(
      String connector, int task, String state, String owner, String trace, Instant now) {
    String key = task < 0 ? connector : connector + "-" + task;
    String what = task < 0 ? "connector " + connector : "sink task " + key;
    Outage outage = outages.get(key);
    if (!workerId.equals(owner)) {
      // reassigned to another worker (or unassigned): it is that worker's to restart
      outages.remove(key);
      return;
    }
    if ("FAILED".equals(state)) {
      if (outage == null) {
        outage = new Outage(now, firstDelay);
        outages.put(key, outage);
        failuresSeen.incrementAndGet();
        LOG.warn(
            "{} failed: {}. Restarting it with backoff ({} s, doubling up to {} s) until it runs; "
                + "a transient cause (a server down, credentials being fixed) heals by itself",
            what,
            firstLine(trace),
            firstDelay.toSeconds(),
            maxDelay.toSeconds());
      }
      outage.runningSince = null;
      if (!now.isBefore(outage.nextAttempt)) {
        restart(connector, task, what);
        outage.restarts++;
        restarts.incrementAndGet();
        outage.nextAttempt = now.plus(outage.delay);
        outage.delay = min(outage.delay.multipliedBy(2), maxDelay);
      }
    } else if (outage != null && "RUNNING".equals(state)) {
      if (outage.runningSince == null) {
        outage.runningSince = now;
      } else if (Duration.between(outage.runningSince, now).compareTo(STABLE) >= 0) {
        outages.remove(key);
        LOG.info(
            "{} is running again after {} s and {} restart(s)",
            what,
            Duration.between(outage.since, outage.runningSince).toSeconds(),
            outage.restarts);
      }
    }
  }

  private void restart(String connector, int task, String what) {
    try {
      cluster.restart(connector, task);
    } catch (RuntimeException e) {
      LOG.debug("restart of {} was not accepted: {}", what, e.toString());
    }
  }

  /**
   * The production {@link Cluster}: the herder's status and restarts, this worker's task metrics
   * from JMX.
   */
  public static Cluster of(Herder herder) {
    return new Cluster() {
      @Override
      public ConnectorStateInfo status(String connector) {
        return herder.connectorStatus(connector);
      }

      @Override
      public Map<Integer, String> localTasks(String connector) {
        return LocalTaskStates.read(connector);
      }

      @Override
      public void restart(String connector, int task) {
        Callback<Void> done =
            (error, ignored) -> {
              if (error != null) {
                LOG.debug(
                    "restart of {}-{} was not accepted: {}", connector, task, error.toString());
              }
            };
        if (task < 0) {
          herder.restartConnector(connector, done);
        } else {
          herder.restartTask(new ConnectorTaskId(connector, task), done);
        }
      }
    };
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  static String firstLine(String trace) {
    if (trace == null) {
      return "";
    }
    int nl = trace.indexOf('\n');
    return (nl < 0 ? trace : trace.substring(0, nl)).strip();
  }
}
