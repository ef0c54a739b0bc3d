package io.provability.fabric.sinks.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.embedded.S3Service;
import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import io.provability.fabric.sinks.decisionlog.EvidenceLogIndex.CheckpointRow;
import io.provability.fabric.sinks.evidence.EvidenceLogs;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import io.provability.fabric.sinks.evidence.LogSequencer;
import io.provability.fabric.sinks.testing.PostgresFixture;
import io.provability.fabric.sinks.testing.TestEvents;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sequencer SIGKILLed at random points while it writes, and restarted, against real PostgreSQL
 * and S3 (S3Proxy): the log it ends with has the same bytes as one written without a crash, every
 * checkpoint it recorded is signed and consistent with the one before it, and every entry is in the
 * log exactly once.
 */
class SequencerKillTest {
  static final EvidenceLogs LOGS = new EvidenceLogs("test.example/evidence", "log");
  static final NoteSigner SIGNER = NoteSigner.fromSeed("test.example/evidence", new byte[32]);
  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final int ENTRIES = 3_000;
  private static final int PUBLISH_EVERY = 37;
  private static final int KILLS = 6;
  private static PostgresFixture postgres;
  private static S3Service s3proxy;

  @BeforeAll
  static void start(@TempDir Path postgresDir, @TempDir Path s3Dir) throws Exception {
    postgres = PostgresFixture.start(postgresDir);
    s3proxy = S3Service.start(s3Dir, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    s3proxy.close();
    postgres.close();
  }

  /**
   * Record {@code i} of the evidence partition the child reads: the same bytes in every process.
   */
  static byte[] entry(int i) {
    return TestEvents.entry(decision(i));
  }

  private static Decision decision(int i) {
    return TestEvents.decision(
        "tenant-" + (i % 3), "session-" + (i % 97), i, T0.plusMillis(i * 10L));
  }

  @Test
  void aSequencerKilledWhileWritingAndRestartedEndsWithTheBytesOfAnUninterruptedOne()
      throws Exception {
    String jdbcUrl = postgres.newDatabase();
    List<Decision> decisions =
        IntStream.range(0, ENTRIES).mapToObj(SequencerKillTest::decision).toList();
    try (DecisionLog db =
            DecisionLog.open(
                DecisionLogConfig.builder()
                    .jdbcUrl(jdbcUrl)
                    .user(postgres.user())
                    .password(postgres.password())
                    .poolMaxSize(2)
                    .build(),
                Clock.systemUTC());
        EvidenceStore store = openStore("killed")) {
      db.writer().write(decisions); // the decision rows, which the auditor matches with the entries

      Random random = new Random(20261203);
      int killed = 0;
      long sizeBefore = 0;
      for (int run = 0; run <= KILLS; run++) {
        Process child = startChild(jdbcUrl, "killed");
        BufferedReader out =
            new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String opened = out.readLine();
        while (opened != null && !opened.startsWith("opened ")) {
          opened = out.readLine(); // the child's log lines go to its standard output too
        }
        assertThat(opened).as("run %d opened its log", run).isNotNull();
        long openedAt = Long.parseLong(opened.substring("opened ".length()));
        // it resumes at the last checkpoint it recorded, never before it (and at 0 only the first
        // time)
        assertThat(openedAt).as("run %d opened at", run).isEqualTo(recordedSize(db));
        if (run > 0) {
          assertThat(openedAt).isPositive();
        }
        if (run < KILLS) {
          // let it publish a few checkpoints, then kill it a random moment later: mostly inside a
          // publish
          int publishes = 2 + random.nextInt(6);
          long reached = waitForPublishes(out, publishes);
          assertThat(reached).as("run %d progressed", run).isGreaterThan(sizeBefore);
          Thread.sleep(random.nextInt(25));
          child.destroyForcibly(); // SIGKILL
          assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
          long recorded = recordedSize(db);
          long written = store.list("log/0/tile/entries/").size();
          System.out.printf(
              "kill %d: recorded size %d, %d entry bundle objects in the bucket%n",
              run, recorded, written);
          killed++;
          sizeBefore = reached;
        } else {
          String last = drain(out);
          assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
          assertThat(child.exitValue()).as(last).isZero();
          assertThat(last).isEqualTo("done " + ENTRIES);
        }
      }
      assertThat(killed).isEqualTo(KILLS);

      // every recorded checkpoint verifies and is consistent with its predecessor; every entry and
      // row match
      AuditReport report =
          new LogAuditor(
                  store,
                  db.evidenceLog(),
                  db.dataSource(),
                  LOGS,
                  List.of(SIGNER.verifier()),
                  List.of(),
                  m -> {},
                  Clock.systemUTC())
              .verify(AuditScope.all());
      assertThat(report.mismatches()).isEmpty();
      assertThat(report.entriesVerified()).isEqualTo(ENTRIES);
      assertThat(report.rowsMatched()).isEqualTo(ENTRIES);
      List<CheckpointRow> checkpoints = db.evidenceLog().checkpoints(LOGS.origin(0));
      assertThat(report.checkpointsVerified()).isEqualTo(checkpoints.size());
      assertThat(checkpoints.get(checkpoints.size() - 1).size()).isEqualTo(ENTRIES);

      // the same entries through one sequencer that never crashed, in other batches: the same
      // objects
      Map<String, byte[]> crashed = objects(store);
      Map<String, byte[]> clean = uninterrupted();
      for (Map.Entry<String, byte[]> e : crashed.entrySet()) {
        if (clean.containsKey(e.getKey())) {
          assertThat(e.getValue()).as(e.getKey()).isEqualTo(clean.get(e.getKey()));
        }
      }
      List<String> fullObjects = clean.keySet().stream().filter(k -> !k.contains(".p/")).toList();
      assertThat(crashed.keySet()).containsAll(fullObjects);
      assertThat(crashed.get("log/0/checkpoint")).isEqualTo(clean.get("log/0/checkpoint"));
    }
  }

  private static long recordedSize(DecisionLog db) {
    return db.evidenceLog().latest(LOGS.origin(0)).map(CheckpointRow::size).orElse(0L);
  }

  private Map<String, byte[]> uninterrupted() {
    ExecutorService writers = Executors.newFixedThreadPool(4);
    try (DecisionLog db =
            DecisionLog.open(
                DecisionLogConfig.builder()
                    .jdbcUrl(postgres.newDatabase())
                    .user(postgres.user())
                    .password(postgres.password())
                    .poolMaxSize(2)
                    .build(),
                Clock.systemUTC());
        EvidenceStore store = openStore("clean")) {
      LogSequencer seq =
          LogSequencer.open(
              LOGS,
              "fabric.evidence",
              0,
              store,
              db.evidenceLog(),
              SIGNER,
              Clock.systemUTC(),
              writers,
              s -> {});
      for (int i = 0; i < ENTRIES; i++) {
        seq.add(i, entry(i));
        if ((i + 1) % 500 == 0 || i + 1 == ENTRIES) {
          seq.publish();
        }
      }
      return objects(store);
    } finally {
      writers.shutdownNow();
    }
  }

  private static Process startChild(String jdbcUrl, String bucket) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                SequencerChild.class.getName(),
                s3proxy.endpoint(),
                s3proxy.accessKey(),
                s3proxy.secretKey(),
                bucket,
                jdbcUrl,
                postgres.user(),
                postgres.password(),
                Integer.toString(ENTRIES),
                Integer.toString(PUBLISH_EVERY)));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  /**
   * Reads the child's lines until it has published {@code n} times; returns the size it last
   * reported.
   */
  private static long waitForPublishes(BufferedReader out, int n) throws Exception {
    AtomicLong size = new AtomicLong(-1);
    int seen = 0;
    String line;
    while (seen < n && (line = out.readLine()) != null) {
      if (line.startsWith("published ")) {
        size.set(Long.parseLong(line.substring("published ".length())));
        seen++;
      }
    }
    assertThat(seen).as("publishes before the child ended").isEqualTo(n);
    return size.get();
  }

  private static String drain(BufferedReader out) throws Exception {
    String last = "";
    String line;
    while ((line = out.readLine()) != null) {
      last = line;
    }
    return last;
  }

  private static EvidenceStore openStore(String bucket) {
    return EvidenceStore.open(
        EvidenceStoreConfig.builder()
            .endpoint(URI.create(s3proxy.endpoint()))
            .region(S3Service.REGION)
            .bucket(bucket)
            .accessKey(s3proxy.accessKey())
            .secretKey(s3proxy.secretKey())
            .build());
  }

  private static Map<String, byte[]> objects(EvidenceStore s) {
    Map<String, byte[]> out = new TreeMap<>();
    for (String key : s.list("log/")) {
      out.put(key, s.get(key).orElseThrow());
    }
    return out;
  }
}
