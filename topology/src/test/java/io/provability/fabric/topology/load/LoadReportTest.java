package io.provability.fabric.topology.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.RequestKind;
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
  private static final LoadProfile PROFILE = new LoadProfile(1_000, Duration.ofSeconds(10), 20_000, 8, 50,
      LoadProfile.Mix.parse("plan=1"), 0.7, 0.8, 1L);

  @TempDir
  Path dir;

  private static LoadResult result(long latencyMicros, long lost, long mismatches, long inFlightGrowth, int sessions) {
    Histogram h = new Histogram(1, LoadGenerator.MAX_LATENCY_MICROS, 3);
    h.recordValueWithCount(latencyMicros, 10_000 - lost);
    List<LoadResult.Sample> tl = new ArrayList<>();
    for (int s = 1; s <= 10; s++) {
      tl.add(new LoadResult.Sample(s, 1_000, 1_000, 50 + inFlightGrowth * s, 0, latencyMicros, latencyMicros, latencyMicros));
    }
    return new LoadResult("run", "p-", "kafka", PROFILE, Instant.EPOCH, 10_000, 10_000 - lost, 0, mismatches, List.of(),
        0, null, lost, h, Map.of(RequestKind.PLAN, h), tl, 10.0, 500, sessions, h, h);
  }

  @Test
  void aCleanFastRunPassesEveryCheckAndWritesBothFiles() throws Exception {
    LoadReport report = new LoadReport("smoke", "fabric load smoke", Instant.EPOCH, Map.of("k", "v"),
        List.of(result(20_000, 0, 0, 0, 12_000)), List.of(), List.of(), null, true);
    assertThat(report.checks()).allMatch(LoadReport.Check::met);
    assertThat(report.passed(true)).isTrue();
    Path html = report.write(dir, "smoke-x");
    assertThat(Files.readString(html)).contains("<svg").contains("PASSED").doesNotContain("<script");
    assertThat(Files.readString(dir.resolve("smoke-x.json"))).contains("\"passed\": true").contains("\"p99\": 20.");
  }

  @Test
  void aSlowOrLossyRunBreachesTheSeedSlosAndCorrectness() {
    LoadReport slow = new LoadReport("smoke", "c", Instant.EPOCH, Map.of(), List.of(result(4_500_000, 0, 0, 0, 12_000)),
        List.of(), List.of(), null, true);
    assertThat(slow.passed(false)).isFalse();
    assertThat(slow.checks()).filteredOn(c -> !c.met()).extracting(LoadReport.Check::name)
        .containsExactlyInAnyOrder("p95 latency", "p99 latency");
    LoadReport lossy = new LoadReport("smoke", "c", Instant.EPOCH, Map.of(), List.of(result(20_000, 1, 2, 0, 9_000)),
        List.of(), List.of(), null, true);
    assertThat(lossy.checks()).filteredOn(c -> !c.met()).extracting(LoadReport.Check::name)
        .containsExactlyInAnyOrder("every request decided (none lost or still undecided at the drain timeout)", "every decision as the generator expected", "concurrent sessions");
  }

  @Test
  void stressGoalsAreReportedButFailOnlyWhenAsked() {
    LoadReport report = new LoadReport("stress", "c", Instant.EPOCH, Map.of(), List.of(result(80_000, 0, 0, 0, 12_000)),
        List.of(), List.of(), null, true);
    assertThat(report.passed(false)).isTrue();
    assertThat(report.passed(true)).isFalse();
    assertThat(report.checks()).filteredOn(c -> !c.met()).extracting(LoadReport.Check::name)
        .containsExactly("stress p99 end to end");
  }

  @Test
  void aCeilingStepIsSustainedOnlyUnderTheBarWithFlatBacklog() {
    assertThat(LoadSession.judge(result(40_000, 0, 0, 0, 12_000), 100)).isEmpty();
    assertThat(LoadSession.judge(result(150_000, 0, 0, 0, 12_000), 100)).contains("p99");
    assertThat(LoadSession.judge(result(40_000, 0, 0, 400, 12_000), 100)).contains("in flight grew");
    assertThat(LoadSession.judge(result(40_000, 3, 0, 0, 12_000), 100)).contains("3 lost");
  }
}
