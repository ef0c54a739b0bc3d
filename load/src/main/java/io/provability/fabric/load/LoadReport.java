package io.provability.fabric.load;

import io.provability.fabric.events.RequestKind;
import io.provability.fabric.topology.traffic.LoadProfile;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The report of one {@code fabric load} invocation: its runs, the baselines measured beside them,
 * the ceiling search (if any), memory, and the checks — correctness (nothing lost, duplicated or
 * wrongly decided), the seed's SLOs (p95 &lt; 2 s, p99 &lt; 4 s, errors &lt; 0.5 %, ≥ 10,000
 * sessions) and the project's goals. Written as JSON (for machines and trend lines) and as one
 * self-contained HTML page with inline SVG charts (no script, no network).
 *
 * <p>A failed correctness or SLO check fails the run; a missed goal fails it only when asked to.
 */
public final class LoadReport {
  /** Seed SLO: 95th percentile latency bar, milliseconds. */
  public static final double SLO_P95_MS = 2_000;

  /** Seed SLO: 99th percentile latency bar, milliseconds. */
  public static final double SLO_P99_MS = 4_000;

  /** Seed SLO: error-rate bar. */
  public static final double SLO_ERROR_RATE = 0.005;

  /** Seed SLO: concurrent sessions a scenario must spread over. */
  public static final int SLO_SESSIONS = 10_000;

  /** Goal: stress p99 (5,000/s, sinks on), milliseconds. */
  public static final double GOAL_STRESS_P99_MS = 250;

  /** Goal: p99 from request to a decision the caller can read, at 1,000/s or less, milliseconds. */
  public static final double GOAL_LOW_RATE_P99_MS = 50;

  /**
   * Goal: the highest rate sustained with sinks on (p99 under the ceiling bar, lag flat), decisions
   * per second.
   */
  public static final double GOAL_CEILING_RATE = 8_000;

  /** Goal: CPU microseconds per decision over every process of the box, at 5,000/s. */
  public static final double GOAL_CPU_US_PER_DECISION = 250;

  /**
   * Goal: records written to the broker per decision, the request included (transaction markers
   * apart).
   */
  public static final double GOAL_RECORDS_PER_DECISION = 3;

  /** Goal: S3 requests per 1,000 decisions. */
  public static final double GOAL_S3_PER_THOUSAND = 10;

  /** Goal: resident memory at the ceiling, bytes. */
  public static final long GOAL_RSS_BYTES = 1536L * 1024 * 1024;

  /** Goal: serialized state per active session, bytes. */
  public static final double GOAL_STATE_BYTES_PER_SESSION = 300;

  /** How a check counts. */
  public enum Kind {
    CORRECTNESS,
    SEED_SLO,
    GOAL
  }

  /**
   * One evaluated bar.
   *
   * @param notApplicable why the run cannot reach or judge this bar (its length, rate or settings),
   *     or null when it applies; a check that does not apply counts as met and says so
   */
  public record Check(
      Kind kind, String name, String bar, String observed, boolean met, String notApplicable) {
    public Check(Kind kind, String name, String bar, String observed, boolean met) {
      this(kind, name, bar, observed, met, null);
    }

    /** A bar this run cannot reach or judge, with the reason. */
    static Check notApplicable(Kind kind, String name, String bar, String why) {
      return new Check(kind, name, bar, "not applicable: " + why, true, why);
    }

    /** "met", "NOT MET", "BREACHED" or "n/a". */
    public String verdict() {
      if (notApplicable != null) {
        return "n/a";
      }
      return met ? "met" : kind == Kind.GOAL ? "NOT MET" : "BREACHED";
    }
  }

  /** One step of the ceiling search. */
  public record CeilingStep(double rate, LoadResult result, boolean sustained, String why) {}

  /**
   * Memory of this JVM when sampled (it holds the application, and in embedded mode the servers
   * too).
   */
  public record Memory(long rssBytes, long heapUsedBytes, long heapCommittedBytes, String note) {
    /** Samples this JVM now. */
    public static Memory sample(String note) {
      long rss = -1;
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith("VmRSS:")) {
            rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (IOException | RuntimeException e) {
        rss = -1; // not Linux: reported as unknown
      }
      MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      return new Memory(rss, heap.getUsed(), heap.getCommitted(), note);
    }
  }

  private final String scenario;
  private final String command;
  private final Instant createdAt;
  private final Map<String, String> environment;
  private final List<LoadResult> runs;
  private final List<CeilingStep> ceilingSteps;
  private final List<Baselines.Figure> baselines;
  private final Memory memory;
  private final StateSize state;
  private final BoxReport box;
  private final boolean seedScenario;
  private final List<Check> checks;

  /**
   * @param seedScenario whether the seed's session floor applies (smoke, nightly, stress, ceiling)
   * @param ceilingSteps the ceiling search's steps; empty for a constant-rate scenario
   */
  public LoadReport(
      String scenario,
      String command,
      Instant createdAt,
      Map<String, String> environment,
      List<LoadResult> runs,
      List<CeilingStep> ceilingSteps,
      List<Baselines.Figure> baselines,
      Memory memory,
      boolean seedScenario) {
    this(
        scenario,
        command,
        createdAt,
        environment,
        runs,
        ceilingSteps,
        baselines,
        memory,
        null,
        seedScenario);
  }

  /**
   * @param state the application's state after the runs, or null if not measured
   */
  public LoadReport(
      String scenario,
      String command,
      Instant createdAt,
      Map<String, String> environment,
      List<LoadResult> runs,
      List<CeilingStep> ceilingSteps,
      List<Baselines.Figure> baselines,
      Memory memory,
      StateSize state,
      boolean seedScenario) {
    this(
        scenario,
        command,
        createdAt,
        environment,
        runs,
        ceilingSteps,
        baselines,
        memory,
        state,
        null,
        seedScenario);
  }

  /**
   * @param box what the whole box cost (CPU by process, broker writes, S3 requests), or null if not
   *     measured
   */
  public LoadReport(
      String scenario,
      String command,
      Instant createdAt,
      Map<String, String> environment,
      List<LoadResult> runs,
      List<CeilingStep> ceilingSteps,
      List<Baselines.Figure> baselines,
      Memory memory,
      StateSize state,
      BoxReport box,
      boolean seedScenario) {
    this.state = state;
    this.box = box;
    this.scenario = scenario;
    this.command = command;
    this.createdAt = createdAt;
    this.environment = environment;
    this.runs = runs;
    this.ceilingSteps = ceilingSteps;
    this.baselines = baselines;
    this.memory = memory;
    this.seedScenario = seedScenario;
    this.checks = evaluate();
  }

  public List<Check> checks() {
    return checks;
  }

  /**
   * True if no correctness or seed-SLO check failed (and, with {@code goalsToo}, no goal was
   * missed).
   */
  public boolean passed(boolean goalsToo) {
    return checks.stream().allMatch(c -> c.met() || (c.kind() == Kind.GOAL && !goalsToo));
  }

  /** The highest sustained rate of the ceiling search, or 0. */
  public double ceilingRate() {
    return ceilingSteps.stream()
        .filter(CeilingStep::sustained)
        .mapToDouble(CeilingStep::rate)
        .max()
        .orElse(0);
  }

  /** The run the SLOs are judged on: the only run, or the ceiling's highest sustained step. */
  public LoadResult judgedRun() {
    if (!ceilingSteps.isEmpty()) {
      return ceilingSteps.stream()
          .filter(CeilingStep::sustained)
          .reduce((a, b) -> b)
          .map(CeilingStep::result)
          .orElse(ceilingSteps.get(0).result());
    }
    return runs.get(runs.size() - 1);
  }

  private List<Check> evaluate() {
    return new Evaluation().checks();
  }

  /**
   * The checks of this report, as phases: correctness over every run, then the judged run's
   * schedule, seed SLOs, latency goals, cost goals, the ceiling's goals and the state's goal.
   */
  private final class Evaluation {
    private final List<Check> out = new ArrayList<>();
    private final LoadResult j = judgedRun();
    private final double targetRate = j.profile().rate();

    List<Check> checks() {
      correctness();
      schedule();
      seedSlos();
      latencyGoals();
      costGoals();
      ceilingGoals();
      stateGoal();
      return out;
    }

    /** Over every run, the warm-up included: nothing lost, duplicated or unexpected. */
    private void correctness() {
      long lost = runs.stream().mapToLong(LoadResult::lost).sum();
      long dups = runs.stream().mapToLong(LoadResult::duplicates).sum();
      long mism = runs.stream().mapToLong(LoadResult::mismatches).sum();
      long sent = runs.stream().mapToLong(LoadResult::sent).sum();
      out.add(
          new Check(
              Kind.CORRECTNESS,
              "every request decided (none lost or still undecided at the drain timeout)",
              "0 undecided",
              String.format(Locale.ROOT, "%,d of %,d", lost, sent),
              lost == 0));
      out.add(
          new Check(
              Kind.CORRECTNESS,
              "no duplicate decisions",
              "0",
              String.format(Locale.ROOT, "%,d", dups),
              dups == 0));
      out.add(
          new Check(
              Kind.CORRECTNESS,
              "every decision as the generator expected",
              "0 mismatches",
              String.format(Locale.ROOT, "%,d", mism),
              mism == 0));
    }

    private void schedule() {
      out.add(
          new Check(
              Kind.CORRECTNESS,
              "the generator kept its schedule",
              ">= 95 % of " + fmt(targetRate) + " req/s sent",
              String.format(
                  Locale.ROOT,
                  "%,.0f req/s (max sender lag %,.1f ms)",
                  j.sentRate(),
                  j.maxSenderLagMicros() / 1000.0),
              j.sentRate() >= 0.95 * targetRate));
    }

    private void seedSlos() {
      out.add(
          new Check(
              Kind.SEED_SLO,
              "p95 latency",
              "< 2 s",
              ms(j.percentileMillis(95)),
              j.percentileMillis(95) < SLO_P95_MS));
      out.add(
          new Check(
              Kind.SEED_SLO,
              "p99 latency",
              "< 4 s",
              ms(j.percentileMillis(99)),
              j.percentileMillis(99) < SLO_P99_MS));
      out.add(
          new Check(
              Kind.SEED_SLO,
              "error rate",
              "< 0.5 %",
              String.format(Locale.ROOT, "%.3f %% (%,d)", j.errorRate() * 100, j.errors()),
              j.errorRate() < SLO_ERROR_RATE));
      if (seedScenario && ceilingSteps.isEmpty()) {
        long reachable = Math.min(j.profile().sessions(), j.sent());
        if (reachable < SLO_SESSIONS) {
          out.add(
              Check.notApplicable(
                  Kind.SEED_SLO,
                  "concurrent sessions",
                  ">= 10,000",
                  j.profile().sessions() < SLO_SESSIONS
                      ? String.format(Locale.ROOT, "--sessions is %,d", j.profile().sessions())
                      : String.format(
                          Locale.ROOT,
                          "the run sent %,d requests, too few to touch 10,000 sessions",
                          j.sent())));
        } else {
          out.add(
              new Check(
                  Kind.SEED_SLO,
                  "concurrent sessions",
                  ">= 10,000",
                  String.format(Locale.ROOT, "%,d", j.sessionsTouched()),
                  j.sessionsTouched() >= SLO_SESSIONS));
        }
      }
    }

    private void latencyGoals() {
      if (ceilingSteps.isEmpty() && targetRate <= 1_000) {
        out.add(
            new Check(
                Kind.GOAL,
                "p99 request to readable decision at <= 1,000/s",
                "< 50 ms",
                ms(j.percentileMillis(99)),
                j.percentileMillis(99) < GOAL_LOW_RATE_P99_MS));
      }
      if (scenario.equals("stress")) {
        out.add(
            new Check(
                Kind.GOAL,
                "stress p99 end to end",
                "< 250 ms",
                ms(j.percentileMillis(99)),
                j.percentileMillis(99) < GOAL_STRESS_P99_MS));
        out.add(
            new Check(Kind.GOAL, "stress errors", "0", Long.toString(j.errors()), j.errors() == 0));
      }
    }

    /** CPU, broker records and S3 requests per decision, when the box was measured. */
    private void costGoals() {
      BoxCost cost = box == null ? null : box.window(j.name());
      if (cost != null) {
        if (targetRate >= 5_000) {
          out.add(
              new Check(
                  Kind.GOAL,
                  "CPU per decision, every process",
                  "<= 250 µs",
                  String.format(
                      Locale.ROOT,
                      "%,.0f µs (%.2f cores busy)",
                      cost.cpuMicrosPerDecision(),
                      cost.coresBusy()),
                  cost.cpuMicrosPerDecision() <= GOAL_CPU_US_PER_DECISION));
        } else {
          out.add(
              Check.notApplicable(
                  Kind.GOAL,
                  "CPU per decision, every process",
                  "<= 250 µs at 5,000/s",
                  String.format(
                      Locale.ROOT,
                      "the bar is set at 5,000/s; this run: %,.0f µs per decision at %,.0f/s",
                      cost.cpuMicrosPerDecision(),
                      targetRate)));
        }
        if (cost.writes() != null) {
          out.add(
              new Check(
                  Kind.GOAL,
                  "broker records per decision (request included)",
                  "<= 3",
                  String.format(
                      Locale.ROOT,
                      "%.2f (+ %.2f transaction markers)",
                      cost.recordsPerDecision(),
                      (double) cost.writes().markers() / Math.max(1, cost.decisions())),
                  cost.recordsPerDecision() <= GOAL_RECORDS_PER_DECISION));
        }
        if (cost.s3Requests() != null) {
          out.add(
              new Check(
                  Kind.GOAL,
                  "S3 requests per 1,000 decisions",
                  "<= 10",
                  String.format(Locale.ROOT, "%.1f", cost.s3PerThousand()),
                  cost.s3PerThousand() <= GOAL_S3_PER_THOUSAND));
        }
      }
    }

    private void ceilingGoals() {
      if (!ceilingSteps.isEmpty()) {
        double c = ceilingRate();
        out.add(
            new Check(
                Kind.GOAL,
                "ceiling",
                ">= 8,000 decisions/s",
                fmt(c) + " decisions/s",
                c >= GOAL_CEILING_RATE));
        if (memory != null && memory.rssBytes() > 0) {
          out.add(
              new Check(
                  Kind.GOAL,
                  "resident memory at the ceiling",
                  "< 1.5 GiB",
                  String.format(
                      Locale.ROOT, "%,.0f MiB (%s)", memory.rssBytes() / 1048576.0, memory.note()),
                  memory.rssBytes() < GOAL_RSS_BYTES));
        }
      }
    }

    private void stateGoal() {
      if (state != null && state.sessions() > 0) {
        out.add(
            new Check(
                Kind.GOAL,
                "state per active session",
                "< 300 B",
                String.format(
                    Locale.ROOT,
                    "%,.0f B (%,d B over %,d sessions)",
                    state.bytesPerSession(),
                    state.totalBytes(),
                    state.sessions()),
                state.bytesPerSession() < GOAL_STATE_BYTES_PER_SESSION));
      }
    }
  }

  /** Writes {@code <dir>/<name>.json} and {@code <dir>/<name>.html}; returns the HTML path. */
  public Path write(Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(name + ".json"), Json.write(toMap()), StandardCharsets.UTF_8);
    Path html = dir.resolve(name + ".html");
    Files.writeString(html, html(), StandardCharsets.UTF_8);
    return html;
  }

  /** The report as nested maps and lists (what the JSON holds). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", scenario);
    m.put("command", command);
    m.put("created_at", createdAt.toString());
    m.put("passed", passed(false));
    m.put("environment", environment);
    m.put("checks", checksList());
    m.put("judged_run", judgedRun().name());
    m.put("baselines", baselinesList());
    if (!ceilingSteps.isEmpty()) {
      m.put("ceiling", map("rate", ceilingRate(), "steps", ceilingStepsList()));
    }
    if (memory != null) {
      m.put("memory", memoryMap());
    }
    if (state != null) {
      m.put("state", state.toMap());
    }
    if (box != null) {
      m.put("box", box.toMap());
    }
    List<Object> rs = new ArrayList<>();
    for (LoadResult r : runs) {
      rs.add(runMap(r));
    }
    m.put("runs", rs);
    return m;
  }

  private List<Object> checksList() {
    List<Object> cs = new ArrayList<>();
    for (Check c : checks) {
      cs.add(
          map(
              "kind",
              c.kind().name(),
              "name",
              c.name(),
              "bar",
              c.bar(),
              "observed",
              c.observed(),
              "met",
              c.met(),
              "verdict",
              c.verdict(),
              "not_applicable",
              c.notApplicable()));
    }
    return cs;
  }

  private List<Object> baselinesList() {
    List<Object> bs = new ArrayList<>();
    for (Baselines.Figure f : baselines) {
      bs.add(
          map(
              "name",
              f.name(),
              "unit",
              f.unit(),
              "per_second",
              f.perSecond(),
              "count",
              f.count(),
              "seconds",
              f.seconds(),
              "note",
              f.note()));
    }
    return bs;
  }

  private List<Object> ceilingStepsList() {
    List<Object> steps = new ArrayList<>();
    for (CeilingStep s : ceilingSteps) {
      steps.add(
          map(
              "rate",
              s.rate(),
              "sustained",
              s.sustained(),
              "why",
              s.why(),
              "p99_ms",
              s.result().percentileMillis(99),
              "decided",
              s.result().decided()));
    }
    return steps;
  }

  private Map<String, Object> memoryMap() {
    return map(
        "rss_bytes",
        memory.rssBytes(),
        "heap_used_bytes",
        memory.heapUsedBytes(),
        "heap_committed_bytes",
        memory.heapCommittedBytes(),
        "note",
        memory.note());
  }

  private Map<String, Object> runMap(LoadResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    LoadProfile p = r.profile();
    m.put("name", r.name());
    m.put("judged", r == judgedRun());
    m.put("transport", r.transport());
    m.put("request_id_prefix", r.prefix());
    m.put("started_at", r.startedAt().toString());
    m.put(
        "profile",
        map(
            "rate",
            p.rate(),
            "duration_s",
            p.duration().toMillis() / 1000.0,
            "sessions",
            p.sessions(),
            "tenants",
            p.tenants(),
            "subjects_per_tenant",
            p.subjectsPerTenant(),
            "mix",
            p.mix().toString(),
            "allow_ratio",
            p.allowRatio(),
            "zipf_exponent",
            p.zipfExponent(),
            "seed",
            p.seed(),
            "session_order",
            p.sessionOrder().name()));
    m.put("sent", r.sent());
    m.put("sent_per_second", r.sentRate());
    m.put("decided", r.decided());
    m.put("duplicates", r.duplicates());
    m.put("mismatches", r.mismatches());
    m.put("mismatch_samples", r.mismatchSamples());
    m.put("send_errors", r.sendErrors());
    m.put("first_send_error", r.firstSendError());
    m.put("lost", r.lost());
    m.put("error_rate", r.errorRate());
    m.put("sessions_touched", r.sessionsTouched());
    m.put("max_sender_lag_ms", r.maxSenderLagMicros() / 1000.0);
    m.put("latency_ms", latencyMap(r.latency()));
    Map<String, Object> kinds = new LinkedHashMap<>();
    r.latencyByKind()
        .forEach((k, h) -> kinds.put(k.name().toLowerCase(Locale.ROOT), latencyMap(h)));
    m.put("latency_ms_by_kind", kinds);
    if (r.untilDecided().getTotalCount() > 0) {
      m.put("latency_ms_until_decided_at", latencyMap(r.untilDecided()));
      m.put("latency_ms_after_decided_at", latencyMap(r.afterDecided()));
    }
    List<Object> tl = new ArrayList<>();
    for (LoadResult.Sample s : r.timeline()) {
      tl.add(
          List.of(
              s.second(),
              s.sent(),
              s.decided(),
              s.inFlight(),
              s.errors(),
              s.p50Micros() / 1000.0,
              s.p99Micros() / 1000.0,
              s.maxMicros() / 1000.0));
    }
    m.put(
        "timeline_columns",
        List.of("second", "sent", "decided", "in_flight", "errors", "p50_ms", "p99_ms", "max_ms"));
    m.put("timeline", tl);
    return m;
  }

  private static void splitRow(StringBuilder b, String part, Histogram h) {
    b.append(
        String.format(
            Locale.ROOT,
            "<tr><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                + "<td class=\"n\">%s</td></tr>%n",
            part,
            ms(h.getValueAtPercentile(50) / 1000.0),
            ms(h.getValueAtPercentile(99) / 1000.0),
            ms(h.getValueAtPercentile(99.9) / 1000.0),
            ms(h.getMaxValue() / 1000.0)));
  }

  private static Map<String, Object> latencyMap(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", h.getTotalCount());
    for (double p : new double[] {50, 90, 95, 99, 99.9, 99.99}) {
      m.put("p" + fmtPct(p), h.getTotalCount() == 0 ? 0.0 : h.getValueAtPercentile(p) / 1000.0);
    }
    m.put("max", h.getMaxValue() / 1000.0);
    m.put("mean", h.getTotalCount() == 0 ? 0.0 : h.getMean() / 1000.0);
    return m;
  }

  private String html() {
    return new Html().render();
  }

  /**
   * The report as one HTML page, as sections: head, checks, baselines, memory, state, the box, the
   * ceiling search, each run, the environment.
   */
  private final class Html {
    private final StringBuilder b = new StringBuilder();

    String render() {
      head();
      checks();
      baselines();
      memory();
      state();
      if (box != null) {
        box.html(b);
      }
      ceiling();
      for (LoadResult r : runs) {
        runHtml(b, r);
      }
      environment();
      return b.toString();
    }

    /** Title, style, the verdict and the command line. */
    private void head() {
      b.append(
              "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>fabric load — ")
          .append(SvgChart.esc(scenario))
          .append(
              "</title>\n<style>body{font-family:sans-serif;margin:24px;max-width:960px}"
                  + "table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
                  + "td.n{text-align:right}.ok{color:#070}.bad{color:#b00;font-weight:bold}.miss{color:#a60}"
                  + "code{background:#f3f3f3;padding:1px 4px}</style></head><body>\n");
      boolean ok = passed(false);
      b.append("<h1>fabric load: ")
          .append(SvgChart.esc(scenario))
          .append("</h1>\n<p>")
          .append(ok ? "<span class=\"ok\">PASSED</span>" : "<span class=\"bad\">FAILED</span>")
          .append(" (correctness and seed SLOs; goals are listed separately). Created ")
          .append(createdAt)
          .append(".</p>\n<p><code>")
          .append(SvgChart.esc(command))
          .append("</code></p>\n");
    }

    private void checks() {
      b.append("<h2>Checks</h2>\n<p>Judged on run <b>")
          .append(SvgChart.esc(judgedRun().name()))
          .append(
              "</b> only; "
                  + "the warm-up and any other run are listed below for reference and count in no check.</p>\n<table><tr><th>kind</th><th>check</th><th>bar</th><th>observed</th><th>result</th></tr>\n");
      for (Check c : checks) {
        String cls =
            c.notApplicable() != null
                ? ""
                : c.met() ? "ok" : c.kind() == Kind.GOAL ? "miss" : "bad";
        b.append("<tr><td>")
            .append(c.kind().name().toLowerCase(Locale.ROOT).replace('_', ' '))
            .append("</td><td>")
            .append(SvgChart.esc(c.name()))
            .append("</td><td>")
            .append(SvgChart.esc(c.bar()))
            .append("</td><td>")
            .append(SvgChart.esc(c.observed()))
            .append("</td><td class=\"")
            .append(cls)
            .append("\">")
            .append(c.verdict())
            .append("</td></tr>\n");
      }
      b.append("</table>\n");
    }

    /** Each component's throughput and the fabric's rate as a share of it. */
    private void baselines() {
      if (!baselines.isEmpty()) {
        LoadResult j = judgedRun();
        double rate =
            ceilingSteps.isEmpty() ? j.decided() / Math.max(j.sendSeconds(), 1e-9) : ceilingRate();
        b.append(
            "<h2>Baselines (same servers, same run)</h2>\n<table><tr><th>component</th><th>throughput</th>"
                + "<th>fabric decisions/s as a share</th><th>how</th></tr>\n");
        for (Baselines.Figure f : baselines) {
          b.append("<tr><td>")
              .append(SvgChart.esc(f.name()))
              .append("</td><td class=\"n\">")
              .append(
                  Double.isNaN(f.perSecond())
                      ? "failed"
                      : String.format(Locale.ROOT, "%,.0f %s", f.perSecond(), f.unit()))
              .append("</td><td class=\"n\">")
              .append(
                  Double.isNaN(f.perSecond())
                      ? "-"
                      : String.format(Locale.ROOT, "%.4f", rate / f.perSecond()))
              .append("</td><td>")
              .append(SvgChart.esc(f.note()))
              .append("</td></tr>\n");
        }
        b.append("</table>\n<p>Share = ")
            .append(
                ceilingSteps.isEmpty()
                    ? "decisions/s of the run (its offered rate)"
                    : "the ceiling")
            .append(
                String.format(Locale.ROOT, " (%,.0f/s) ÷ the component's throughput.</p>\n", rate));
      }
    }

    private void memory() {
      if (memory != null) {
        b.append(
            String.format(
                Locale.ROOT,
                "<p>Memory at the end: resident %,.0f MiB, heap used %,.0f MiB of %,.0f MiB committed "
                    + "(%s).</p>\n",
                memory.rssBytes() / 1048576.0,
                memory.heapUsedBytes() / 1048576.0,
                memory.heapCommittedBytes() / 1048576.0,
                SvgChart.esc(memory.note())));
      }
    }

    /** Serialized state per store and RocksDB's figures. */
    private void state() {
      if (state != null) {
        b.append(
            String.format(
                Locale.ROOT,
                "<h2>State</h2>%n<p>%,d B of serialized state over %,d active sessions: "
                    + "<b>%,.0f B per session</b> (latest value per key of each store's changelog; RocksDB figures below).</p>%n"
                    + "<table><tr><th>store</th><th>entries</th><th>key bytes</th><th>value bytes</th><th>bytes per session</th></tr>%n",
                state.totalBytes(),
                state.sessions(),
                state.bytesPerSession()));
        state
            .stores()
            .forEach(
                (name, st) ->
                    b.append(
                        String.format(
                            Locale.ROOT,
                            "<tr><td>%s</td><td class=\"n\">%,d</td>"
                                + "<td class=\"n\">%,d</td><td class=\"n\">%,d</td><td class=\"n\">%,.1f</td></tr>%n",
                            SvgChart.esc(name),
                            st.entries(),
                            st.keyBytes(),
                            st.valueBytes(),
                            state.sessions() == 0 ? 0.0 : (double) st.bytes() / state.sessions())));
        b.append("</table>\n");
        if (!state.physical().isEmpty()) {
          b.append("<table><tr><th>RocksDB (all stores)</th><th>value</th></tr>\n");
          new TreeMap<>(state.physical())
              .forEach(
                  (k, v) ->
                      b.append(
                          String.format(
                              Locale.ROOT,
                              "<tr><td>%s</td><td class=\"n\">%,.0f</td></tr>%n",
                              SvgChart.esc(k),
                              v)));
          b.append("</table>\n");
        }
      }
    }

    private void ceiling() {
      if (!ceilingSteps.isEmpty()) {
        b.append(
            "<h2>Ceiling search</h2>\n<table><tr><th>offered rate</th><th>decided</th><th>p99</th><th>max in flight</th>"
                + "<th>sustained</th><th>why</th></tr>\n");
        for (CeilingStep s : ceilingSteps) {
          long maxInFlight =
              s.result().timeline().stream().mapToLong(LoadResult.Sample::inFlight).max().orElse(0);
          b.append(
              String.format(
                  Locale.ROOT,
                  "<tr><td class=\"n\">%,.0f/s</td><td class=\"n\">%,d</td><td class=\"n\">%s</td>"
                      + "<td class=\"n\">%,d</td><td class=\"%s\">%s</td><td>%s</td></tr>%n",
                  s.rate(),
                  s.result().decided(),
                  ms(s.result().percentileMillis(99)),
                  maxInFlight,
                  s.sustained() ? "ok" : "miss",
                  s.sustained() ? "yes" : "no",
                  SvgChart.esc(s.why())));
        }
        b.append("</table>\n");
      }
    }

    /** The environment table and the page foot. */
    private void environment() {
      b.append("<h2>Environment</h2>\n<table>\n");
      environment.forEach(
          (k, v) ->
              b.append("<tr><td>")
                  .append(SvgChart.esc(k))
                  .append("</td><td>")
                  .append(SvgChart.esc(v))
                  .append("</td></tr>\n"));
      b.append(
          "</table>\n<p>Latency is measured from each request's intended send time (open loop, no coordinated "
              + "omission) to the arrival of its decision read with read_committed.</p>\n</body></html>\n");
    }
  }

  private void runHtml(StringBuilder b, LoadResult r) {
    new RunHtml(b, r, r == judgedRun()).render();
  }

  /**
   * One run's section of the HTML page, as parts: heading, profile, totals, latency by kind, the
   * split at decided_at, mismatches, the timeline charts and the percentile chart.
   */
  private static final class RunHtml {
    private final StringBuilder b;
    private final LoadResult r;
    private final LoadProfile p;
    private final boolean judged;

    RunHtml(StringBuilder b, LoadResult r, boolean judged) {
      this.b = b;
      this.r = r;
      this.p = r.profile();
      this.judged = judged;
    }

    void render() {
      heading();
      profile();
      totals();
      byKind();
      splitAtDecidedAt();
      mismatches();
      timelineCharts();
      percentileChart();
    }

    private void heading() {
      b.append("<h2>Run ")
          .append(SvgChart.esc(r.name()))
          .append(judged ? " (judged)" : " (not judged: counts in no check and not in the summary)")
          .append("</h2>\n");
    }

    private void profile() {
      b.append(
          String.format(
              Locale.ROOT,
              "<p>%,.0f req/s for %s over %,d sessions (%,d touched), %d tenants, mix %s, "
                  + "allow ratio %.2f, Zipf exponent %.2f, transport %s, request ids <code>%s*</code>.</p>%n",
              p.rate(),
              p.duration(),
              p.sessions(),
              r.sessionsTouched(),
              p.tenants(),
              p.mix(),
              p.allowRatio(),
              p.zipfExponent(),
              r.transport(),
              SvgChart.esc(r.prefix())));
    }

    private void totals() {
      b.append(
          "<table><tr><th>sent</th><th>decided</th><th>lost</th><th>duplicates</th><th>mismatches</th>"
              + "<th>send errors</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>\n");
      b.append(
          String.format(
              Locale.ROOT,
              "<tr><td class=\"n\">%,d</td><td class=\"n\">%,d</td><td class=\"n\">%,d</td>"
                  + "<td class=\"n\">%,d</td><td class=\"n\">%,d</td><td class=\"n\">%,d</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                  + "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr></table>%n",
              r.sent(),
              r.decided(),
              r.lost(),
              r.duplicates(),
              r.mismatches(),
              r.sendErrors(),
              ms(r.percentileMillis(50)),
              ms(r.percentileMillis(90)),
              ms(r.percentileMillis(99)),
              ms(r.percentileMillis(99.9)),
              ms(r.latency().getMaxValue() / 1000.0)));
    }

    private void byKind() {
      if (!r.latencyByKind().isEmpty()) {
        b.append(
            "<table><tr><th>kind</th><th>decided</th><th>p50</th><th>p99</th><th>max</th></tr>\n");
        for (Map.Entry<RequestKind, Histogram> e : r.latencyByKind().entrySet()) {
          Histogram h = e.getValue();
          b.append(
              String.format(
                  Locale.ROOT,
                  "<tr><td>%s</td><td class=\"n\">%,d</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                      + "<td class=\"n\">%s</td></tr>%n",
                  e.getKey().name().toLowerCase(Locale.ROOT),
                  h.getTotalCount(),
                  ms(h.getValueAtPercentile(50) / 1000.0),
                  ms(h.getValueAtPercentile(99) / 1000.0),
                  ms(h.getMaxValue() / 1000.0)));
        }
        b.append("</table>\n");
      }
    }

    private void splitAtDecidedAt() {
      if (r.untilDecided().getTotalCount() > 0) {
        b.append(
            "<p>The same latencies split at each decision's <code>decided_at</code>: before it the request waited in "
                + "the producer, the broker, the instance's poll loop and the decider; after it, in the exactly-once commit, "
                + "the <code>read_committed</code> fetch or the HTTP reply.</p>\n");
        b.append(
            "<table><tr><th>part</th><th>p50</th><th>p99</th><th>p99.9</th><th>max</th></tr>\n");
        splitRow(b, "until decided_at", r.untilDecided());
        splitRow(b, "after decided_at", r.afterDecided());
        b.append("</table>\n");
      }
    }

    private void mismatches() {
      if (!r.mismatchSamples().isEmpty()) {
        b.append("<p class=\"bad\">Mismatches (first ")
            .append(r.mismatchSamples().size())
            .append("):</p><ul>");
        r.mismatchSamples()
            .forEach(s -> b.append("<li><code>").append(SvgChart.esc(s)).append("</code></li>"));
        b.append("</ul>\n");
      }
    }

    /** Latency, throughput and requests in flight, second by second. */
    private void timelineCharts() {
      List<LoadResult.Sample> tl = r.timeline();
      int n = tl.size();
      double[] x = new double[n];
      double[] p50 = new double[n];
      double[] p99 = new double[n];
      double[] max = new double[n];
      double[] sent = new double[n];
      double[] decided = new double[n];
      double[] inFlight = new double[n];
      for (int i = 0; i < n; i++) {
        LoadResult.Sample s = tl.get(i);
        x[i] = s.second();
        p50[i] = s.p50Micros() / 1000.0;
        p99[i] = s.p99Micros() / 1000.0;
        max[i] = s.maxMicros() / 1000.0;
        sent[i] = s.sent();
        decided[i] = s.decided();
        inFlight[i] = s.inFlight();
      }
      b.append(
          new SvgChart(
                  "Latency over time (decisions arriving in each second)",
                  "seconds since the first send",
                  "latency, ms (log)",
                  false,
                  true)
              .add("p50", "#1f77b4", x, p50)
              .add("p99", "#d62728", x, p99)
              .add("max", "#999999", x, max)
              .render());
      b.append(
          new SvgChart(
                  "Throughput and requests in flight",
                  "seconds since the first send",
                  "per second / in flight",
                  false,
                  false)
              .add("sent/s", "#2ca02c", x, sent)
              .add("decided/s", "#1f77b4", x, decided)
              .add("in flight", "#ff7f0e", x, inFlight)
              .render());
    }

    private void percentileChart() {
      List<Double> px = new ArrayList<>();
      List<Double> py = new ArrayList<>();
      if (r.latency().getTotalCount() > 0) {
        for (HistogramIterationValue v : r.latency().percentiles(5)) {
          double pct = v.getPercentileLevelIteratedTo();
          if (pct >= 100) {
            break;
          }
          px.add(1 / (1 - pct / 100));
          py.add(v.getValueIteratedTo() / 1000.0);
        }
      }
      SvgChart pc =
          new SvgChart(
                  "Latency by percentile (whole run)",
                  "percentile",
                  "latency, ms (log)",
                  true,
                  true)
              .add(
                  "latency",
                  "#d62728",
                  px.stream().mapToDouble(Double::doubleValue).toArray(),
                  py.stream().mapToDouble(Double::doubleValue).toArray());
      pc.xTick(1, "0%")
          .xTick(2, "50%")
          .xTick(10, "90%")
          .xTick(100, "99%")
          .xTick(1_000, "99.9%")
          .xTick(10_000, "99.99%")
          .xTick(100_000, "99.999%");
      b.append(pc.render());
    }
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static String ms(double millis) {
    return millis >= 1000
        ? String.format(Locale.ROOT, "%.2f s", millis / 1000)
        : String.format(Locale.ROOT, "%.1f ms", millis);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String fmtPct(double p) {
    return p == Math.rint(p) ? Integer.toString((int) p) : Double.toString(p).replace('.', '_');
  }
}
