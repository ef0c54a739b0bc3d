package io.provability.fabric.connectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provability.fabric.connectors.decisionlog.DecisionLogSinkConfig;
import io.provability.fabric.connectors.decisionlog.DecisionLogSinkTask;
import io.provability.fabric.connectors.evidence.EvidenceSinkConfig;
import io.provability.fabric.connectors.evidence.EvidenceSinkTask;
import io.provability.fabric.connectors.testing.RecordingTaskContext;
import io.provability.fabric.embedded.S3Service;
import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import io.provability.fabric.sinks.testing.PostgresFixture;
import io.provability.fabric.sinks.testing.TestEvents;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Both sink tasks driven through the SinkTask API against a real PostgreSQL and S3Proxy. */
class SinkTasksTest {

  private static final EventCodec CODEC = EventCodec.standard();
  private static PostgresFixture postgres;
  private static S3Service s3proxy;

  @BeforeAll
  static void start(@TempDir Path postgresDir, @TempDir Path s3Dir) throws Exception {
    postgres = PostgresFixture.start(postgresDir);
    s3proxy = S3Service.start(s3Dir, Duration.ofMinutes(1));
  }

  @AfterAll
  static void stop() {
    s3proxy.close();
    postgres.close();
  }

  private static Map<String, String> jdbc(String url) {
    Map<String, String> p = new HashMap<>();
    p.put("name", "test-sink");
    p.put(JdbcSettings.JDBC_URL_CONFIG, url);
    p.put(JdbcSettings.JDBC_USER_CONFIG, postgres.user());
    p.put(JdbcSettings.JDBC_PASSWORD_CONFIG, postgres.password());
    p.put(JdbcSettings.POOL_MAX_SIZE_CONFIG, "2");
    p.put(JdbcSettings.POOL_MIN_IDLE_CONFIG, "1");
    p.put(JdbcSettings.MAINTENANCE_INTERVAL_MS_CONFIG, "0");
    return p;
  }

  private static DecisionLog reader(String url) {
    return DecisionLog.open(
        DecisionLogConfig.builder()
            .jdbcUrl(url)
            .user(postgres.user())
            .password(postgres.password())
            .poolMaxSize(1)
            .maintenanceInterval(Duration.ZERO)
            .build(),
        Clock.systemUTC());
  }

  private static SinkRecord record(String topic, long offset, byte[] value) {
    return new SinkRecord(topic, 0, null, null, null, value, offset);
  }

  @ParameterizedTest
  @EnumSource(DecisionLogConfig.WriteMode.class)
  void decisionTaskWritesOnceAndRoutesUndecodableValues(DecisionLogConfig.WriteMode mode) {
    String url = postgres.newDatabase();
    Map<String, String> props = jdbc(url);
    props.put(DecisionLogSinkConfig.WRITE_MODE_CONFIG, mode.name());
    RecordingTaskContext context = new RecordingTaskContext(props, true);
    DecisionLogSinkTask task = new DecisionLogSinkTask();
    task.initialize(context);
    task.start(props);
    try {
      List<SinkRecord> records = new ArrayList<>();
      Instant now = Instant.now();
      for (int i = 0; i < 250; i++) {
        records.add(
            record("decisions", i, TestEvents.encode(TestEvents.decision(i, now.minusSeconds(i)))));
      }
      records.add(record("decisions", 250, "not avro".getBytes(StandardCharsets.UTF_8)));
      records.add(record("decisions", 251, null));

      task.put(records);
      task.put(records.subList(0, 250)); // a redelivery after a crash before the offset commit

      assertThat(task.inserted()).isEqualTo(250);
      assertThat(task.duplicates()).isEqualTo(250);
      assertThat(task.badRecords()).isEqualTo(2);
      assertThat(context.reported())
          .extracting(r -> r.record().kafkaOffset())
          .containsExactly(250L, 251L);
      assertThat(context.reported().get(0).error())
          .hasMessageStartingWith("not a decodable Decision (");
      assertThat(context.reported().get(1).error()).hasMessageContaining("tombstone");
      try (DecisionLog log = reader(url)) {
        assertThat(log.reader().totalRows()).isEqualTo(250);
        Decision d = log.reader().decode(log.reader().findDecision("dec-17").orElseThrow());
        assertThat(d.getRequestId()).isEqualTo("req-17");
      }
    } finally {
      task.stop();
    }
  }

  @Test
  void withoutAReporterABadRecordIsLoggedAndSkipped() {
    String url = postgres.newDatabase();
    Map<String, String> props = jdbc(url);
    DecisionLogSinkTask task = new DecisionLogSinkTask();
    task.initialize(new RecordingTaskContext(props, false));
    task.start(props);
    try {
      task.put(
          List.of(
              record("decisions", 0, new byte[] {1, 2, 3}),
              record("decisions", 1, TestEvents.encode(TestEvents.decision(1, Instant.now())))));
      assertThat(task.badRecords()).isEqualTo(1);
      assertThat(task.inserted()).isEqualTo(1);
    } finally {
      task.stop();
    }
  }

  @Test
  void evidenceTaskSequencesEntriesIntoASignedLogAndRewindsToItsLastCheckpoint(@TempDir Path dir)
      throws Exception {
    String url = postgres.newDatabase();
    Map<String, String> props = jdbc(url);
    props.put(EvidenceSinkConfig.S3_ENDPOINT_CONFIG, s3proxy.endpoint());
    props.put(EvidenceSinkConfig.S3_BUCKET_CONFIG, "task-evidence");
    props.put(EvidenceSinkConfig.S3_ACCESS_KEY_CONFIG, s3proxy.accessKey());
    props.put(EvidenceSinkConfig.S3_SECRET_KEY_CONFIG, s3proxy.secretKey());
    props.put(EvidenceSinkConfig.LOG_ORIGIN_CONFIG, "test.example/evidence");
    props.put(EvidenceSinkConfig.CHECKPOINT_INTERVAL_MS_CONFIG, "100");
    Path key = dir.resolve("evidence.key");
    Files.writeString(key, "evidence-1=" + Base64.getEncoder().encodeToString(new byte[32]) + "\n");
    props.put(EvidenceSinkConfig.LOG_SIGNING_KEY_FILE_CONFIG, key.toString());
    TopicPartition tp = new TopicPartition("evidence", 0);
    Instant now = Instant.now();
    List<SinkRecord> records = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      records.add(record("evidence", i, TestEvents.entry(TestEvents.decision(i, now))));
    }
    records.add(record("evidence", 60, new byte[] {9, 9})); // not an entry

    RecordingTaskContext context = new RecordingTaskContext(props, true);
    EvidenceSinkTask task = new EvidenceSinkTask();
    task.initialize(context);
    task.start(props);
    try {
      task.open(List.of(tp));
      assertThat(context.rewinds()).containsEntry(tp, 0L);
      task.put(records);
      task.put(records.subList(0, 30)); // a redelivery is skipped by offset
      try (DecisionLog log = reader(url)) {
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(log.evidenceLog().latest("test.example/evidence/0"))
                        .hasValueSatisfying(
                            c -> {
                              assertThat(c.size()).isEqualTo(60);
                              assertThat(c.nextOffset()).isEqualTo(61); // past the bad record too
                            }));
        assertThat(log.reader().decisionEvidenceCount()).isEqualTo(60);
        assertThat(log.evidenceLog().leavesOf(List.of("dec-25")))
            .singleElement()
            .satisfies(l -> assertThat(l.leafIndex()).isEqualTo(25));
      }
      assertThat(context.reported())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.record().kafkaOffset()).isEqualTo(60L);
                assertThat(r.error()).hasMessageStartingWith("not an evidence log entry");
              });
      assertThat(task.preCommit(Map.of(tp, new OffsetAndMetadata(61))))
          .containsEntry(tp, new OffsetAndMetadata(61));
    } finally {
      task.close(List.of(tp));
      task.stop();
    }
    try (EvidenceStore store =
        EvidenceStore.open(
            EvidenceStoreConfig.builder()
                .endpoint(URI.create(s3proxy.endpoint()))
                .region(S3Service.REGION)
                .bucket("task-evidence")
                .accessKey(s3proxy.accessKey())
                .secretKey(s3proxy.secretKey())
                .build())) {
      assertThat(new String(store.get("log/0/checkpoint").orElseThrow(), StandardCharsets.UTF_8))
          .startsWith("test.example/evidence/0\n60\n");
    }

    // a new task (a restart, a rebalance) rewinds the partition to where the log's last checkpoint
    // is
    RecordingTaskContext again = new RecordingTaskContext(props, true);
    EvidenceSinkTask second = new EvidenceSinkTask();
    second.initialize(again);
    second.start(props);
    try {
      second.open(List.of(tp));
      assertThat(again.rewinds()).containsEntry(tp, 61L);
    } finally {
      second.close(List.of(tp));
      second.stop();
    }
  }
}
