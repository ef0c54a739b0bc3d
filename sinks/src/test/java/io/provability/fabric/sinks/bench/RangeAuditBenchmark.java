package io.provability.fabric.sinks.bench;

import io.provability.fabric.embedded.S3Service;
import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.sinks.audit.AuditReport;
import io.provability.fabric.sinks.audit.AuditScope;
import io.provability.fabric.sinks.audit.LogAuditor;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import io.provability.fabric.sinks.evidence.EvidenceLogs;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import io.provability.fabric.sinks.evidence.LogSequencer;
import io.provability.fabric.sinks.testing.MutableClock;
import io.provability.fabric.sinks.testing.PostgresFixture;
import io.provability.fabric.sinks.testing.TestEvents;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What a range audit costs on a large log, as a program (not a test): {@code N} decisions at {@code
 * rate} per second of decision time go into a real PostgreSQL (rows) and through the sequencer into
 * S3Proxy (the log, one checkpoint per second of decision time, as the running sequencer publishes;
 * both from the development kit, under a temporary directory left behind; no ANALYZE, as right
 * after a load, unless {@code -Dbench.analyze=true}); then {@code fabric audit verify}'s auditor
 * checks a two-minute range in the middle, the same range again, and the whole log. Reports the
 * wall time, the S3 requests and the rows and entries each audit touched, so that the cost can be
 * compared with the range's size and the log's size.
 *
 * <pre>
 * mvn -q -o install -DskipTests
 * mvn -q -o -pl sinks test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/sinks.cp -Dmdep.includeScope=test
 * java -Xmx8g -cp sinks/target/test-classes:sinks/target/classes:$(cat /tmp/sinks.cp) \
 *     io.provability.fabric.sinks.bench.RangeAuditBenchmark [decisions=1000000] [rate=1000] [range seconds=120]
 * </pre>
 */
public final class RangeAuditBenchmark {
  private static final EvidenceLogs LOGS = new EvidenceLogs("bench.example/evidence", "log");
  private static final NoteSigner SIGNER =
      NoteSigner.fromSeed("bench.example/evidence", new byte[32]);

  private RangeAuditBenchmark() {}

  /**
   * @param args decisions (default 1,000,000), decisions per second (1,000), range in seconds (120)
   */
  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int rangeSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 120;
    Instant t0 =
        Instant.now()
            .atZone(ZoneOffset.UTC)
            .toLocalDate()
            .atStartOfDay()
            .toInstant(ZoneOffset.UTC)
            .plus(Duration.ofHours(1));
    ExecutorService writers = Executors.newFixedThreadPool(8);
    Path dir = Files.createTempDirectory("range-audit-bench-");
    try (PostgresFixture pg =
            PostgresFixture.start(Files.createDirectories(dir.resolve("postgres")));
        S3Service s3 =
            S3Service.start(Files.createDirectories(dir.resolve("s3")), Duration.ofSeconds(60));
        DecisionLog db =
            DecisionLog.open(
                DecisionLogConfig.builder()
                    .jdbcUrl(pg.newDatabase())
                    .user(pg.user())
                    .password(pg.password())
                    .poolMaxSize(4)
                    .maintenanceInterval(Duration.ZERO)
                    .build(),
                Clock.systemUTC());
        EvidenceStore store =
            EvidenceStore.open(
                EvidenceStoreConfig.builder()
                    .endpoint(URI.create(s3.endpoint()))
                    .region(S3Service.REGION)
                    .bucket("range-audit-bench")
                    .accessKey(s3.accessKey())
                    .secretKey(s3.secretKey())
                    .build())) {
      System.out.printf(
          "range audit benchmark: %,d decisions at %,d/s of decision time (%,d s), range %d s%n",
          count, rate, count / rate, rangeSeconds);
      long started = System.nanoTime();
      // the sequencer's clock follows decision time: each checkpoint is recorded as published 0.5 s
      // after the last decision it holds, as a running sequencer with 1 s checkpoints would
      MutableClock publishTime = new MutableClock(t0);
      LogSequencer seq =
          LogSequencer.open(
              LOGS,
              "fabric.evidence",
              0,
              store,
              db.evidenceLog(),
              SIGNER,
              publishTime,
              writers,
              lag -> {});
      List<Decision> second = new ArrayList<>(rate);
      for (int i = 0; i < count; i++) {
        Decision d =
            TestEvents.decision(
                "tenant-" + (i % 7),
                "session-" + (i % 20_000),
                i,
                t0.plusNanos(i * (1_000_000_000L / rate)));
        second.add(d);
        seq.add(i, TestEvents.entry(d));
        if (second.size() == rate || i == count - 1) {
          db.writer().write(second);
          publishTime.set(d.getDecidedAt().plusMillis(500));
          seq.publish();
          second.clear();
        }
        if ((i + 1) % 100_000 == 0) {
          System.out.printf("  written %,d (%.0f s)%n", i + 1, (System.nanoTime() - started) / 1e9);
        }
      }
      System.out.printf(
          "written: %,d decisions, %,d checkpoints, log size %,d, in %.1f s%n",
          count, seq.checkpointsPublished(), seq.size(), (System.nanoTime() - started) / 1e9);

      if (Boolean.getBoolean("bench.analyze")) {
        try (var c = db.dataSource().getConnection();
            var st = c.createStatement()) {
          st.execute("ANALYZE");
        }
        System.out.println("ANALYZE done");
      }
      Instant from = t0.plusSeconds(count / rate / 2);
      AuditScope range = AuditScope.timeRange(from, from.plusSeconds(rangeSeconds));
      audit("range (first)", store, db, range);
      audit("range (again)", store, db, range);
      audit("whole log", store, db, AuditScope.all());
    } finally {
      writers.shutdownNow();
    }
  }

  private static void audit(String label, EvidenceStore store, DecisionLog db, AuditScope scope) {
    Map<String, Long> before = store.requests();
    LogAuditor auditor =
        new LogAuditor(
            store,
            db.evidenceLog(),
            db.dataSource(),
            LOGS,
            List.of(SIGNER.verifier()),
            List.of(),
            progress -> {},
            Clock.systemUTC());
    AuditReport report = auditor.verify(scope);
    Map<String, Long> after = store.requests();
    System.out.printf(
        "%-14s %s: %.2f s, %s, checkpoints %,d, entries %,d, rows %,d, S3 GET %,d LIST %,d%n",
        label,
        report.ok() ? "OK" : report.mismatches().size() + " MISMATCHES",
        report.elapsed().toMillis() / 1000.0,
        scope.describe(),
        report.checkpointsVerified(),
        report.entriesVerified(),
        report.rowsChecked(),
        after.get("GET") - before.get("GET"),
        after.get("LIST") - before.get("LIST"));
  }
}
