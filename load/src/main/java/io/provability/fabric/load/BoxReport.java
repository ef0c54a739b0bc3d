package io.provability.fabric.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The whole box's share of a load report: which processes were watched, what the box cost at rest
 * (the fixed part: commits, polling, metrics) and in every run, and CPU by process over time.
 *
 * @param members the processes watched, by role
 * @param idle the window before any load, or null if none was measured
 * @param windows one cost per run, in run order
 * @param timeline the sampler's cumulative CPU readings
 */
public record BoxReport(
    List<BoxProcesses.Member> members,
    BoxCost idle,
    List<BoxCost> windows,
    List<BoxMonitor.Snapshot> timeline) {
  private static final String[] COLORS = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"
  };

  /** The window of the run named {@code name}, or null. */
  public BoxCost window(String name) {
    return windows.stream().filter(w -> w.name().equals(name)).findFirst().orElse(null);
  }

  /** The report's JSON part. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    List<Object> ms = new ArrayList<>();
    members.forEach(x -> ms.add(Map.of("role", x.role(), "pid", x.pid(), "how", x.how())));
    m.put("processes", ms);
    if (idle != null) {
      m.put("idle", idle.toMap());
    }
    List<Object> ws = new ArrayList<>();
    windows.forEach(w -> ws.add(w.toMap()));
    m.put("runs", ws);
    List<String> roles = roles();
    List<Object> rows = new ArrayList<>();
    for (int i = 1; i < timeline.size(); i++) {
      BoxMonitor.Snapshot a = timeline.get(i - 1);
      BoxMonitor.Snapshot b = timeline.get(i);
      List<Object> row = new ArrayList<>();
      row.add(b.epochMillis());
      for (String role : roles) {
        row.add(coresBusy(a, b, role));
      }
      rows.add(row);
    }
    List<String> cols = new ArrayList<>(List.of("epoch_ms"));
    roles.forEach(r -> cols.add("cores_busy:" + r));
    m.put("cpu_timeline_columns", cols);
    m.put("cpu_timeline", rows);
    return m;
  }

  /** The report's HTML part. */
  public void html(StringBuilder b) {
    processesHtml(b);
    List<String> roles = roles();
    costsHtml(b, roles);
    brokerWritesHtml(b);
    cpuChartHtml(b, roles);
  }

  /** The processes measured, by role. */
  private void processesHtml(StringBuilder b) {
    b.append(
        "<h2>The whole box</h2>\n<p>CPU time of every process of the run, from <code>/proc/&lt;pid&gt;/stat</code> "
            + "(user + system, with reaped children and live descendants); processes are known by pid:</p>\n"
            + "<table><tr><th>role</th><th>pid</th><th>how it is known</th></tr>\n");
    members.forEach(
        x ->
            b.append(
                String.format(
                    Locale.ROOT,
                    "<tr><td>%s</td><td class=\"n\">%d</td><td>%s</td></tr>%n",
                    SvgChart.esc(x.role()),
                    x.pid(),
                    SvgChart.esc(x.how()))));
    b.append("</table>\n");
  }

  /** The cost of each window, the idle one first: CPU per decision by role, broker and S3. */
  private void costsHtml(StringBuilder b, List<String> roles) {
    b.append("<table><tr><th>window</th><th>seconds</th><th>decisions</th>");
    roles.forEach(r -> b.append("<th>").append(SvgChart.esc(r)).append("<br>µs/decision</th>"));
    b.append(
        "<th>total µs/decision</th><th>cores busy</th><th>broker records / decision</th><th>markers / decision</th>"
            + "<th>broker bytes / decision</th><th>S3 requests / 1,000</th></tr>\n");
    List<BoxCost> all = new ArrayList<>();
    if (idle != null) {
      all.add(idle);
    }
    all.addAll(windows);
    for (BoxCost w : all) {
      costRowHtml(b, w, roles);
    }
    b.append(
        "</table>\n<p>The idle window (before any load) is the fixed part: what the box burns per second with no "
            + "decisions (commits, polling, metrics, timers). A run's cost per decision includes its share of it.</p>\n");
  }

  private void costRowHtml(StringBuilder b, BoxCost w, List<String> roles) {
    b.append(
        String.format(
            Locale.ROOT,
            "<tr><td>%s</td><td class=\"n\">%.1f</td><td class=\"n\">%,d</td>",
            SvgChart.esc(w.name()),
            w.seconds(),
            w.decisions()));
    for (String r : roles) {
      Long micros = w.cpuMicros().get(r);
      b.append("<td class=\"n\">")
          .append(
              micros == null
                  ? "-"
                  : w.decisions() == 0
                      ? String.format(
                          Locale.ROOT, "%.2f cores", micros / 1e6 / Math.max(w.seconds(), 1e-9))
                      : String.format(Locale.ROOT, "%,.0f", (double) micros / w.decisions()))
          .append("</td>");
    }
    b.append(
        String.format(
            Locale.ROOT,
            "<td class=\"n\"><b>%s</b></td><td class=\"n\">%.2f</td><td class=\"n\">%s</td>"
                + "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>%n",
            w.decisions() == 0
                ? "-"
                : String.format(Locale.ROOT, "%,.0f", w.cpuMicrosPerDecision()),
            w.coresBusy(),
            num(w.recordsPerDecision(), "%.2f"),
            w.writes() == null || w.decisions() == 0
                ? "-"
                : String.format(Locale.ROOT, "%.2f", (double) w.writes().markers() / w.decisions()),
            w.writes() == null || w.decisions() == 0
                ? "-"
                : String.format(Locale.ROOT, "%,.0f", (double) w.writes().bytes() / w.decisions()),
            num(w.s3PerThousand(), "%.1f")));
  }

  /** What the last run wrote to the broker, by topic. */
  private void brokerWritesHtml(StringBuilder b) {
    BoxCost last = windows.isEmpty() ? null : windows.get(windows.size() - 1);
    if (last != null && last.writes() != null) {
      b.append("<h3>Broker writes of run ")
          .append(SvgChart.esc(last.name()))
          .append(
              "</h3>\n<table><tr><th>topic</th>"
                  + "<th>records</th><th>per decision</th><th>transaction markers</th><th>key+value bytes</th></tr>\n");
      last.writes()
          .byTopic()
          .forEach(
              (t, w) ->
                  b.append(
                      String.format(
                          Locale.ROOT,
                          "<tr><td>%s</td><td class=\"n\">%,d</td>"
                              + "<td class=\"n\">%s</td><td class=\"n\">%,d</td><td class=\"n\">%,d</td></tr>%n",
                          SvgChart.esc(t),
                          w.records(),
                          last.decisions() == 0
                              ? "-"
                              : String.format(
                                  Locale.ROOT, "%.3f", (double) w.records() / last.decisions()),
                          w.markers(),
                          w.bytes())));
      b.append("</table>\n");
      if (!last.writes().complete()) {
        b.append(
            "<p class=\"miss\">Reading the records back gave up at its deadline: the counts are lower bounds.</p>\n");
      }
    }
  }

  private void cpuChartHtml(StringBuilder b, List<String> roles) {
    if (timeline.size() > 1) {
      long t0 = timeline.get(0).epochMillis();
      SvgChart chart =
          new SvgChart(
              "CPU by process over time",
              "seconds since the first sample",
              "cores busy",
              false,
              false);
      int i = 0;
      for (String role : roles) {
        double[] x = new double[timeline.size() - 1];
        double[] y = new double[timeline.size() - 1];
        for (int k = 1; k < timeline.size(); k++) {
          x[k - 1] = (timeline.get(k).epochMillis() - t0) / 1000.0;
          y[k - 1] = coresBusy(timeline.get(k - 1), timeline.get(k), role);
        }
        chart.add(role, COLORS[i++ % COLORS.length], x, y);
      }
      b.append(chart.render());
    }
  }

  private List<String> roles() {
    Set<String> roles = new LinkedHashSet<>();
    members.forEach(x -> roles.add(x.role()));
    return new ArrayList<>(roles);
  }

  private static double coresBusy(BoxMonitor.Snapshot a, BoxMonitor.Snapshot b, String role) {
    Long x = a.cpuMicros().get(role);
    Long y = b.cpuMicros().get(role);
    double secs = (b.epochMillis() - a.epochMillis()) / 1000.0;
    return x == null || y == null || secs <= 0 ? 0 : Math.max(0, y - x) / 1e6 / secs;
  }

  private static String num(double v, String format) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
  }
}
