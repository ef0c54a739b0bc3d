package io.provability.fabric.sinks.decisionlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.sinks.testing.MutableClock;
import io.provability.fabric.sinks.testing.PostgresFixture;
import io.provability.fabric.sinks.testing.TestEvents;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The decision log against a real PostgreSQL. */
class DecisionLogTest {

  private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  private static PostgresFixture postgres;

  @BeforeAll
  static void startPostgres(@TempDir Path dir) {
    postgres = PostgresFixture.start(dir);
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  private static DecisionLog open(MutableClock clock, DecisionLogConfig.WriteMode mode) {
    return DecisionLog.open(
        DecisionLogConfig.builder()
            .jdbcUrl(postgres.newDatabase())
            .user(postgres.user())
            .password(postgres.password())
            .poolMaxSize(4)
            .writeMode(mode)
            .maintenanceInterval(Duration.ZERO)
            .build(),
        clock);
  }

  /** 250 decisions spread over today and the two days before. */
  private static List<Decision> decisions() {
    List<Decision> out = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      out.add(TestEvents.decision(i, NOW.minus(Duration.ofDays(i % 3)).minusSeconds(i)));
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(DecisionLogConfig.WriteMode.class)
  void writingTheSameDecisionsTwiceKeepsOneRowPerDecision(DecisionLogConfig.WriteMode mode) {
    try (DecisionLog log = open(new MutableClock(NOW), mode)) {
      List<Decision> decisions = decisions();

      DecisionLogWriter.WriteResult first = log.writer().write(decisions);
      DecisionLogWriter.WriteResult second = log.writer().write(decisions);

      assertThat(first.inserted()).isEqualTo(250);
      assertThat(first.batches()).isEqualTo(3); // 100 + 100 + 50
      assertThat(second.inserted()).isZero();
      assertThat(second.duplicates()).isEqualTo(250);
      assertThat(log.reader().totalRows()).isEqualTo(250);
    }
  }

  @Test
  void aPoolOfOneConnectionIsEnoughForMigrationWritesAndReads() {
    try (DecisionLog log =
        DecisionLog.open(
            DecisionLogConfig.builder()
                .jdbcUrl(postgres.newDatabase())
                .user(postgres.user())
                .password(postgres.password())
                .poolMaxSize(1)
                .poolMinIdle(1)
                .maintenanceInterval(Duration.ZERO)
                .build(),
            new MutableClock(NOW))) {
      assertThat(log.writer().write(decisions()).inserted()).isEqualTo(250);
      assertThat(log.reader().rowsPerPartition()).containsEntry("decision_log_p20261127", 84L);
    }
  }

  @ParameterizedTest
  @EnumSource(DecisionLogConfig.WriteMode.class)
  void duplicatesInsideOneBatchAreWrittenOnce(DecisionLogConfig.WriteMode mode) {
    try (DecisionLog log = open(new MutableClock(NOW), mode)) {
      Decision d = TestEvents.decision(7, NOW);
      List<Decision> batch = new ArrayList<>(List.of(d));
      for (int i = 100; i < 150; i++) {
        batch.add(TestEvents.decision(i, NOW));
      }
      batch.add(d);
      batch.add(d);

      DecisionLogWriter.WriteResult result = log.writer().write(batch);

      assertThat(result.inserted()).isEqualTo(51);
      assertThat(result.duplicates()).isEqualTo(2);
      assertThat(log.reader().totalRows()).isEqualTo(51);
      assertThat(log.reader().findDecision("dec-7")).isPresent();
      assertThat(log.reader().findDecision("dec-149")).isPresent();
    }
  }

  /**
   * {@code writeConcurrency} 3: the ten batches of a call are written by three threads at once,
   * each on its own connection; every decision still ends up exactly once, also when a call replays
   * stored rows.
   */
  @ParameterizedTest
  @EnumSource(DecisionLogConfig.WriteMode.class)
  void concurrentBatchesWriteEveryDecisionExactlyOnce(DecisionLogConfig.WriteMode mode) {
    try (DecisionLog log =
        DecisionLog.open(
            DecisionLogConfig.builder()
                .jdbcUrl(postgres.newDatabase())
                .user(postgres.user())
                .password(postgres.password())
                .poolMaxSize(4)
                .writeMode(mode)
                .writeConcurrency(3)
                .maintenanceInterval(Duration.ZERO)
                .build(),
            new MutableClock(NOW))) {
      List<Decision> decisions = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        decisions.add(TestEvents.decision(i, NOW.minus(Duration.ofDays(i % 3)).minusSeconds(i)));
      }

      assertThat(log.writer().write(decisions).inserted()).isEqualTo(1_000);

      List<Decision> replayAndNew = new ArrayList<>(decisions);
      for (int i = 1_000; i < 1_100; i++) {
        replayAndNew.add(TestEvents.decision(i, NOW.minusSeconds(i)));
      }
      DecisionLogWriter.WriteResult again = log.writer().write(replayAndNew);
      assertThat(again.inserted()).isEqualTo(100);
      assertThat(again.duplicates()).isEqualTo(1_000);
      assertThat(log.reader().totalRows()).isEqualTo(1_100);
      assertThat(log.reader().rowsPerPartition()).containsEntry("decision_log_p20261125", 333L);
    }
  }

  /**
   * A batch PostgreSQL refuses (a NUL character in a text column) fails the whole concurrent call
   * with a non-retriable error, and the helper threads are free again: the next call writes
   * everything.
   */
  @ParameterizedTest
  @EnumSource(DecisionLogConfig.WriteMode.class)
  void aRefusedBatchFailsTheConcurrentCallAndLeavesTheWriterUsable(
      DecisionLogConfig.WriteMode mode) {
    try (DecisionLog log =
        DecisionLog.open(
            DecisionLogConfig.builder()
                .jdbcUrl(postgres.newDatabase())
                .user(postgres.user())
                .password(postgres.password())
                .poolMaxSize(4)
                .writeMode(mode)
                .writeConcurrency(3)
                .maintenanceInterval(Duration.ZERO)
                .build(),
            new MutableClock(NOW))) {
      List<Decision> decisions = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        decisions.add(TestEvents.decision(i, NOW.minusSeconds(i)));
      }
      List<Decision> withBadRow = new ArrayList<>(decisions);
      Decision bad = TestEvents.decision(5_000, NOW);
      bad.setSubjectId("agent\u0000");
      withBadRow.set(550, bad);

      Assertions.assertThatThrownBy(() -> log.writer().write(withBadRow))
          .isInstanceOfSatisfying(
              DecisionLogException.class, e -> assertThat(e.retriable()).isFalse());
      assertThat(log.reader().totalRows()).isLessThan(1_000);

      assertThat(log.writer().write(decisions).attempted()).isEqualTo(1_000);
      assertThat(log.reader().totalRows()).isEqualTo(1_000);
      assertThat(log.reader().findDecision("dec-5000")).isEmpty();
    }
  }

  /**
   * COPY mode: new rows go in by COPY (one statement per batch); a call that replays rows, wholly
   * or in part, falls back to the conflict-skipping insert and still leaves exactly one row per
   * decision; the next call of new rows is back on COPY.
   */
  @Test
  void copyModeIsIdempotentOnTheDecisionId() {
    try (DecisionLog log = open(new MutableClock(NOW), DecisionLogConfig.WriteMode.COPY)) {
      List<Decision> decisions = decisions();

      DecisionLogWriter.WriteResult fresh = log.writer().write(decisions);
      assertThat(fresh.inserted()).isEqualTo(250);
      assertThat(fresh.batches()).as("one COPY per batch, no fallback").isEqualTo(3);

      DecisionLogWriter.WriteResult replay = log.writer().write(decisions);
      assertThat(replay.inserted()).isZero();
      assertThat(replay.duplicates()).isEqualTo(250);
      assertThat(replay.batches())
          .as("the first COPY fails, then three INSERT ... ON CONFLICT")
          .isEqualTo(4);
      assertThat(log.reader().totalRows()).isEqualTo(250);

      // a redelivery that overlaps: 50 decisions already written, then 100 new ones
      List<Decision> overlap = new ArrayList<>(decisions.subList(200, 250));
      for (int i = 1_000; i < 1_100; i++) {
        overlap.add(TestEvents.decision(i, NOW.minusSeconds(i)));
      }
      DecisionLogWriter.WriteResult mixed = log.writer().write(overlap);
      assertThat(mixed.inserted()).isEqualTo(100);
      assertThat(mixed.duplicates()).isEqualTo(50);
      assertThat(log.reader().totalRows()).isEqualTo(350);

      List<Decision> later = new ArrayList<>();
      for (int i = 2_000; i < 2_100; i++) {
        later.add(TestEvents.decision(i, NOW.minusSeconds(i)));
      }
      DecisionLogWriter.WriteResult next = log.writer().write(later);
      assertThat(next.inserted()).isEqualTo(100);
      assertThat(next.batches()).as("a new call starts on COPY again").isEqualTo(1);
      assertThat(log.reader().totalRows()).isEqualTo(450);
      assertThat(log.reader().findDecision("dec-2099").orElseThrow().event())
          .isEqualTo(TestEvents.encode(later.get(99)));
    }
  }

  @ParameterizedTest
  @EnumSource(DecisionLogConfig.WriteMode.class)
  void rowsLandInTheirDayPartitionWithEveryAuditColumn(DecisionLogConfig.WriteMode mode) {
    try (DecisionLog log = open(new MutableClock(NOW), mode)) {
      log.writer().write(decisions());

      Map<String, Long> perPartition = log.reader().rowsPerPartition();
      // 250 = 84 (i % 3 == 0) + 83 + 83; decided_at minus up to 249 s stays on the same day at noon
      assertThat(perPartition)
          .containsEntry("decision_log_p20261127", 84L)
          .containsEntry("decision_log_p20261126", 83L)
          .containsEntry("decision_log_p20261125", 83L)
          .containsEntry("decision_log_p20261130", 0L);

      Decision original = TestEvents.decision(1, NOW.minus(Duration.ofDays(1)).minusSeconds(1));
      DecisionLogReader.LoggedDecision row = log.reader().findDecision("dec-1").orElseThrow();
      assertThat(row.partition()).isEqualTo("decision_log_p20261126");
      assertThat(row.decidedOn()).isEqualTo(LocalDate.parse("2026-11-26"));
      assertThat(row.decidedAt()).isEqualTo(original.getDecidedAt());
      assertThat(row.verdict()).isEqualTo("DENY");
      assertThat(row.kind()).isEqualTo("PLAN");
      assertThat(row.reasonCodes()).containsExactly("CAP_MISS", "RESOURCE_OUT_OF_SCOPE");
      assertThat(row.reasonsJson())
          .contains("\"code\": \"CAP_MISS\"")
          .contains("no capability \\\"send\\\"");
      assertThat(row.tokenId()).isEqualTo("tok-1");
      assertThat(row.policyVersion()).isEqualTo(42);
      assertThat(row.evalMicros()).isEqualTo(101);
      assertThat(row.requestHash()).isEqualTo(Bytes.toArray(original.getRequestHash()));
      assertThat(row.event()).isEqualTo(TestEvents.encode(original));
      assertThat(log.reader().decode(row)).isEqualTo(original);

      DecisionLogReader.LoggedDecision noToken = log.reader().findDecision("dec-10").orElseThrow();
      assertThat(noToken.tokenId()).isNull();
      assertThat(noToken.reasonCodes()).isEmpty();
      assertThat(noToken.matchedCapabilities()).containsExactly("read:docs");
      assertThat(log.reader().findByRequestId("req-10")).hasSize(1);
      assertThat(log.reader().countsByVerdict())
          .containsEntry("ALLOW", 125L)
          .containsEntry("DENY", 125L);
    }
  }

  @Test
  void openCreatesPartitionsFromRetentionToDaysAhead() {
    try (DecisionLog log =
        open(new MutableClock(NOW), DecisionLogConfig.WriteMode.MULTI_ROW_INSERT)) {
      assertThat(log.partitions().partitionDays()).first().isEqualTo(LocalDate.parse("2026-11-20"));
      assertThat(log.partitions().partitionDays())
          .hasSize(7 + 1 + 3)
          .last()
          .isEqualTo(LocalDate.parse("2026-11-30"));
    }
  }

  @Test
  void maintenanceCreatesAheadAndDropsExpiredPartitionsAsTheClockMoves() {
    MutableClock clock = new MutableClock(NOW);
    try (DecisionLog log = open(clock, DecisionLogConfig.WriteMode.MULTI_ROW_INSERT)) {
      log.writer()
          .write(
              List.of(
                  TestEvents.decision(1, Instant.parse("2026-11-20T08:00:00Z")),
                  TestEvents.decision(2, Instant.parse("2026-11-21T08:00:00Z")),
                  TestEvents.decision(3, Instant.parse("2026-11-22T08:00:00Z"))));
      // two checkpoints in the same old hour (the smaller one is thinned) and the leaf rows of a
      // dropped day
      for (long size = 1; size <= 2; size++) {
        log.evidenceLog()
            .record(
                new EvidenceLogIndex.CheckpointRow(
                    "o/0",
                    size,
                    new byte[32],
                    new byte[] {1},
                    "ev",
                    0,
                    size,
                    Instant.parse("2026-11-20T08:00:0" + size + "Z")),
                List.of(
                    new EvidenceLogIndex.LeafRow(
                        LocalDate.parse("2026-11-20"), "dec-1" + size, "o/0", size - 1)));
      }

      clock.advance(Duration.ofDays(2));
      PartitionManager.MaintenanceResult result = log.partitions().maintain();

      assertThat(result.created())
          .containsExactly("decision_log_p20261201", "decision_log_p20261202");
      assertThat(result.dropped())
          .containsExactly("decision_log_p20261120", "decision_log_p20261121");
      assertThat(result.checkpointsThinned()).isEqualTo(1);
      assertThat(log.evidenceLog().checkpoints("o/0"))
          .extracting(EvidenceLogIndex.CheckpointRow::size)
          .containsExactly(2L);
      assertThat(log.partitions().partitionDays()).first().isEqualTo(LocalDate.parse("2026-11-22"));
      assertThat(log.reader().totalRows()).isEqualTo(1);
      assertThat(log.reader().findDecision("dec-3")).isPresent();
      assertThat(log.reader().decisionEvidenceCount())
          .isZero(); // its day partition was dropped too

      assertThat(log.partitions().maintain().created()).isEmpty(); // idempotent
    }
  }

  @Test
  void theScheduledJobMaintainsPartitionsWhenTheInjectedClockMovesOn() {
    MutableClock clock = new MutableClock(NOW);
    try (DecisionLog log =
        DecisionLog.open(
            DecisionLogConfig.builder()
                .jdbcUrl(postgres.newDatabase())
                .user(postgres.user())
                .password(postgres.password())
                .poolMaxSize(2)
                .maintenanceInterval(Duration.ofMillis(50))
                .build(),
            clock)) {
      assertThat(log.partitions().partitionDays()).first().isEqualTo(LocalDate.parse("2026-11-20"));

      // nobody calls maintain(): the job scheduled by open() sees the new day on its next run
      clock.advance(Duration.ofDays(2));

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(log.partitions().partitionDays())
                    .first()
                    .isEqualTo(LocalDate.parse("2026-11-22"));
                assertThat(log.partitions().partitionDays())
                    .last()
                    .isEqualTo(LocalDate.parse("2026-12-02"));
              });
    }
  }

  @Test
  void aDecisionForADayWithoutPartitionIsNotLost() {
    try (DecisionLog log =
        open(new MutableClock(NOW), DecisionLogConfig.WriteMode.MULTI_ROW_INSERT)) {
      Decision replayed = TestEvents.decision(1, Instant.parse("2026-10-01T23:59:59.999Z"));
      Decision skewed = TestEvents.decision(2, Instant.parse("2026-12-15T00:00:00Z"));

      DecisionLogWriter.WriteResult result = log.writer().write(List.of(replayed, skewed));

      assertThat(result.inserted()).isEqualTo(2);
      assertThat(log.reader().findDecision("dec-1").orElseThrow().partition())
          .isEqualTo("decision_log_p20261001");
      assertThat(log.reader().findDecision("dec-2").orElseThrow().partition())
          .isEqualTo("decision_log_p20261215");

      // retention still applies to the replayed day at the next maintenance; the future day stays
      assertThat(log.partitions().maintain().dropped()).containsExactly("decision_log_p20261001");
      assertThat(log.reader().findDecision("dec-2")).isPresent();
    }
  }

  @Test
  void twoWritersCreatingTheSameMissingPartitionsConcurrentlyBothSucceed() throws Exception {
    String url = postgres.newDatabase();
    DecisionLogConfig config =
        DecisionLogConfig.builder()
            .jdbcUrl(url)
            .user(postgres.user())
            .password(postgres.password())
            .poolMaxSize(2)
            .maintenanceInterval(Duration.ZERO)
            .build();
    try (DecisionLog a = DecisionLog.open(config, new MutableClock(NOW));
        DecisionLog b = DecisionLog.open(config, new MutableClock(NOW))) {
      List<Decision> old = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        old.add(
            TestEvents.decision(
                i, Instant.parse("2026-09-01T00:00:00Z").plus(Duration.ofDays(i % 20))));
      }
      var pool = Executors.newFixedThreadPool(2);
      try {
        var fa = pool.submit(() -> a.writer().write(old));
        var fb = pool.submit(() -> b.writer().write(old));
        assertThat(fa.get().inserted() + fb.get().inserted()).isEqualTo(200);
      } finally {
        pool.shutdown();
      }
      assertThat(a.reader().totalRows()).isEqualTo(200);
      assertThat(a.reader().rowsPerPartition())
          .containsEntry("decision_log_p20260901", 10L)
          .containsEntry("decision_log_p20260920", 10L);
    }
  }

  @Test
  void aPartitionDroppedBehindTheWritersBackIsRecreated() {
    MutableClock clock = new MutableClock(NOW);
    try (DecisionLog log = open(clock, DecisionLogConfig.WriteMode.MULTI_ROW_INSERT)) {
      log.writer().write(List.of(TestEvents.decision(1, NOW))); // caches "today has a partition"
      try (var c = log.dataSource().getConnection();
          var s = c.createStatement()) {
        s.execute("DROP TABLE decision_log_p20261127");
      } catch (SQLException e) {
        throw new AssertionError(e);
      }
      assertThat(log.writer().write(List.of(TestEvents.decision(2, NOW))).inserted()).isEqualTo(1);
      assertThat(log.reader().findDecision("dec-2")).isPresent();
    }
  }

  @Test
  void checkpointsAndLeafRowsAreRecordedOnceInOneTransaction() {
    try (DecisionLog log =
        open(new MutableClock(NOW), DecisionLogConfig.WriteMode.MULTI_ROW_INSERT)) {
      EvidenceLogIndex index = log.evidenceLog();
      LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
      List<EvidenceLogIndex.LeafRow> leaves =
          List.of(
              new EvidenceLogIndex.LeafRow(today, "dec-10", "log/0", 0),
              new EvidenceLogIndex.LeafRow(
                  today.minusDays(30), "dec-11", "log/0", 1)); // a day with no partition yet
      EvidenceLogIndex.CheckpointRow row =
          new EvidenceLogIndex.CheckpointRow(
              "log/0",
              2,
              new byte[32],
              "note".getBytes(StandardCharsets.UTF_8),
              "fabric.evidence",
              0,
              17,
              NOW);

      index.record(row, leaves);
      index.record(row, leaves); // a retry after a crash changes nothing

      assertThat(index.latest("log/0"))
          .get()
          .satisfies(
              c -> {
                assertThat(c.size()).isEqualTo(2);
                assertThat(c.nextOffset()).isEqualTo(17);
                assertThat(c.publishedAt()).isEqualTo(NOW);
              });
      assertThat(index.origins()).containsExactly("log/0");
      assertThat(log.reader().decisionEvidenceCount()).isEqualTo(2);
      assertThat(index.leavesOf(List.of("dec-11")))
          .singleElement()
          .satisfies(l -> assertThat(l.leafIndex()).isEqualTo(1));
      assertThat(index.leavesIn("log/0", 1, 5))
          .extracting(EvidenceLogIndex.LeafRow::decisionId)
          .containsExactly("dec-11");
    }
  }
}
