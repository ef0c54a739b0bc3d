package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventSerde;
import io.provability.fabric.sinks.audit.AuditReport;
import io.provability.fabric.sinks.audit.AuditScope;
import io.provability.fabric.tools.internal.audit.AuditConnections;
import io.provability.fabric.tools.internal.demo.KafkaTraffic;
import io.provability.fabric.tools.internal.demo.SinkAudit;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.TopicSetup;
import io.provability.fabric.topology.traffic.SyntheticTraffic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole pipeline against real servers (embedded, or external with -Dfabric.mode=external):
 * requests on Kafka → topology → decisions topic → decision log in PostgreSQL, evidence logs in S3
 * with their roots recorded beside the rows. Every id of this run carries a fresh namespace so the
 * test can share servers with earlier runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineEndToEndIT {
  private static final int REQUESTS = 10_000;
  private static final Duration PATIENCE = Duration.ofMinutes(4);

  private static String ns;
  private static StackEndpoints ep;
  private static FabricConfig cfg;
  private static FabricRuntime runtime;
  private static SinkAudit audit;

  /**
   * When this test's pipeline started: its decisions are the only ones after it (the database is
   * shared).
   */
  private static Instant started;

  private static KafkaProducer<byte[], byte[]> producer;
  private static List<SyntheticTraffic.Generated> generated;
  private static Path work;

  @BeforeAll
  static void startPipeline() throws Exception {
    ns = ItFixtures.namespace("it");
    ep = TestEnvironment.endpoints();
    work = Files.createTempDirectory("fabric-it-");
    Ed25519.SigningKey issuer = Ed25519.SigningKey.generate("it-issuer", new SecureRandom());
    Path trusted = ItFixtures.trustOnly(work.resolve("trusted.keys"), issuer);
    cfg = ItFixtures.namespacedConfig(ns, work, trusted, ItFixtures.sinkSettings(ns));

    SyntheticTraffic traffic = new SyntheticTraffic(ns, issuer, 8, 1_000, Instant.now(), 4242L);
    generated = new ArrayList<>(REQUESTS);
    for (int i = 0; i < REQUESTS; i++) {
      generated.add(traffic.next());
    }
    try (Admin admin = admin()) {
      TopicSetup.ensure(admin, cfg);
    }
    KafkaTraffic.publishRevocations(
        ep.bootstrapServers(), cfg.topicPolicyState(), traffic.revocations());
    started = Instant.now();
    runtime = FabricRuntime.start(cfg, ep, true);
    audit =
        new SinkAudit(ep, cfg.getString(FabricConfig.S3_BUCKET_CONFIG), AuditConnections.logs(cfg));
    producer = KafkaTraffic.producer(ep.bootstrapServers());
  }

  @AfterAll
  static void stopPipeline() {
    if (producer != null) {
      producer.close();
    }
    if (audit != null) {
      audit.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  @Order(1)
  void tenThousandRequestsBecomeTenThousandDecisionsRowsAndVerifiedLogEntries() throws Exception {
    try (KafkaTraffic.DecisionReader reader =
        sendAllAndAwait(r -> r.decisions().size() >= REQUESTS)) {
      reader.poll(Duration.ofSeconds(1));
      assertThat(reader.decisions()).hasSize(REQUESTS);
      assertThat(reader.records()).as("decision records on the topic").isEqualTo(REQUESTS);
      for (SyntheticTraffic.Generated g : generated) {
        Decision d = reader.decisions().get(g.request().getRequestId());
        assertThat(d.getVerdict())
            .as("%s: %s", g.request().getRequestId(), d.getReasons())
            .isEqualTo(g.expectedVerdict());
        if (g.expectedCode() != null) {
          assertThat(d.getReasons()).extracting(r -> r.getCode()).contains(g.expectedCode().name());
        }
      }
    }

    await()
        .atMost(PATIENCE)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> rowCount() == REQUESTS && linkedCount() == REQUESTS);
    assertThat(rowsOutsideTheirDayPartition()).isZero();

    // one entry per decision in the logs, and the audit of this run's time range (signatures,
    // roots, rows:
    // the other end-to-end tests' rows lie before it in the shared database) passes
    assertThat(entriesOfThisRun()).isEqualTo(REQUESTS);
    AuditReport report =
        audit.verifyLogs(
            AuditConnections.verifierOf(cfg, cfg.evidenceKeyFile()),
            List.of(),
            AuditScope.timeRange(started, Instant.now().plusSeconds(60)));
    assertThat(report.mismatches()).as(report.render()).isEmpty();
    assertThat(report.rowsMatched()).isEqualTo(REQUESTS);
  }

  @Test
  @Order(2)
  void replayingTheSameInputAddsNoRowAndNoEntry() throws Exception {
    long entriesBefore = entriesOfThisRun();
    try (KafkaTraffic.DecisionReader reader = sendAllAndAwait(r -> r.records() >= 2L * REQUESTS)) {
      assertThat(reader.decisions()).hasSize(REQUESTS);
    }
    await()
        .atMost(PATIENCE)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> sinksCaughtUp(cfg.topicDecisions()) && sinksCaughtUp(cfg.topicEvidence()));

    assertThat(rowCount()).isEqualTo(REQUESTS);
    assertThat(linkedCount()).isEqualTo(REQUESTS);
    assertThat(entriesOfThisRun()).isEqualTo(entriesBefore); // a repeated request adds no entry
  }

  @Test
  @Order(3)
  void badRecordsGoToTheDeadLetterTopicAndTheValidOnesAroundThemAreDecided() throws Exception {
    EventCodec codec = EventCodec.standard();
    List<PlanRequest> valid = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      valid.add(
          PlanRequest.newBuilder(generated.get(i).request())
              .setRequestId(ns + "bad-input-valid-" + i)
              .build());
    }
    byte[] unknownFingerprint = codec.encode(valid.get(0));
    unknownFingerprint[4] ^= 0x7f;
    PlanRequest missing =
        PlanRequest.newBuilder(valid.get(0))
            .setRequestId(ns + "bad-input-missing")
            .setTenant("")
            .build();

    send(valid.get(0).getSessionId(), codec.encode(valid.get(0)));
    send("malformed", new byte[] {(byte) 0xC3, 0x01, 0x00, 0x01});
    send(valid.get(1).getSessionId(), codec.encode(valid.get(1)));
    send("unknown", unknownFingerprint);
    send(valid.get(2).getSessionId(), codec.encode(valid.get(2)));
    send(missing.getSessionId(), codec.encode(missing));
    send(valid.get(3).getSessionId(), codec.encode(valid.get(3)));
    producer.flush();

    List<DeadLetter> letters = new ArrayList<>();
    try (KafkaConsumer<byte[], DeadLetter> dlq =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ep.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                ns + "dlq-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new ByteArrayDeserializer(),
            EventSerde.of(DeadLetter.class).deserializer())) {
      dlq.subscribe(List.of(cfg.topicDeadLetter()));
      await()
          .atMost(Duration.ofMinutes(1))
          .until(
              () -> {
                dlq.poll(Duration.ofMillis(200)).forEach(r -> letters.add(r.value()));
                return letters.size() >= 3;
              });
    }
    assertThat(letters)
        .extracting(DeadLetter::getReason)
        .containsExactlyInAnyOrder(
            DeadLetterReason.MALFORMED,
            DeadLetterReason.UNKNOWN_SCHEMA,
            DeadLetterReason.MISSING_FIELD);
    assertThat(letters)
        .allSatisfy(
            l -> {
              assertThat(l.getSourceTopic()).isEqualTo(cfg.topicRequests());
              assertThat(l.getDetail()).isNotBlank();
              assertThat(l.getValue()).isNotNull();
            });

    try (KafkaTraffic.DecisionReader reader =
        new KafkaTraffic.DecisionReader(ep.bootstrapServers(), cfg.topicDecisions())) {
      ItFixtures.pollUntil(
          "decisions of the valid records",
          reader,
          Duration.ofMinutes(1),
          Duration.ofMillis(100),
          Duration.ofMillis(200),
          r -> valid.stream().allMatch(v -> r.decisions().containsKey(v.getRequestId())));
      assertThat(reader.decisions()).doesNotContainKey(missing.getRequestId());
    }
    assertThat(runtime.streams().state().isRunningOrRebalancing()).isTrue();
  }

  /**
   * Produces every generated request, then reads the decisions topic until {@code done} holds (at
   * most {@link #PATIENCE}); returns the open reader, for the caller to close.
   */
  private static KafkaTraffic.DecisionReader sendAllAndAwait(
      Predicate<KafkaTraffic.DecisionReader> done) throws Exception {
    List<PlanRequest> plans = generated.stream().map(SyntheticTraffic.Generated::request).toList();
    KafkaTraffic.produce(producer, cfg.topicRequests(), plans, n -> {});
    KafkaTraffic.DecisionReader reader =
        new KafkaTraffic.DecisionReader(ep.bootstrapServers(), cfg.topicDecisions());
    try {
      ItFixtures.pollUntil(
          "decisions", reader, PATIENCE, Duration.ofMillis(100), Duration.ofMillis(200), done);
      return reader;
    } catch (RuntimeException | Error e) {
      reader.close();
      throw e;
    }
  }

  private static void send(String key, byte[] value) {
    producer.send(
        new ProducerRecord<>(cfg.topicRequests(), key.getBytes(StandardCharsets.UTF_8), value));
  }

  private static Admin admin() {
    return Admin.create(Map.of("bootstrap.servers", ep.bootstrapServers()));
  }

  /**
   * True when every consumer group that has committed offsets on {@code topic} has consumed its
   * last record. The topology writes under exactly-once, so the last entry of each partition is a
   * transaction marker: a sink's committed offset (last record + 1) stops one short of the end.
   */
  private static boolean sinksCaughtUp(String topic)
      throws ExecutionException, InterruptedException {
    try (Admin admin = admin()) {
      Map<TopicPartition, Long> ends = ItFixtures.endOffsets(admin, topic);
      boolean anyGroup = false;
      for (GroupListing group :
          admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get()) {
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(group.groupId()).partitionsToOffsetAndMetadata().get();
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
          if (!committed.containsKey(end.getKey())) {
            continue;
          }
          anyGroup = true;
          if (committed.get(end.getKey()).offset() < end.getValue() - 1) {
            return false;
          }
        }
      }
      return anyGroup;
    }
  }

  private static Connection db() throws SQLException {
    return ItFixtures.db(ep);
  }

  private static long count(String sql) throws SQLException {
    return ItFixtures.count(ep, sql, ns + "%");
  }

  private static long rowCount() throws SQLException {
    return count("select count(*) from decision_log where session_id like ?");
  }

  private static long linkedCount() throws SQLException {
    return count(
        "select count(*) from decision_evidence e join decision_log d using (decision_id) where d.session_id like ?");
  }

  private static long rowsOutsideTheirDayPartition() throws SQLException {
    return count(
        "select count(*) from decision_log where session_id like ? "
            + "and tableoid::regclass::text <> 'decision_log_p' || to_char(decided_on, 'YYYYMMDD')");
  }

  /** Entries in the latest checkpoints of this run's logs. */
  private static long entriesOfThisRun() {
    return audit.logSummaries().stream().mapToLong(SinkAudit.LogSummary::size).sum();
  }
}
