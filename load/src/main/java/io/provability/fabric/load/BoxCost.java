package io.provability.fabric.load;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one window of a run cost the whole box: CPU by process, broker writes and S3 requests, and
 * the decisions made in it, so that each cost can be stated per decision.
 *
 * @param name the run (or "idle") the window belongs to
 * @param seconds the window's length
 * @param decisions decisions that arrived in the window (0 for the idle window)
 * @param cpuMicros CPU microseconds by process role spent in the window
 * @param writes what the broker took in the window, or null if not measured
 * @param s3Requests S3 requests the application made in the window by operation, or null if not
 *     measured
 */
public record BoxCost(
    String name,
    double seconds,
    long decisions,
    Map<String, Long> cpuMicros,
    BrokerWrites.Writes writes,
    Map<String, Long> s3Requests) {
  /** The cost between two snapshots of the same monitor. */
  public static BoxCost between(
      String name,
      BoxMonitor.Snapshot from,
      BoxMonitor.Snapshot to,
      long decisions,
      BrokerWrites.Writes writes,
      Map<String, Long> s3From,
      Map<String, Long> s3To) {
    Map<String, Long> cpu = new LinkedHashMap<>();
    to.cpuMicros()
        .forEach(
            (role, t) -> {
              Long f = from.cpuMicros().get(role);
              if (f != null) {
                cpu.put(role, Math.max(0, t - f));
              }
            });
    Map<String, Long> s3 = null;
    if (s3From != null && s3To != null) {
      s3 = new LinkedHashMap<>();
      for (var e : s3To.entrySet()) {
        long d = e.getValue() - s3From.getOrDefault(e.getKey(), 0L);
        if (d > 0) {
          s3.put(e.getKey(), d);
        }
      }
    }
    return new BoxCost(
        name, (to.epochMillis() - from.epochMillis()) / 1000.0, decisions, cpu, writes, s3);
  }

  /** CPU microseconds over every process. */
  public long totalCpuMicros() {
    return cpuMicros.values().stream().mapToLong(Long::longValue).sum();
  }

  /** CPU microseconds per decision over every process, or NaN without decisions. */
  public double cpuMicrosPerDecision() {
    return decisions == 0 ? Double.NaN : (double) totalCpuMicros() / decisions;
  }

  /** Cores busy on average over the window, over every process. */
  public double coresBusy() {
    return seconds <= 0 ? 0 : totalCpuMicros() / 1e6 / seconds;
  }

  /** Records written to the broker per decision (transaction markers apart), or NaN. */
  public double recordsPerDecision() {
    return writes == null || decisions == 0 ? Double.NaN : (double) writes.records() / decisions;
  }

  /** S3 requests per 1,000 decisions, or NaN. */
  public double s3PerThousand() {
    return s3Requests == null || decisions == 0
        ? Double.NaN
        : s3Requests.values().stream().mapToLong(Long::longValue).sum() * 1000.0 / decisions;
  }

  /** The cost as nested maps (what the JSON report holds). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("window", name);
    m.put("seconds", seconds);
    m.put("decisions", decisions);
    Map<String, Object> cpu = new LinkedHashMap<>();
    cpuMicros.forEach(
        (role, micros) -> {
          Map<String, Object> c = new LinkedHashMap<>();
          c.put("cpu_seconds", micros / 1e6);
          c.put("cores_busy", seconds <= 0 ? 0 : micros / 1e6 / seconds);
          c.put("cpu_us_per_decision", decisions == 0 ? null : (double) micros / decisions);
          cpu.put(role, c);
        });
    m.put("cpu_by_process", cpu);
    m.put("cpu_seconds_total", totalCpuMicros() / 1e6);
    m.put("cores_busy_total", coresBusy());
    m.put("cpu_us_per_decision_total", decisions == 0 ? null : cpuMicrosPerDecision());
    if (writes != null) {
      Map<String, Object> topics = new LinkedHashMap<>();
      writes
          .byTopic()
          .forEach(
              (t, w) ->
                  topics.put(
                      t,
                      Map.of(
                          "records",
                          w.records(),
                          "transaction_markers",
                          w.markers(),
                          "bytes",
                          w.bytes())));
      m.put(
          "broker_writes",
          Map.of(
              "records",
              writes.records(),
              "transaction_markers",
              writes.markers(),
              "bytes",
              writes.bytes(),
              "complete",
              writes.complete(),
              "by_topic",
              topics));
      if (decisions > 0) {
        m.put("broker_records_per_decision", (double) writes.records() / decisions);
        m.put("broker_markers_per_decision", (double) writes.markers() / decisions);
        m.put("broker_bytes_per_decision", (double) writes.bytes() / decisions);
      }
    }
    if (s3Requests != null) {
      m.put("s3_requests", s3Requests);
      if (decisions > 0) {
        m.put("s3_requests_per_1000_decisions", s3PerThousand());
      }
    }
    return m;
  }
}
