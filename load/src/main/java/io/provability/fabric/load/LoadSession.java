package io.provability.fabric.load;

import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.topology.traffic.LoadProfile;
import io.provability.fabric.topology.traffic.LoadTraffic;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Runs a scenario over one transport: an optional warm-up, then either one constant-rate run or the
 * ceiling search — rates rising by a factor per step until a step is not sustained (p99 at or over
 * the bar, anything lost or wrongly decided, the sender unable to keep the rate, or requests in
 * flight growing through the step).
 */
public final class LoadSession {
  /**
   * Told before and after every run (warm-up, scenario run, ceiling step), e.g. to measure its
   * cost.
   */
  public interface RunObserver {
    /** Called just before the run's first send. */
    void before(String name) throws Exception;

    /** Called when the run has drained. */
    void after(String name, LoadResult result) throws Exception;
  }

  /** Settings of the ceiling search. */
  public record CeilingSettings(
      double startRate,
      double factor,
      Duration stepDuration,
      double maxRate,
      double p99BarMillis) {}

  private final Transport transport;
  private final Ed25519.SigningKey issuer;
  private final Clock clock;
  private final LoadGenerator generator;
  private final String runId;
  private final PrintStream progressOut;
  private int runs;
  private RunObserver observer =
      new RunObserver() {
        @Override
        public void before(String name) {}

        @Override
        public void after(String name, LoadResult result) {}
      };

  /**
   * @param runId a short id unique to this invocation; request and session ids start with it
   * @param progressOut where the live progress line goes (stderr), or null for none
   */
  public LoadSession(
      Transport transport,
      Ed25519.SigningKey issuer,
      Clock clock,
      LoadGenerator generator,
      String runId,
      PrintStream progressOut) {
    this.transport = transport;
    this.issuer = issuer;
    this.clock = clock;
    this.generator = generator;
    this.runId = runId;
    this.progressOut = progressOut;
  }

  /** Observes every later run. */
  public LoadSession observe(RunObserver observer) {
    this.observer = observer;
    return this;
  }

  /** The prefix of the session ids of this invocation. */
  public String sessionPrefix() {
    return runId + "-";
  }

  /** Sends {@code profile} once; every request id starts with {@code <runId>-<n>-}. */
  public LoadResult run(String name, LoadProfile profile) throws Exception {
    String prefix = runId + "-" + (runs++) + "-";
    LoadTraffic traffic = new LoadTraffic(prefix, sessionPrefix(), profile, issuer, clock);
    observer.before(name);
    LoadResult r = generator.run(name, profile, traffic, transport, progress(name, profile.rate()));
    observer.after(name, r);
    if (progressOut != null) {
      progressOut.printf(
          "%n  %s: sent %,d, decided %,d, lost %,d, duplicates %,d, mismatches %,d, send errors %,d; "
              + "p50 %s, p99 %s, max %s%n",
          name,
          r.sent(),
          r.decided(),
          r.lost(),
          r.duplicates(),
          r.mismatches(),
          r.sendErrors(),
          LoadReport.ms(r.percentileMillis(50)),
          LoadReport.ms(r.percentileMillis(99)),
          LoadReport.ms(r.latency().getMaxValue() / 1000.0));
      if (r.untilDecided().getTotalCount() > 0) {
        progressOut.printf(
            "  %s: split at decided_at: until decided p50 %s, p99 %s; after decided (commit, fetch) p50 %s, "
                + "p99 %s%n",
            name,
            LoadReport.ms(r.untilDecided().getValueAtPercentile(50) / 1000.0),
            LoadReport.ms(r.untilDecided().getValueAtPercentile(99) / 1000.0),
            LoadReport.ms(r.afterDecided().getValueAtPercentile(50) / 1000.0),
            LoadReport.ms(r.afterDecided().getValueAtPercentile(99) / 1000.0));
      }
    }
    return r;
  }

  /**
   * The ceiling search; returns every step. Rates rise by the factor until a step is not sustained;
   * if even the first is not, the rate is halved (at most three times) to find one that is.
   */
  public List<LoadReport.CeilingStep> ceiling(LoadProfile base, CeilingSettings s)
      throws Exception {
    List<LoadReport.CeilingStep> steps = new ArrayList<>();
    for (double rate = s.startRate(); rate <= s.maxRate(); rate *= s.factor()) {
      double r = Math.round(rate);
      LoadResult result =
          run(
              String.format(Locale.ROOT, "ceiling step %,.0f/s", r),
              base.withRate(r, s.stepDuration()));
      String why = judge(result, s.p99BarMillis());
      steps.add(
          new LoadReport.CeilingStep(
              r,
              result,
              why.isEmpty(),
              why.isEmpty()
                  ? "p99 "
                      + LoadReport.ms(result.percentileMillis(99))
                      + " < "
                      + LoadReport.ms(s.p99BarMillis())
                      + ", in flight flat, nothing lost"
                  : why));
      if (progressOut != null) {
        progressOut.printf(
            "  ceiling step %,.0f/s: %s%n",
            r, why.isEmpty() ? "sustained" : "NOT sustained: " + why);
      }
      if (!why.isEmpty()) {
        break;
      }
    }
    // the first rate was already too much: halve it (three times at most) to find a sustainable
    // floor
    double down = s.startRate() / 2;
    for (int tries = 0;
        tries < 3 && steps.stream().noneMatch(LoadReport.CeilingStep::sustained) && down >= 10;
        tries++) {
      double r = Math.round(down);
      LoadResult result =
          run(
              String.format(Locale.ROOT, "ceiling step %,.0f/s", r),
              base.withRate(r, s.stepDuration()));
      String why = judge(result, s.p99BarMillis());
      steps.add(
          new LoadReport.CeilingStep(
              r,
              result,
              why.isEmpty(),
              why.isEmpty()
                  ? "p99 "
                      + LoadReport.ms(result.percentileMillis(99))
                      + " < "
                      + LoadReport.ms(s.p99BarMillis())
                      + ", in flight flat, nothing lost"
                  : why));
      if (progressOut != null) {
        progressOut.printf(
            "  ceiling step %,.0f/s: %s%n",
            r, why.isEmpty() ? "sustained" : "NOT sustained: " + why);
      }
      down /= 2;
    }
    return steps;
  }

  /** Why a step is not sustained, or "" if it is. */
  static String judge(LoadResult r, double p99BarMillis) {
    List<String> why = new ArrayList<>();
    if (r.percentileMillis(99) >= p99BarMillis) {
      why.add(
          "p99 " + LoadReport.ms(r.percentileMillis(99)) + " >= " + LoadReport.ms(p99BarMillis));
    }
    if (r.lost() + r.mismatches() + r.sendErrors() > 0) {
      why.add(
          r.lost()
              + " lost, "
              + r.mismatches()
              + " mismatched, "
              + r.sendErrors()
              + " send errors");
    }
    if (r.sentRate() < 0.95 * r.profile().rate()) {
      why.add(String.format(Locale.ROOT, "the sender managed only %,.0f/s", r.sentRate()));
    }
    List<LoadResult.Sample> tl = r.timeline();
    int sendSeconds = (int) Math.floor(r.sendSeconds());
    if (sendSeconds >= 6 && tl.size() >= sendSeconds) {
      double middle = meanInFlight(tl, sendSeconds / 3, 2 * sendSeconds / 3);
      double last = meanInFlight(tl, 2 * sendSeconds / 3, sendSeconds);
      // growing lag: the backlog of the last third is well above the middle third's and above what
      // a
      // p99 under the bar would hold (rate x bar)
      if (last > 1.5 * middle + r.profile().rate() * p99BarMillis / 1000.0) {
        why.add(
            String.format(
                Locale.ROOT, "requests in flight grew from %,.0f to %,.0f", middle, last));
      }
    }
    return String.join("; ", why);
  }

  private static double meanInFlight(List<LoadResult.Sample> tl, int from, int to) {
    return tl.subList(from, Math.max(from + 1, to)).stream()
        .mapToLong(LoadResult.Sample::inFlight)
        .average()
        .orElse(0);
  }

  private Consumer<LoadResult.Sample> progress(String name, double rate) {
    if (progressOut == null) {
      return s -> {};
    }
    return s ->
        progressOut.printf(
            Locale.ROOT,
            "\r  [%s] %4ds  sent %,6d/s  decided %,6d/s  in flight %,7d  p99 %9s  max %9s  "
                + "errors %,d   ",
            name,
            s.second(),
            s.sent(),
            s.decided(),
            s.inFlight(),
            LoadReport.ms(s.p99Micros() / 1000.0),
            LoadReport.ms(s.maxMicros() / 1000.0),
            s.errors());
  }
}
