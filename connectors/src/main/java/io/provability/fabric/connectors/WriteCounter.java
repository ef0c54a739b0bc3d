package io.provability.fabric.connectors;

import java.util.LinkedHashMap;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.connect.sink.SinkTaskContext;

/**
 * A count of what a sink task durably wrote (rows, objects), published through the task's {@link
 * PluginMetrics}: the worker exposes it in JMX as {@code
 * kafka.connect:type=plugins,connector=..,task=..} with the attribute {@value #METRIC}, where the
 * application's metrics bridge reads it. It grows only when a write succeeded, so "decisions are
 * being made but this does not grow" means the sink is stuck.
 */
public final class WriteCounter {
  /** The metric's name. */
  public static final String METRIC = "records-written-total";

  private final Sensor sensor;

  private WriteCounter(Sensor sensor) {
    this.sensor = sensor;
  }

  /**
   * @param context the task's context
   * @param what what is counted, for the description (e.g. "decision-log rows")
   */
  public static WriteCounter of(SinkTaskContext context, String what) {
    PluginMetrics metrics = context.pluginMetrics();
    Sensor sensor = metrics.addSensor(METRIC);
    sensor.add(
        metrics.metricName(
            METRIC, "Records this task durably wrote: " + what, new LinkedHashMap<>()),
        new CumulativeSum());
    return new WriteCounter(sensor);
  }

  /** Counts {@code n} more records written. */
  public void add(long n) {
    if (n > 0) {
      sensor.record(n);
    }
  }
}
