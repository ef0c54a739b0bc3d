package io.provability.fabric.connectors.runtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.errors.NotFoundException;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.ConnectorTaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restarts the FAILED tasks (and connectors) that run on this worker, with exponential backoff, so
 * that a failure with a transient cause (the database was down when the task started, credentials
 * were fixed) heals without an operator. Kafka Connect itself never restarts a FAILED task: its
 * {@code errors.retry.timeout} covers converters and transformations only, and a task whose
 * {@code put} or {@code start} throws a non-retriable exception stays FAILED until someone asks.
 *
 * <p>Each outage of a task is logged twice: once when it is first seen FAILED (with the first line of
 * its error), once when it has run again for {@link #STABLE} (with the outage's length and the number
 * of restarts). Only this worker's own tasks are restarted: another worker restarts its own, and a task
 * of a worker that left is reassigned by the group.
 *
 * <p>Not thread-safe: {@link #check()} is called from one scheduler thread; {@link #tasks()} and the
 * counters may be read from any thread.
 */
public final class SinkTaskSupervisor {
    /** How long a restarted task must stay RUNNING before its outage counts as over. */
    static final Duration STABLE = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(SinkTaskSupervisor.class);

    /**
     * The state of one task as the group's status topic says it.
     *
     * @param connector connector name
     * @param task      task number
     * @param state     Connect's state: UNASSIGNED, RUNNING, PAUSED, FAILED, RESTARTING, STOPPED
     * @param workerId  the worker running it ({@code host:port} of its REST API)
     * @param here      true if this worker runs it
     * @param error     the first line of the failure (empty unless FAILED)
     */
    public record TaskStatus(String connector, int task, String state, String workerId, boolean here, String error) {}

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

    private final Herder herder;
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
     * @param herder     this worker's herder
     * @param connectors the connectors to watch
     * @param workerId   this worker's id in the status topic ({@code host:port})
     * @param firstDelay the wait before the first restart; doubled after each one
     * @param maxDelay   the longest wait between two restarts
     */
    public SinkTaskSupervisor(Herder herder, Set<String> connectors, String workerId, Duration firstDelay,
            Duration maxDelay, Clock clock) {
        this.herder = herder;
        this.connectors = Set.copyOf(connectors);
        this.workerId = workerId;
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
        this.clock = clock;
    }

    /** @return the last observed state of every task of the watched connectors, on any worker */
    public List<TaskStatus> tasks() {
        return last;
    }

    /** @return restarts this supervisor asked for since it started */
    public long restarts() {
        return restarts.get();
    }

    /** @return outages (a task or connector of this worker seen FAILED after running) since it started */
    public long failures() {
        return failuresSeen.get();
    }

    /** Reads the status of every watched connector, restarts what is due, logs outages' ends. */
    public void check() {
        Instant now = clock.instant();
        List<TaskStatus> seen = new ArrayList<>();
        for (String connector : connectors) {
            ConnectorStateInfo info;
            try {
                info = herder.connectorStatus(connector);
            } catch (NotFoundException e) {
                continue; // not created yet, or being recreated
            }
            ConnectorStateInfo.ConnectorState c = info.connector();
            supervise(connector, -1, c.state(), c.workerId(), c.trace(), now);
            for (ConnectorStateInfo.TaskState t : info.tasks()) {
                seen.add(new TaskStatus(connector, t.id(), t.state(), t.workerId(), workerId.equals(t.workerId()),
                        "FAILED".equals(t.state()) ? firstLine(t.trace()) : ""));
                supervise(connector, t.id(), t.state(), t.workerId(), t.trace(), now);
            }
        }
        last = List.copyOf(seen);
    }

    private void supervise(String connector, int task, String state, String owner, String trace, Instant now) {
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
                LOG.warn("{} failed: {}. Restarting it with backoff ({} s, doubling up to {} s) until it runs; "
                        + "a transient cause (a server down, credentials being fixed) heals by itself", what,
                        firstLine(trace), firstDelay.toSeconds(), maxDelay.toSeconds());
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
                LOG.info("{} is running again after {} s and {} restart(s)", what,
                        Duration.between(outage.since, outage.runningSince).toSeconds(), outage.restarts);
            }
        }
    }

    private void restart(String connector, int task, String what) {
        org.apache.kafka.connect.util.Callback<Void> done = (error, ignored) -> {
            if (error != null) {
                LOG.debug("restart of {} was not accepted: {}", what, error.toString());
            }
        };
        if (task < 0) {
            herder.restartConnector(connector, done);
        } else {
            herder.restartTask(new ConnectorTaskId(connector, task), done);
        }
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
