package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.provability.fabric.connectors.runtime.EmbeddedConnect;
import io.provability.fabric.connectors.runtime.SinkPipelineSettings;
import io.provability.fabric.embedded.EmbeddedStack;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.sinks.audit.AuditReport;
import io.provability.fabric.tools.cli.EmbeddedMode;
import io.provability.fabric.tools.internal.demo.SinkAudit;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.KeyFiles;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.ConnectorTaskId;
import org.apache.kafka.connect.util.FutureCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sinks under faults, end to end on real servers: Decision events and their log entries are
 * produced straight to their topics by a rate-limited producer (the topology is not under test
 * here), the two Kafka Connect sink connectors run in an in-process worker, and while traffic flows
 *
 * <ol>
 *   <li>PostgreSQL is stopped for 60 s while decisions flow at 5,000/s,
 *   <li>the S3 server is stopped for 60 s while log entries flow,
 *   <li>both connectors' tasks are restarted three times through the herder while their batches are
 *       in flight.
 * </ol>
 *
 * Afterwards every produced decision has exactly one row and exactly one entry in the evidence
 * logs, and the whole audit (signatures, consistency, roots, rows) passes.
 *
 * <p>Embedded mode only: stopping and restarting the servers needs the embedded stack's handles. In
 * external mode (services started by {@code infra/up.sh} as system processes) the test is skipped.
 */
class SinkFaultsIT {

  /**
   * The outage length; a fault-injection step, held deliberately, not a wait for a
   * condition.
   */
  private static final Duration OUTAGE = Duration.ofSeconds(60);

  private static final int DECISIONS_PER_SECOND = 5_000;

  /** Lower while only S3 is failing, so that the test's database stays small. */
  private static final int DECISIONS_PER_SECOND_DURING_S3_OUTAGE = 1_000;

  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final Duration PATIENCE = Duration.ofMinutes(3);
  private static final EventCodec CODEC = EventCodec.standard();

  private static String ns;
  private static StackEndpoints ep;
  private static EmbeddedStack stack;
  private static EmbeddedConnect connect;
  private static SinkAudit audit;
  private static Producer producer;
  private static Path work;
  private static String bucket;

  @BeforeAll
  static void startSinks() throws Exception {
    assumeFalse(
        TestEnvironment.external(),
        "SinkFaultsIT stops and restarts PostgreSQL and S3, which it can do only "
            + "to the embedded stack; in external mode (-Dfabric.mode=external) it is skipped");
    ns = ItFixtures.namespace("flt");
    work = Files.createTempDirectory("fabric-faults-");
    // A stack of its own: the outages below must not reach the servers that other test classes of
    // this JVM share (a later class once inherited a broker that expired its first produce).
    stack = EmbeddedStack.start(work.resolve("stack"));
    ep = EmbeddedMode.endpoints(stack);
    bucket = "fabric-" + ns + "evidence";
    String decisions = ns + "decisions";
    String evidence = ns + "evidence";
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(new NewTopic(decisions, 3, (short) 1), new NewTopic(evidence, 3, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    SinkPipelineSettings settings =
        new SinkPipelineSettings(
            new SinkPipelineSettings.Kafka(ep.bootstrapServers(), decisions, evidence),
            new SinkPipelineSettings.Jdbc(ep.jdbcUrl(), ep.jdbcUser(), ep.jdbcPassword()),
            new SinkPipelineSettings.S3(
                ep.s3Endpoint(), ep.s3Region(), bucket, ep.s3AccessKey(), ep.s3SecretKey()),
            new SinkPipelineSettings.Connect(ns + "sinks", 1, work),
            SinkPipelineSettings.EvidenceLog.defaults(work),
            Map.of());
    connect = EmbeddedConnect.start(settings);
    audit = new SinkAudit(ep, bucket);
    producer = new Producer(ep.bootstrapServers(), decisions, evidence, ns);
    producer.start();
  }

  @AfterAll
  static void stopSinks() {
    if (producer != null) {
      producer.stop();
    }
    if (connect != null) {
      connect.close();
    }
    if (audit != null) {
      audit.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void everyDecisionHasExactlyOneRowAndOneLogEntryAndTheAuditPassesAfterOutagesAndTaskRestarts()
      throws Exception {
    // traffic reaches both sinks before any fault
    await("first rows and entries")
        .atMost(PATIENCE)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> rowCount() > 0 && entryRowCount() > 0);

    // (a) PostgreSQL down for 60 s at 5,000 decisions/s
    long beforePostgresOutage = producer.decisionsSent();
    stack.stopPostgres();
    holdOutage();
    stack.restartPostgres();
    assertThat(producer.decisionsSent() - beforePostgresOutage)
        .as("decisions produced across the PostgreSQL outage")
        .isGreaterThan(DECISIONS_PER_SECOND * OUTAGE.toSeconds() / 2);
    awaitProduced(20_000);

    // (b) S3 down for 60 s while entries flow (the sequencer keeps its batch staged and retries)
    producer.rate(DECISIONS_PER_SECOND_DURING_S3_OUTAGE);
    long beforeS3Outage = producer.decisionsSent();
    stack.stopS3();
    holdOutage();
    stack.restartS3();
    producer.rate(DECISIONS_PER_SECOND);
    assertThat(producer.decisionsSent() - beforeS3Outage)
        .as("entries produced across the S3 outage")
        .isGreaterThan(OUTAGE.toSeconds() * 5);
    awaitProduced(20_000);

    // (c) tasks restarted while batches are in flight: Connect stops each task, re-reads its
    // committed
    // offsets and redelivers what was written after them
    for (int round = 0; round < 3; round++) {
      restartTask(connect.decisionLogConnector());
      restartTask(connect.evidenceConnector());
      awaitProduced(10_000);
    }

    producer.stop();
    long decisions = producer.decisionsSent();

    await("every decision in the log")
        .atMost(PATIENCE)
        .pollInterval(Duration.ofSeconds(1))
        .until(SinkFaultsIT::rowCount, count -> count >= decisions);
    await("every entry in a checkpoint")
        .atMost(PATIENCE)
        .pollInterval(Duration.ofSeconds(1))
        .until(SinkFaultsIT::entryRowCount, count -> count >= decisions);

    try (Connection c = connection();
        PreparedStatement q =
            c.prepareStatement(
                "SELECT count(*), count(DISTINCT decision_id) FROM decision_log "
                    + "WHERE decision_id LIKE ?")) {
      q.setString(1, ns + "%");
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        assertThat(rs.getLong(1)).as("rows").isEqualTo(decisions);
        assertThat(rs.getLong(2)).as("distinct decision ids").isEqualTo(decisions);
      }
    }
    // ids are ns-dec-0 … ns-dec-(n-1) and each was produced once, so n distinct rows with n rows in
    // total is exactly one row per decision; check the ends of the range too
    assertThat(audit.decisionLog().findDecision(ns + "dec-0")).isPresent();
    assertThat(audit.decisionLog().findDecision(ns + "dec-" + (decisions - 1))).isPresent();

    // exactly one entry per decision across the logs (no gap, no duplicate through the outages and
    // the restarts), and the whole audit passes: signatures, consistency, roots, rows
    assertThat(entryRowCount()).as("decision_evidence rows").isEqualTo(decisions);
    assertThat(audit.logSummaries().stream().mapToLong(SinkAudit.LogSummary::size).sum())
        .as("log entries")
        .isEqualTo(decisions);
    AuditReport report =
        audit.verifyLogs(
            NoteSigner.fromSeed(
                    SinkPipelineSettings.EvidenceLog.DEFAULT_ORIGIN,
                    KeyFiles.read(work.resolve("keys").resolve("evidence.key")).seed())
                .verifier(),
            List.of());
    assertThat(report.mismatches()).as(report.render()).isEmpty();
    assertThat(report.rowsMatched()).isEqualTo(decisions);

    for (String name : List.of(connect.decisionLogConnector(), connect.evidenceConnector())) {
      ConnectorStateInfo status = connect.status(name);
      assertThat(status.tasks())
          .allSatisfy(t -> assertThat(t.state()).as(name + " task").isEqualTo("RUNNING"));
    }
  }

  /**
   * Fault injection: keeps the server down for the 60 s while the producer goes on. This is
   * the fault itself, not a wait for something to happen.
   */
  private static void holdOutage() throws InterruptedException {
    Thread.sleep(OUTAGE.toMillis());
  }

  /** Lets traffic flow on until {@code more} further decisions have been produced. */
  private static void awaitProduced(long more) {
    long target = producer.decisionsSent() + more;
    await("producer to send " + more + " more decisions")
        .atMost(PATIENCE)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> producer.failure() != null || producer.decisionsSent() >= target);
    assertThat(producer.failure()).as("producer failure").isNull();
  }

  private static void restartTask(String connector) throws Exception {
    FutureCallback<Void> done = new FutureCallback<>();
    connect.herder().restartTask(new ConnectorTaskId(connector, 0), done);
    done.get(60, TimeUnit.SECONDS);
  }

  private static long rowCount() throws SQLException {
    return count("SELECT count(*) FROM decision_log WHERE decision_id LIKE ?");
  }

  private static long entryRowCount() throws SQLException {
    return count("SELECT count(*) FROM decision_evidence WHERE decision_id LIKE ?");
  }

  private static long count(String sql) throws SQLException {
    return ItFixtures.count(ep, sql, ns + "%");
  }

  private static Connection connection() throws SQLException {
    return ItFixtures.db(ep);
  }

  /**
   * Sends decisions and their log entries at a set rate in 10 ms ticks. Sends are asynchronous: a
   * broker-side failure is kept and fails the test.
   */
  private static final class Producer {
    private final KafkaProducer<byte[], byte[]> kafka;
    private final String decisionsTopic;
    private final String evidenceTopic;
    private final String ns;
    private final Thread thread;
    private final AtomicLong decisions = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile int perSecond = DECISIONS_PER_SECOND;
    private volatile boolean running = true;

    Producer(String bootstrap, String decisionsTopic, String evidenceTopic, String ns) {
      this.kafka =
          new KafkaProducer<>(
              Map.of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  bootstrap,
                  ProducerConfig.ACKS_CONFIG,
                  "all",
                  ProducerConfig.LINGER_MS_CONFIG,
                  5,
                  ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                  true),
              new ByteArraySerializer(),
              new ByteArraySerializer());
      this.decisionsTopic = decisionsTopic;
      this.evidenceTopic = evidenceTopic;
      this.ns = ns;
      this.thread = new Thread(this::run, "sink-faults-producer");
    }

    void start() {
      thread.start();
    }

    void rate(int decisionsPerSecond) {
      perSecond = decisionsPerSecond;
    }

    /** Stops after the current tick and flushes, so that the counts are final. Idempotent. */
    synchronized void stop() {
      if (!running) {
        return;
      }
      running = false;
      try {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      kafka.flush();
      kafka.close(Duration.ofSeconds(10));
      assertThat(failure()).as("producer failure").isNull();
    }

    long decisionsSent() {
      return decisions.get();
    }

    Exception failure() {
      return failure.get();
    }

    private void run() {
      long next = System.nanoTime();
      double owed = 0;
      for (long tick = 0; running; tick++) {
        // rate limiting: each tick's share is sent at its scheduled time, late ticks catch up at
        // once
        long delay = next - System.nanoTime();
        if (delay > 0) {
          LockSupport.parkNanos(delay);
        }
        next += TICK_NANOS;
        owed += perSecond / 100.0;
        int count = (int) owed;
        owed -= count;
        Instant now = Instant.now();
        for (int i = 0; i < count; i++) {
          Decision d = decision(decisions.get(), now);
          byte[] value = CODEC.encode(d);
          kafka.send(
              new ProducerRecord<>(
                  decisionsTopic, d.getDecisionId().getBytes(StandardCharsets.UTF_8), value),
              this::onCompletion);
          decisions.incrementAndGet();
          // its evidence entry, as the decider emits it (the request is the bytes its hash covers)
          kafka.send(
              new ProducerRecord<>(
                  evidenceTopic,
                  d.getSessionId().getBytes(StandardCharsets.UTF_8),
                  LogEntry.inline(value, d.getRequestId().getBytes(StandardCharsets.UTF_8))
                      .encode()),
              this::onCompletion);
        }
      }
    }

    private void onCompletion(Object metadata, Exception e) {
      if (e != null) {
        failure.compareAndSet(null, e);
      }
    }

    private Decision decision(long i, Instant at) {
      boolean allow = i % 2 == 0;
      return Decision.newBuilder()
          .setDecisionId(ns + "dec-" + i)
          .setRequestId(ns + "req-" + i)
          .setSessionId(ns + "s" + (i % 50))
          .setTenant(ns + "tenant")
          .setSubjectId("agent-" + (i % 7))
          .setKind(RequestKind.PLAN)
          .setVerdict(allow ? Verdict.ALLOW : Verdict.DENY)
          .setReasons(List.of())
          .setMatchedCapabilities(allow ? List.of("read:docs") : List.of())
          .setTokenId("tok-" + (i % 5))
          .setPolicyVersion(1)
          .setDecidedAt(at)
          .setEvalMicros(100)
          .setRequestHash(
              ByteBuffer.wrap(Sha256.digest((ns + "req-" + i).getBytes(StandardCharsets.UTF_8))))
          .build();
    }
  }
}
