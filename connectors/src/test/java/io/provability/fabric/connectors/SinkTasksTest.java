package io.provability.fabric.connectors;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.connectors.decisionlog.DecisionLogSinkConfig;
import io.provability.fabric.connectors.decisionlog.DecisionLogSinkTask;
import io.provability.fabric.connectors.evidence.EvidenceSinkConfig;
import io.provability.fabric.connectors.evidence.EvidenceSinkTask;
import io.provability.fabric.connectors.testing.RecordingTaskContext;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import io.provability.fabric.sinks.testing.PostgresFixture;
import io.provability.fabric.sinks.testing.S3ProxyFixture;
import io.provability.fabric.sinks.testing.TestEvents;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.s3.S3Client;

/** Both sink tasks driven through the SinkTask API against a real PostgreSQL and S3Proxy. */
class SinkTasksTest {

    private static final EventCodec CODEC = EventCodec.standard();
    private static PostgresFixture postgres;
    private static S3ProxyFixture s3proxy;

    @BeforeAll
    static void start() {
        postgres = PostgresFixture.start();
        s3proxy = S3ProxyFixture.start();
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
        p.put(JdbcSettings.POOL_MAX_SIZE_CONFIG, "2");
        p.put(JdbcSettings.POOL_MIN_IDLE_CONFIG, "1");
        p.put(JdbcSettings.MAINTENANCE_INTERVAL_MS_CONFIG, "0");
        return p;
    }

    private static DecisionLog reader(String url) {
        return DecisionLog.open(DecisionLogConfig.builder().jdbcUrl(url).user(postgres.user()).poolMaxSize(1)
                .maintenanceInterval(Duration.ZERO).build(), Clock.systemUTC());
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
                records.add(record("decisions", i, TestEvents.encode(TestEvents.decision(i, now.minusSeconds(i)))));
            }
            records.add(record("decisions", 250, "not avro".getBytes(StandardCharsets.UTF_8)));
            records.add(record("decisions", 251, null));

            task.put(records);
            task.put(records.subList(0, 250)); // a redelivery after a crash before the offset commit

            assertThat(task.inserted()).isEqualTo(250);
            assertThat(task.duplicates()).isEqualTo(250);
            assertThat(task.badRecords()).isEqualTo(2);
            assertThat(context.reported()).extracting(r -> r.record().kafkaOffset()).containsExactly(250L, 251L);
            assertThat(context.reported().get(0).error()).hasMessageStartingWith("not a decodable Decision (");
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
            task.put(List.of(record("decisions", 0, new byte[] {1, 2, 3}),
                    record("decisions", 1, TestEvents.encode(TestEvents.decision(1, Instant.now())))));
            assertThat(task.badRecords()).isEqualTo(1);
            assertThat(task.inserted()).isEqualTo(1);
        } finally {
            task.stop();
        }
    }

    @Test
    void evidenceTaskStoresIndexesAndRoutesInconsistentBundles() {
        String url = postgres.newDatabase();
        Map<String, String> props = jdbc(url);
        props.put(EvidenceSinkConfig.S3_ENDPOINT_CONFIG, s3proxy.endpoint().toString());
        props.put(EvidenceSinkConfig.S3_BUCKET_CONFIG, "task-evidence");
        props.put(EvidenceSinkConfig.S3_ACCESS_KEY_CONFIG, S3ProxyFixture.ACCESS_KEY);
        props.put(EvidenceSinkConfig.S3_SECRET_KEY_CONFIG, S3ProxyFixture.SECRET_KEY);
        RecordingTaskContext context = new RecordingTaskContext(props, true);
        EvidenceSinkTask task = new EvidenceSinkTask();
        task.initialize(context);
        task.start(props);
        try {
            Instant window = Instant.now();
            List<SinkRecord> records = new ArrayList<>();
            for (int s = 0; s < 6; s++) {
                EvidenceBundle b = TestEvents.bundle("session-" + s, "tenant-" + (s % 2), window, s * 10, 10);
                records.add(record("evidence", s, CODEC.encode(b)));
            }
            EvidenceBundle forged = TestEvents.bundle("session-x", "tenant-0", window, 900, 3);
            forged.setRoot(ByteBuffer.wrap(new byte[32]));
            records.add(record("evidence", 6, CODEC.encode(forged)));
            records.add(record("evidence", 7, TestEvents.encode(TestEvents.decision(1, window)))); // wrong type

            task.put(records);
            task.put(records.subList(0, 6)); // redelivery

            // a PUT whose first attempt the SDK had to retry comes back 412 and counts as a dedup
            assertThat(task.written() + task.deduplicated()).isEqualTo(12);
            assertThat(task.deduplicated()).isGreaterThanOrEqualTo(6);
            assertThat(task.indexed()).isEqualTo(6);
            assertThat(context.reported()).extracting(r -> r.record().kafkaOffset()).containsExactlyInAnyOrder(6L, 7L);
            assertThat(context.reported()).filteredOn(r -> r.record().kafkaOffset() == 6L).singleElement()
                    .satisfies(r -> assertThat(r.error()).hasMessageContaining("declares root 0000"));
            assertThat(context.reported()).filteredOn(r -> r.record().kafkaOffset() == 7L).singleElement()
                    .satisfies(r -> assertThat(r.error()).hasMessageStartingWith("not a decodable EvidenceBundle"));
            try (S3Client s3 = s3proxy.client()) {
                assertThat(s3.listObjectsV2(b -> b.bucket("task-evidence")).keyCount()).isEqualTo(6);
            }
            try (DecisionLog log = reader(url)) {
                assertThat(log.reader().bundleCount()).isEqualTo(6);
                assertThat(log.reader().decisionEvidenceCount()).isEqualTo(60);
                assertThat(log.reader().evidenceOf("dec-25").orElseThrow().leafIndex()).isEqualTo(5);
            }
        } finally {
            task.stop();
        }
    }
}
