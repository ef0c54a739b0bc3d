package io.provability.fabric.sinks.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.embedded.S3Service;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.tlog.Checkpoint;
import io.provability.fabric.schemas.tlog.EntryBundle;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.schemas.tlog.SignedNote;
import io.provability.fabric.schemas.tlog.TileLogAppender;
import io.provability.fabric.schemas.tlog.TlogException;
import io.provability.fabric.schemas.tlog.TlogProof;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sequencer and the auditor against real PostgreSQL and S3 (S3Proxy): a log of 600 decisions in
 * 40 sessions, written in several checkpoints, audits clean; each tamper an operator with the
 * database and the bucket (but not the log key) could try is found with its exact reason; a restart
 * writes the same bytes; proofs check offline.
 */
class LogAuditorTest {
  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static final EvidenceLogs LOGS = new EvidenceLogs("test.example/evidence", "log");
  private static final NoteSigner SIGNER =
      NoteSigner.fromSeed("test.example/evidence", new byte[32]);
  private static PostgresFixture postgres;
  private static S3Service s3proxy;
  private static ExecutorService writers;

  private MutableClock clock;
  private DecisionLog db;
  private EvidenceStore store;
  private final List<Decision> decisions = new ArrayList<>();

  @BeforeAll
  static void start(@TempDir Path postgresDir, @TempDir Path s3Dir) throws Exception {
    postgres = PostgresFixture.start(postgresDir);
    s3proxy = S3Service.start(s3Dir, Duration.ofSeconds(60));
    writers = Executors.newFixedThreadPool(4);
  }

  @AfterAll
  static void stop() {
    writers.shutdownNow();
    s3proxy.close();
    postgres.close();
  }

  @BeforeEach
  void open() {
    clock = new MutableClock(T0);
    db =
        DecisionLog.open(
            DecisionLogConfig.builder()
                .jdbcUrl(postgres.newDatabase())
                .user(postgres.user())
                .password(postgres.password())
                .poolMaxSize(4)
                .build(),
            clock);
    store = openStore("evidence-" + BUCKETS.incrementAndGet());
    for (int i = 0; i < 600; i++) {
      decisions.add(
          TestEvents.decision(
              "tenant-" + (i % 3), "session-" + (i % 40), i, T0.plusMillis(i * 10L)));
    }
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

  @AfterEach
  void close() {
    store.close();
    db.close();
  }

  private LogSequencer sequencer() {
    return LogSequencer.open(
        LOGS, "fabric.evidence", 0, store, db.evidenceLog(), SIGNER, clock, writers, s -> {});
  }

  /**
   * Writes every decision's row and puts its entries through the sequencer, publishing at each cut.
   */
  private void sequence(int... cuts) {
    db.writer().write(decisions);
    LogSequencer seq = sequencer();
    int from = 0;
    for (int cut : cuts) {
      for (int i = from; i < cut; i++) {
        seq.add(i, TestEvents.entry(decisions.get(i)));
      }
      clock.advance(Duration.ofSeconds(1));
      seq.publish();
      from = cut;
    }
  }

  private LogAuditor auditor() {
    return new LogAuditor(
        store,
        db.evidenceLog(),
        db.dataSource(),
        LOGS,
        List.of(SIGNER.verifier()),
        List.of(),
        m -> {},
        Clock.systemUTC());
  }

  private AuditReport verifyAll() {
    return auditor().verify(AuditScope.all());
  }

  private Map<String, byte[]> objects(EvidenceStore s) {
    Map<String, byte[]> out = new TreeMap<>();
    for (String key : s.list("log/")) {
      out.put(key, s.get(key).orElseThrow());
    }
    return out;
  }

  private void sql(String statement) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  @Test
  void aLogOfSixHundredDecisionsInFourCheckpointsVerifies() {
    sequence(100, 256, 300, 600);

    AuditReport report = verifyAll();

    assertThat(report.mismatches()).isEmpty();
    assertThat(report.entriesVerified()).isEqualTo(600);
    assertThat(report.rowsMatched()).isEqualTo(600);
    assertThat(report.checkpointsVerified()).isEqualTo(4);
    assertThat(db.evidenceLog().latest(LOGS.origin(0)).orElseThrow().nextOffset()).isEqualTo(600);
    assertThat(store.get("log/0/checkpoint")).isPresent();
    assertThat(store.get("log/0/tile/0/002.p/88")).isPresent(); // C2SP paths: 600 = 2 * 256 + 88
    assertThat(store.get("log/0/tile/entries/000")).isPresent();
  }

  @Test
  void theIntervalsPublishStopsAtTheLastFullTileAndTheRestFollowsAtTheNext() {
    db.writer().write(decisions);
    LogSequencer seq = sequencer();
    for (int i = 0; i < 300; i++) {
      seq.add(i, TestEvents.entry(decisions.get(i)));
    }

    seq.publishDue(); // 300 waiting: one whole tile, 44 newer entries wait

    assertThat(seq.size()).isEqualTo(256);
    assertThat(seq.committedOffset()).isEqualTo(256);
    assertThat(seq.nextOffset()).isEqualTo(300);
    // at a tile boundary: no partial entry bundle, no partial level-0 tile (level 1 holds one hash)
    assertThat(store.list("log/0/tile/"))
        .containsExactlyInAnyOrder(
            "log/0/tile/0/000", "log/0/tile/1/000.p/1", "log/0/tile/entries/000");
    assertThat(seq.due(Duration.ofSeconds(1))).isFalse();

    clock.advance(Duration.ofSeconds(1));
    assertThat(seq.due(Duration.ofSeconds(1))).isTrue();
    seq.publishDue(); // 44 waiting, no tile completes: all of them
    assertThat(seq.size()).isEqualTo(300);
    assertThat(seq.committedOffset()).isEqualTo(300);
    assertThat(store.get("log/0/tile/entries/001.p/44")).isPresent();
    for (int i = 300; i < 600; i++) {
      seq.add(i, TestEvents.entry(decisions.get(i)));
    }
    clock.advance(Duration.ofSeconds(1));
    seq.publishDue(); // 300 + 300 = 600: up to 512
    assertThat(seq.size()).isEqualTo(512);
    seq.publish(); // a stop publishes everything
    assertThat(seq.size()).isEqualTo(600);

    AuditReport report = verifyAll();
    assertThat(report.mismatches()).isEmpty();
    assertThat(report.entriesVerified()).isEqualTo(600);
    assertThat(report.checkpointsVerified()).isEqualTo(4);
  }

  @Test
  void aRestartedSequencerWritesTheSameBytesWhateverTheBatches() {
    sequence(100, 256, 300, 600);
    Map<String, byte[]> cut = objects(store);

    EvidenceStore other = openStore("evidence-" + BUCKETS.incrementAndGet());
    try (DecisionLog otherDb =
        DecisionLog.open(
            DecisionLogConfig.builder()
                .jdbcUrl(postgres.newDatabase())
                .user(postgres.user())
                .password(postgres.password())
                .poolMaxSize(2)
                .build(),
            clock)) {
      // one sequencer writes 0..450 and is dropped (a crash after its checkpoint), a new one
      // resumes
      LogSequencer first =
          LogSequencer.open(
              LOGS,
              "fabric.evidence",
              0,
              other,
              otherDb.evidenceLog(),
              SIGNER,
              clock,
              writers,
              s -> {});
      for (int i = 0; i < 450; i++) {
        first.add(i, TestEvents.entry(decisions.get(i)));
      }
      first.publish();
      LogSequencer second =
          LogSequencer.open(
              LOGS,
              "fabric.evidence",
              0,
              other,
              otherDb.evidenceLog(),
              SIGNER,
              clock,
              writers,
              s -> {});
      assertThat(second.nextOffset()).isEqualTo(450);
      assertThat(second.add(449, TestEvents.entry(decisions.get(449))))
          .isFalse(); // a redelivery is skipped
      for (int i = 450; i < 600; i++) {
        second.add(i, TestEvents.entry(decisions.get(i)));
      }
      second.publish();
      Map<String, byte[]> whole = objects(other);
      // every object both runs wrote has the same bytes, and the final edge is identical
      for (Map.Entry<String, byte[]> e : whole.entrySet()) {
        if (cut.containsKey(e.getKey())) {
          assertThat(e.getValue()).as(e.getKey()).isEqualTo(cut.get(e.getKey()));
        }
      }
      assertThat(whole.get("log/0/checkpoint")).isEqualTo(cut.get("log/0/checkpoint"));
      assertThat(whole.get("log/0/tile/entries/002.p/88"))
          .isEqualTo(cut.get("log/0/tile/entries/002.p/88"));
    } finally {
      other.close();
    }
  }

  @Test
  void aBitFlippedInATileIsFound() {
    sequence(300, 600);
    byte[] tile = store.get("log/0/tile/0/000").orElseThrow();
    tile[40] ^= 1;
    store.put("log/0/tile/0/000", tile);

    AuditReport report = verifyAll();

    assertThat(report.of(Mismatch.Code.TILE_MISMATCH))
        .isNotEmpty()
        .allSatisfy(m -> assertThat(m.detail()).contains("tile/0/000"));
  }

  @Test
  void aBitFlippedInABundleIsFound() {
    sequence(300, 600);
    byte[] bundle = store.get("log/0/tile/entries/001").orElseThrow();
    bundle[100] ^= 1;
    store.put("log/0/tile/entries/001", bundle);

    AuditReport report = verifyAll();

    assertThat(report.of(Mismatch.Code.TILE_MISMATCH))
        .isNotEmpty()
        .anySatisfy(m -> assertThat(m.detail()).contains("tile"));
    assertThat(report.ok()).isFalse();
  }

  @Test
  void aRangeAuditFindsAnEntryChangedInItsBundleWhetherOrNotItIsTheFirstOfItsTile() {
    sequence(300, 600);
    List<byte[]> entries =
        new ArrayList<>(EntryBundle.decode(store.get("log/0/tile/entries/001").orElseThrow()));
    for (int k :
        new int[] {0, 44}) { // entries 256 (its tile's inclusion proof) and 300 (its tile hash)
      byte[] changed = entries.get(k).clone();
      changed[changed.length / 2] ^= 1;
      entries.set(k, changed);
    }
    store.put("log/0/tile/entries/001", EntryBundle.encode(entries));

    AuditReport report =
        auditor().verify(AuditScope.timeRange(T0.plusMillis(2_000), T0.plusMillis(4_000)));

    assertThat(report.of(Mismatch.Code.ENTRY_NOT_IN_LOG))
        .extracting(Mismatch::subject)
        .containsExactlyInAnyOrder(
            "entry " + LOGS.origin(0) + "#256", "entry " + LOGS.origin(0) + "#300");
    assertThat(report.entriesVerified()).isEqualTo(598);
  }

  @Test
  void aBitFlippedInTheCheckpointIsFound() {
    sequence(300, 600);
    byte[] note = store.get("log/0/checkpoint").orElseThrow();
    note[note.length - 10] ^= 1; // in the signature
    store.put("log/0/checkpoint", note);

    AuditReport report = verifyAll();

    assertThat(report.of(Mismatch.Code.CHECKPOINT_SIGNATURE_INVALID))
        .singleElement()
        .satisfies(m -> assertThat(m.detail()).contains("does not verify"));
  }

  @Test
  void aRolledBackCheckpointIsFound() {
    sequence(300, 600);
    byte[] older = db.evidenceLog().checkpoints(LOGS.origin(0)).get(0).note();
    store.put("log/0/checkpoint", older);

    AuditReport report = verifyAll();

    assertThat(report.of(Mismatch.Code.CHECKPOINT_ROLLED_BACK))
        .singleElement()
        .satisfies(
            m -> assertThat(m.detail()).contains("size 300 but size 600 was published before"));
  }

  @Test
  void aTruncatedLogIsFound() throws Exception {
    sequence(300, 600);
    // the tail's objects, checkpoint rows and leaf rows removed; the published checkpoint rolled
    // back
    for (String key : store.list("log/0/tile/entries/002")) {
      store.delete(key);
    }
    sql("DELETE FROM log_checkpoint WHERE size = 600");
    store.put("log/0/checkpoint", db.evidenceLog().latest(LOGS.origin(0)).orElseThrow().note());

    AuditReport report = verifyAll();

    // the rows of the truncated decisions have no entry left
    assertThat(report.of(Mismatch.Code.ROW_WITHOUT_ENTRY)).hasSize(300);
  }

  @Test
  void aSessionErasedFromTheLogAndTheDatabaseIsFound() throws Exception {
    sequence(300, 600);
    // rewrite the first bundle without session-7's entries (the attacker has no log key: the tiles
    // and
    // the checkpoint are left as they were), and delete its rows
    List<byte[]> entries = EntryBundle.decode(store.get("log/0/tile/entries/000").orElseThrow());
    List<byte[]> kept = new ArrayList<>();
    for (byte[] e : entries) {
      if (!new String(LogEntry.decode(e).decisionBytes(), StandardCharsets.ISO_8859_1)
          .contains("session-7")) {
        kept.add(e);
      }
    }
    store.put("log/0/tile/entries/000", EntryBundle.encode(kept));
    sql("DELETE FROM decision_log WHERE session_id = 'session-7'");
    sql(
        "DELETE FROM decision_evidence WHERE decision_id IN ("
            + decisions.stream()
                .filter(d -> d.getSessionId().equals("session-7"))
                .map(d -> "'" + d.getDecisionId() + "'")
                .reduce((a, b) -> a + "," + b)
                .orElseThrow()
            + ")");

    AuditReport report = verifyAll();

    assertThat(report.of(Mismatch.Code.TILE_MISMATCH)).isNotEmpty();
    assertThat(report.ok()).isFalse();
  }

  @Test
  void aForkedLogSignedWithTheRightKeyIsFoundAgainstTheRecordedCheckpoints() {
    sequence(300, 600);
    // an insider with the log key rebuilds the log with one decision changed and re-signs it
    List<byte[]> forged = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      Decision d = decisions.get(i);
      if (i == 11) { // a DENY turned into an ALLOW
        d = Decision.newBuilder(d).setVerdict(Verdict.ALLOW).build();
      }
      forged.add(TestEvents.entry(d));
    }
    TileLogAppender appender = new TileLogAppender();
    TileLogAppender.AppendResult result = appender.append(forged);
    result.writes().forEach((path, bytes) -> store.put("log/0/" + path, bytes));
    Checkpoint cp = result.checkpoint(LOGS.origin(0));
    store.put("log/0/checkpoint", SignedNote.sign(cp.body(), SIGNER).encode());

    AuditReport report = verifyAll();

    assertThat(report.of(Mismatch.Code.CHECKPOINT_INCONSISTENT))
        .as(report.render())
        .isNotEmpty()
        .anySatisfy(m -> assertThat(m.detail()).contains("a fork"));
  }

  @Test
  void aDuplicateRowInAnotherDayIsFoundByARangeAuditOfTheOriginalDay() throws Exception {
    sequence(300, 600);
    Decision original = decisions.get(5);
    Decision forged =
        Decision.newBuilder(original)
            .setDecidedAt(original.getDecidedAt().minus(Duration.ofDays(1)))
            .setVerdict(Verdict.ALLOW)
            .build();
    db.writer().write(List.of(forged));

    AuditReport report =
        auditor()
            .verify(
                AuditScope.timeRange(
                    T0.minus(Duration.ofMinutes(1)), T0.plus(Duration.ofMinutes(1))));

    assertThat(report.of(Mismatch.Code.DUPLICATE_ROW))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.subject()).isEqualTo("decision " + original.getDecisionId());
              assertThat(m.detail())
                  .contains("decision_log_p20261126")
                  .contains("decision_log_p20261127");
            });
  }

  @Test
  void aRangeAuditReadsOnlyTheTilesOfItsLeaves() {
    sequence(256, 512, 600);
    long before = store.requests().get("GET");
    AuditReport report =
        auditor().verify(AuditScope.timeRange(T0.plusMillis(5_200), T0.plusMillis(5_600)));
    long gets = store.requests().get("GET") - before;

    assertThat(report.mismatches()).isEmpty();
    assertThat(report.rowsMatched()).isBetween(40L, 600L);
    // the published checkpoint, a few tiles and one or two bundles: not the whole log
    assertThat(gets).isLessThan(12);
  }

  @Test
  void aRowChangedInTheDatabaseIsFoundWithBothValues() throws Exception {
    sequence(600);
    sql("UPDATE decision_log SET verdict = 'ALLOW' WHERE decision_id = 'dec-1'");

    AuditReport report = verifyAll();

    assertThat(report.of(Mismatch.Code.ROW_DIFFERS))
        .singleElement()
        .satisfies(m -> assertThat(m.detail()).contains("verdict: row ALLOW, entry DENY"));
  }

  @Test
  void proofsOfADecisionAndOfASessionCheckOffline() {
    sequence(300, 600);
    LogAuditor auditor = auditor();
    TlogProof one = auditor.prove("dec-42");
    ProofChecker checker = new ProofChecker(List.of(SIGNER.verifier()), List.of());

    ProofChecker.Result result = checker.check(one.encode());
    assertThat(result.decision().getDecisionId()).isEqualTo("dec-42");
    assertThat(result.requestChecked()).isTrue();
    assertThat(result.checkpoint().size()).isEqualTo(600);

    Map<String, TlogProof> session = auditor.proveSession("session-3");
    assertThat(session).hasSize(15);
    assertThat(
            session.values().stream()
                .map(p -> new String(p.checkpoint(), StandardCharsets.UTF_8))
                .distinct())
        .hasSize(1);
    session
        .values()
        .forEach(
            p ->
                assertThat(checker.check(p.encode()).decision().getSessionId())
                    .isEqualTo("session-3"));

    byte[] tampered = one.encode();
    String text = new String(tampered, StandardCharsets.UTF_8).replace("index 42", "index 43");
    Assertions.assertThatThrownBy(() -> checker.check(text.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(TlogException.class)
        .hasMessageContaining("inclusion proof does not verify");
    NoteSigner stranger =
        NoteSigner.fromSeed(
            "test.example/evidence",
            new byte[] {
              1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
              25, 26, 27, 28, 29, 30, 31, 32
            });
    Assertions.assertThatThrownBy(
            () -> new ProofChecker(List.of(stranger.verifier()), List.of()).check(one.encode()))
        .isInstanceOf(TlogException.class);
  }
}
