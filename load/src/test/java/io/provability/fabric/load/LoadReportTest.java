package io.provability.fabric.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.RequestKind;
import io.provability.fabric.topology.traffic.LoadProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's verdicts on hand-made results: SLO bars, correctness, ceiling judgement, files. */
class LoadReportTest {
  private static final LoadProfile PROFILE =
      new LoadProfile(
          1_000,
          Duration.ofSeconds(10),
          20_000,
          8,
          50,
          LoadProfile.Mix.parse("plan=1"),
          0.7,
          0.8,
          1L);

  @TempDir Path dir;

  private static LoadResult result(
      long latencyMicros, long lost, long mismatches, long inFlightGrowth, int sessions) {
    return result(PROFILE, latencyMicros, lost, mismatches, inFlightGrowth, sessions);
  }

  private static LoadResult result(
      LoadProfile profile,
      long latencyMicros,
      long lost,
      long mismatches,
      long inFlightGrowth,
      int sessions) {
    Histogram h = new Histogram(1, LoadGenerator.MAX_LATENCY_MICROS, 3);
    h.recordValueWithCount(latencyMicros, 10_000 - lost);
    List<LoadResult.Sample> tl = new ArrayList<>();
    for (int s = 1; s <= 10; s++) {
      tl.add(
          new LoadResult.Sample(
              s,
              1_000,
              1_000,
              50 + inFlightGrowth * s,
              0,
              latencyMicros,
              latencyMicros,
              latencyMicros));
    }
    return new LoadResult(
        "run",
        "p-",
        "kafka",
        profile,
        Instant.EPOCH,
        10_000,
        10_000 - lost,
        0,
        mismatches,
        List.of(),
        0,
        null,
        lost,
        h,
        Map.of(RequestKind.PLAN, h),
        tl,
        10_000 / profile.rate(),
        500,
        sessions,
        h,
        h);
  }

  @Test
  void aCleanFastRunPassesEveryCheckAndWritesBothFiles() throws Exception {
    LoadReport report =
        new LoadReport(
            "smoke",
            "fabric load smoke",
            Instant.EPOCH,
            Map.of("k", "v"),
            List.of(result(20_000, 0, 0, 0, 12_000)),
            List.of(),
            List.of(),
            null,
            true);
    assertThat(report.checks()).allMatch(LoadReport.Check::met);
    assertThat(report.passed(true)).isTrue();
    Path html = report.write(dir, "smoke-x");
    assertThat(Files.readString(html))
        .contains("<svg")
        .contains("PASSED")
        .doesNotContain("<script");
    assertThat(Files.readString(dir.resolve("smoke-x.json")))
        .contains("\"passed\": true")
        .contains("\"p99\": 20.");
  }

  @Test
  void aSlowOrLossyRunBreachesTheSeedSlosAndCorrectness() {
    LoadReport slow =
        new LoadReport(
            "smoke",
            "c",
            Instant.EPOCH,
            Map.of(),
            List.of(result(4_500_000, 0, 0, 0, 12_000)),
            List.of(),
            List.of(),
            null,
            true);
    assertThat(slow.passed(false)).isFalse();
    assertThat(slow.checks())
        .filteredOn(c -> !c.met() && c.kind() != LoadReport.Kind.GOAL)
        .extracting(LoadReport.Check::name)
        .containsExactlyInAnyOrder("p95 latency", "p99 latency");
    assertThat(slow.checks())
        .filteredOn(c -> !c.met() && c.kind() == LoadReport.Kind.GOAL)
        .extracting(LoadReport.Check::name)
        .containsExactly("p99 request to readable decision at <= 1,000/s");
    LoadReport lossy =
        new LoadReport(
            "smoke",
            "c",
            Instant.EPOCH,
            Map.of(),
            List.of(result(20_000, 1, 2, 0, 9_000)),
            List.of(),
            List.of(),
            null,
            true);
    assertThat(lossy.checks())
        .filteredOn(c -> !c.met())
        .extracting(LoadReport.Check::name)
        .containsExactlyInAnyOrder(
            "every request decided (none lost or still undecided at the drain timeout)",
            "every decision as the generator expected",
            "concurrent sessions");
  }

  @Test
  void stressGoalsAreReportedButFailOnlyWhenAsked() {
    LoadProfile stress =
        new LoadProfile(
            5_000,
            Duration.ofSeconds(2),
            20_000,
            8,
            50,
            LoadProfile.Mix.parse("plan=1"),
            0.7,
            0.8,
            1L);
    LoadReport report =
        new LoadReport(
            "stress",
            "c",
            Instant.EPOCH,
            Map.of(),
            List.of(result(stress, 300_000, 0, 0, 0, 12_000)),
            List.of(),
            List.of(),
            null,
            true);
    assertThat(report.passed(false)).isTrue();
    assertThat(report.passed(true)).isFalse();
    assertThat(report.checks())
        .filteredOn(c -> !c.met())
        .extracting(LoadReport.Check::name)
        .containsExactly("stress p99 end to end");
  }

  @Test
  void aSessionFloorThatTheRunCannotReachIsNotApplicableWithTheReason() {
    LoadProfile shortRun =
        new LoadProfile(
            1_000,
            Duration.ofSeconds(5),
            20_000,
            8,
            50,
            LoadProfile.Mix.parse("plan=1"),
            0.7,
            0.8,
            1L);
    Histogram h = new Histogram(1, LoadGenerator.MAX_LATENCY_MICROS, 3);
    h.recordValueWithCount(20_000, 5_000);
    LoadResult r =
        new LoadResult(
            "run",
            "p-",
            "kafka",
            shortRun,
            Instant.EPOCH,
            5_000,
            5_000,
            0,
            0,
            List.of(),
            0,
            null,
            0,
            h,
            Map.of(RequestKind.PLAN, h),
            List.of(),
            5.0,
            500,
            3_900,
            h,
            h);
    LoadReport report =
        new LoadReport(
            "smoke", "c", Instant.EPOCH, Map.of(), List.of(r), List.of(), List.of(), null, true);
    LoadReport.Check sessions =
        report.checks().stream()
            .filter(c -> c.name().equals("concurrent sessions"))
            .findFirst()
            .orElseThrow();
    assertThat(sessions.verdict()).isEqualTo("n/a");
    assertThat(sessions.notApplicable()).contains("5,000 requests");
    assertThat(report.passed(true)).isTrue();
  }

  @Test
  void wholeBoxGoalsAreJudgedOnTheJudgedRunsWindow() {
    LoadProfile stress =
        new LoadProfile(
            5_000,
            Duration.ofSeconds(2),
            20_000,
            8,
            50,
            LoadProfile.Mix.parse("plan=1"),
            0.7,
            0.8,
            1L);
    LoadResult run = result(stress, 100_000, 0, 0, 0, 12_000);
    BrokerWrites.Writes writes =
        new BrokerWrites.Writes(
            Map.of(
                "fabric.requests",
                new BrokerWrites.TopicWrites(10_000, 0, 6_000_000),
                "fabric.decisions",
                new BrokerWrites.TopicWrites(10_000, 40, 4_000_000),
                "changelog",
                new BrokerWrites.TopicWrites(15_000, 40, 1_000_000)),
            true);
    BoxCost cost =
        new BoxCost(
            "run",
            2.0,
            10_000,
            Map.of("application", 2_000_000L, "broker", 1_000_000L),
            writes,
            Map.of("PutObject", 80L));
    BoxReport box =
        new BoxReport(
            List.of(new BoxProcesses.Member("application", 1, "test")),
            null,
            List.of(cost),
            List.of());
    LoadReport report =
        new LoadReport(
            "stress",
            "c",
            Instant.EPOCH,
            Map.of(),
            List.of(run),
            List.of(),
            List.of(),
            null,
            null,
            box,
            true);
    assertThat(report.checks())
        .filteredOn(c -> !c.met())
        .extracting(LoadReport.Check::name)
        .containsExactly(
            "CPU per decision, every process", "broker records per decision (request included)");
    assertThat(report.checks())
        .filteredOn(c -> c.name().startsWith("S3"))
        .extracting(LoadReport.Check::observed)
        .containsExactly("8.0");
    assertThat(cost.cpuMicrosPerDecision()).isEqualTo(300.0);
    assertThat(cost.recordsPerDecision()).isEqualTo(3.5);
  }

  @Test
  void aCeilingStepIsSustainedOnlyUnderTheBarWithFlatBacklog() {
    assertThat(LoadSession.judge(result(40_000, 0, 0, 0, 12_000), 100)).isEmpty();
    assertThat(LoadSession.judge(result(150_000, 0, 0, 0, 12_000), 100)).contains("p99");
    assertThat(LoadSession.judge(result(40_000, 0, 0, 400, 12_000), 100))
        .contains("in flight grew");
    assertThat(LoadSession.judge(result(40_000, 3, 0, 0, 12_000), 100)).contains("3 lost");
  }
}
