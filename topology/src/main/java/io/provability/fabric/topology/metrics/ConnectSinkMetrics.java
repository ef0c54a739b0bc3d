package io.provability.fabric.topology.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.provability.fabric.connectors.WriteCounter;
import io.provability.fabric.connectors.runtime.SinkTaskSupervisor;
import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * The sink connectors' batch sizes and write latencies, as Kafka Connect itself measures them: its
 * worker publishes {@code sink-task-metrics} and {@code connector-task-metrics} through JMX, and no
 * Micrometer binder exists for Connect, so this bridges those JMX attributes to gauges rather than
 * measuring again. Tasks appear after the connectors start: call {@link #refresh()} now and then.
 *
 * <p>Meters (Prometheus form), tagged {@code connector} and {@code task}: {@code
 * fabric_sink_put_batch_avg_seconds}, {@code fabric_sink_put_batch_max_seconds} (time of one {@code
 * SinkTask.put}, i.e. one write to PostgreSQL or S3), {@code fabric_sink_batch_size_avg}, {@code
 * fabric_sink_batch_size_max} (records per batch), {@code fabric_sink_records_sent_total}, {@code
 * fabric_sink_records_written_total} (what the task durably wrote: grows only on success).
 *
 * <p>From this worker's {@link SinkTaskSupervisor} ({@link #bindSupervisor}): {@code
 * fabric_sink_tasks{state}} (this worker's tasks by Connect state; {@code state="FAILED"} above 0
 * is an alert), {@code fabric_sink_task_failures_total} (outages: a task seen FAILED) and {@code
 * fabric_sink_task_restarts_total} (restarts the supervisor asked for).
 */
public final class ConnectSinkMetrics {
  /**
   * One JMX attribute as one meter; {@code scale} converts Connect's unit to the base unit (ms to
   * seconds).
   */
  private record Bridge(
      String domainType, String attribute, String meter, String description, double scale) {
    Bridge(String domainType, String attribute, String meter, String description) {
      this(domainType, attribute, meter, description, 1.0);
    }
  }

  private static final List<Bridge> BRIDGES =
      List.of(
          new Bridge(
              "sink-task-metrics",
              "put-batch-avg-time-ms",
              "fabric.sink.put.batch.avg.seconds",
              "Average time of one SinkTask.put (one write batch)",
              0.001),
          new Bridge(
              "sink-task-metrics",
              "put-batch-max-time-ms",
              "fabric.sink.put.batch.max.seconds",
              "Longest SinkTask.put (one write batch)",
              0.001),
          new Bridge(
              "sink-task-metrics",
              "sink-record-send-total",
              "fabric.sink.records.sent.total",
              "Records handed to the sink task"),
          new Bridge(
              "connector-task-metrics",
              "batch-size-avg",
              "fabric.sink.batch.size.avg",
              "Average records per batch"),
          new Bridge(
              "connector-task-metrics",
              "batch-size-max",
              "fabric.sink.batch.size.max",
              "Largest batch in records"),
          // published by the sink tasks themselves (WriteCounter): grows only when a write
          // succeeded
          new Bridge(
              "plugins",
              WriteCounter.METRIC,
              "fabric.sink.records.written.total",
              "Records the sink task durably wrote (rows, objects)"));

  /** Connect's task states, each a series of {@code fabric_sink_tasks}. */
  private static final List<String> STATES =
      List.of("RUNNING", "FAILED", "PAUSED", "UNASSIGNED", "RESTARTING", "STOPPED");

  private final MeterRegistry registry;
  private final Set<String> connectors;
  private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
  private final Set<String> bound = new HashSet<>();

  /**
   * @param connectors names of the connectors to bridge (others in the same JVM are left alone)
   */
  public ConnectSinkMetrics(MeterRegistry registry, Set<String> connectors) {
    this.registry = registry;
    this.connectors = Set.copyOf(connectors);
  }

  /** Binds the supervisor's meters: this worker's tasks by state, failures and restarts. */
  public void bindSupervisor(SinkTaskSupervisor supervisor) {
    for (String state : STATES) {
      Gauge.builder(
              "fabric.sink.tasks",
              supervisor,
              s -> s.tasks().stream().filter(t -> t.here() && state.equals(t.state())).count())
          .description("Sink tasks running on this instance's Connect worker, by Connect state")
          .tag("state", state)
          .register(registry);
    }
    FunctionCounter.builder("fabric.sink.task.failures", supervisor, SinkTaskSupervisor::failures)
        .description("Times a sink task (or connector) of this worker was seen FAILED")
        .register(registry);
    FunctionCounter.builder("fabric.sink.task.restarts", supervisor, SinkTaskSupervisor::restarts)
        .description("Restarts of FAILED sink tasks asked by this worker's supervisor")
        .register(registry);
  }

  /**
   * Binds gauges for task MBeans that appeared since the last call. Returns how many tasks are
   * bound.
   */
  public synchronized int refresh() {
    for (Bridge b : BRIDGES) {
      Set<ObjectName> names;
      try {
        names =
            server.queryNames(new ObjectName("kafka.connect:type=" + b.domainType() + ",*"), null);
      } catch (MalformedObjectNameException e) {
        throw new IllegalStateException(e);
      }
      for (ObjectName name : names) {
        String connector = unquote(name.getKeyProperty("connector"));
        String task = unquote(name.getKeyProperty("task"));
        if (connector == null
            || !connectors.contains(connector)
            || !bound.add(b.meter() + "|" + name)) {
          continue;
        }
        Tags tags = Tags.of("connector", connector, "task", String.valueOf(task));
        if (b.meter().endsWith(".total")) {
          // a cumulative count: a counter, so Prometheus keeps its _total name and rate() applies
          FunctionCounter.builder(
                  b.meter().substring(0, b.meter().length() - ".total".length()),
                  name,
                  n -> read(n, b.attribute()))
              .description(b.description())
              .tags(tags)
              .register(registry);
        } else {
          Gauge.builder(b.meter(), () -> read(name, b.attribute()) * b.scale())
              .description(b.description())
              .tags(tags)
              .register(registry);
        }
      }
    }
    return (int)
        bound.stream().filter(k -> k.startsWith("fabric.sink.put.batch.avg.seconds|")).count();
  }

  private double read(ObjectName name, String attribute) {
    try {
      Object v = server.getAttribute(name, attribute);
      return v instanceof Number n ? n.doubleValue() : Double.NaN;
    } catch (JMException e) {
      return Double.NaN; // the task was stopped: its MBean is gone
    }
  }

  private static String unquote(String s) {
    return s != null && s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")
        ? s.substring(1, s.length() - 1)
        : s;
  }
}
