package io.provability.fabric.connectors.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.provability.fabric.embedded.KafkaService;
import io.provability.fabric.embedded.S3Service;
import io.provability.fabric.embedded.TopicScan;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import io.provability.fabric.sinks.testing.PostgresFixture;
import io.provability.fabric.sinks.testing.TestEvents;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process Connect worker end to end: a real KRaft broker, PostgreSQL and S3Proxy in this
 * JVM, records produced to the topics, rows and objects checked where auditors would look for them.
 */
class EmbeddedConnectTest {

  private static final EventCodec CODEC = EventCodec.standard();
  private static final String DECISIONS = "decisions";
  private static final String EVIDENCE = "evidence";
  private static KafkaService broker;
  private static PostgresFixture postgres;
  private static S3Service s3proxy;

  @BeforeAll
  static void start(@TempDir Path kafkaDir, @TempDir Path postgresDir, @TempDir Path s3Dir)
      throws Exception {
    broker = KafkaService.start(kafkaDir, Duration.ofMinutes(2));
    postgres = PostgresFixture.start(postgresDir);
    s3proxy = S3Service.start(s3Dir, Duration.ofMinutes(1));
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(new NewTopic(DECISIONS, 3, (short) 1), new NewTopic(EVIDENCE, 2, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    s3proxy.close();
    postgres.close();
    broker.close();
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all"),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
                return out.size() >= expected;
              });
    }
    return out;
  }

  @Test
  void anUnreachableBrokerFailsTheStartWithAClearMessageInsteadOfEndingTheJvm(
      @TempDir Path workDir) {
    SinkPipelineSettings settings =
        new SinkPipelineSettings(
            new SinkPipelineSettings.Kafka("127.0.0.1:1", DECISIONS, EVIDENCE),
            new SinkPipelineSettings.Jdbc("jdbc:postgresql://127.0.0.1:1/x", "", ""),
            new SinkPipelineSettings.S3("", "us-east-1", "bucket", "", ""),
            new SinkPipelineSettings.Connect("unreachable", 1, workDir),
            SinkPipelineSettings.EvidenceLog.defaults(workDir),
            Map.of());
    Assertions.assertThatThrownBy(() -> EmbeddedConnect.start(settings, Duration.ofSeconds(3)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot prepare the Connect worker's topics on 127.0.0.1:1");
  }

  @Test
  void decisionsAndEvidenceReachPostgresAndS3OnceEvenWhenReplayed(@TempDir Path workDir) {
    String jdbcUrl = postgres.newDatabase();
    SinkPipelineSettings settings =
        new SinkPipelineSettings(
            new SinkPipelineSettings.Kafka(broker.bootstrapServers(), DECISIONS, EVIDENCE),
            new SinkPipelineSettings.Jdbc(jdbcUrl, postgres.user(), postgres.password()),
            new SinkPipelineSettings.S3(
                s3proxy.endpoint(),
                S3Service.REGION,
                "evidence-it",
                s3proxy.accessKey(),
                s3proxy.secretKey()),
            new SinkPipelineSettings.Connect("fabric-sinks-it", 2, workDir),
            SinkPipelineSettings.EvidenceLog.defaults(workDir),
            Map.of());
    Instant now = Instant.now();
    List<byte[]> entries = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 0; i < 250; i++) {
        byte[] value = TestEvents.encode(TestEvents.decision(i, now.minusMillis(i)));
        byte[] key = ("session-" + (i % 10)).getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(DECISIONS, key, value));
        if (i % 5 == 0) {
          producer.send(
              new ProducerRecord<>(DECISIONS, key, value)); // a producer retry's duplicate
        }
      }
      producer.send(
          new ProducerRecord<>(DECISIONS, null, "garbage".getBytes(StandardCharsets.UTF_8)));
      for (int i = 0; i < 250; i++) {
        byte[] entry = TestEvents.entry(TestEvents.decision(i, now.minusMillis(i)));
        entries.add(entry);
        producer.send(
            new ProducerRecord<>(
                EVIDENCE, ("session-" + (i % 10)).getBytes(StandardCharsets.UTF_8), entry));
      }
      producer.send(
          new ProducerRecord<>(EVIDENCE, null, "not an entry".getBytes(StandardCharsets.UTF_8)));
      producer.flush();
    }

    try (DecisionLog log =
            DecisionLog.open(
                DecisionLogConfig.builder()
                    .jdbcUrl(jdbcUrl)
                    .user(postgres.user())
                    .password(postgres.password())
                    .poolMaxSize(1)
                    .maintenanceInterval(Duration.ZERO)
                    .build(),
                Clock.systemUTC());
        EvidenceStore store =
            EvidenceStore.open(
                EvidenceStoreConfig.builder()
                    .endpoint(URI.create(s3proxy.endpoint()))
                    .bucket("evidence-it")
                    .accessKey(s3proxy.accessKey())
                    .secretKey(s3proxy.secretKey())
                    .build())) {
      long t0 = System.nanoTime();
      try (EmbeddedConnect connect = EmbeddedConnect.start(settings)) {
        System.out.printf(
            "EmbeddedConnect.start took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(connect.status(connect.decisionLogConnector()).tasks()).hasSize(2);

        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  assertThat(log.reader().totalRows()).isEqualTo(250);
                  assertThat(entries(log)).isEqualTo(250);
                });
        assertThat(log.reader().decisionEvidenceCount()).isEqualTo(250);
        for (String origin : log.evidenceLog().origins()) {
          assertThat(
                  store.get("log/" + origin.substring(origin.lastIndexOf('/') + 1) + "/checkpoint"))
              .isPresent();
        }

        List<ConsumerRecord<byte[], byte[]>> dlq =
            readAll(EmbeddedConnect.deadLetterTopic(DECISIONS), 1);
        assertThat(new String(dlq.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("garbage");
        assertThat(
                new String(
                    dlq.get(0).headers().lastHeader("__connect.errors.exception.message").value(),
                    StandardCharsets.UTF_8))
            .startsWith("not a decodable Decision (");
        assertThat(readAll(EmbeddedConnect.deadLetterTopic(EVIDENCE), 1)).hasSize(1);
      }

      // a second run of the same group: offsets resume, and a full replay of the topics adds
      // nothing
      try (KafkaProducer<byte[], byte[]> producer = producer()) {
        for (int i = 0; i < 300; i++) {
          producer.send(
              new ProducerRecord<>(
                  DECISIONS, null, TestEvents.encode(TestEvents.decision(i, now.minusMillis(i)))));
        }
        for (int i = 250; i < 300; i++) {
          producer.send(
              new ProducerRecord<>(
                  EVIDENCE, null, TestEvents.entry(TestEvents.decision(i, now.minusMillis(i)))));
        }
        producer.flush();
      }
      t0 = System.nanoTime();
      try (EmbeddedConnect connect = EmbeddedConnect.start(settings)) {
        System.out.printf(
            "EmbeddedConnect.start (second run) took %d ms%n",
            (System.nanoTime() - t0) / 1_000_000);
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(log.reader().totalRows()).isEqualTo(300));
        // the second worker resumed the log where its last checkpoint was: 50 more entries, no
        // duplicate
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(entries(log)).isEqualTo(300));
        assertThat(log.reader().decisionEvidenceCount()).isEqualTo(300);
        assertThat(connect.restUrl().getHost()).isEqualTo("127.0.0.1");
      }
    }
  }

  /** Entries in every log's latest checkpoint (one log per partition of the evidence topic). */
  private static long entries(DecisionLog log) {
    return log.evidenceLog().origins().stream()
        .mapToLong(o -> log.evidenceLog().latest(o).map(c -> c.size()).orElse(0L))
        .sum();
  }

  @Test
  void
      aSecondInstanceWithAnotherConfigurationRefusesInsteadOfOverwritingTheSameOneJoinsAndNoSecretReachesAnyTopic(
          @TempDir Path workA, @TempDir Path workB) throws IOException {
    String jdbcUrl = postgres.newDatabase();
    // the server's real password, which must stay out of Kafka: the config topic holds a
    // reference to a file, which each worker resolves (FileConfigProvider), so the tasks log in
    String password = postgres.password();
    Path secrets = workA.resolve("secrets.properties");
    Files.writeString(secrets, "jdbc.password=" + password + "\n");
    String reference = "${file:" + secrets + ":jdbc.password}";
    Map<String, String> declared = Map.of("jdbc.password", reference);
    SinkPipelineSettings a =
        new SinkPipelineSettings(
            new SinkPipelineSettings.Kafka(broker.bootstrapServers(), DECISIONS, EVIDENCE),
            new SinkPipelineSettings.Jdbc(jdbcUrl, postgres.user(), password),
            new SinkPipelineSettings.S3(
                s3proxy.endpoint(),
                S3Service.REGION,
                "evidence-owners",
                s3proxy.accessKey(),
                s3proxy.secretKey()),
            new SinkPipelineSettings.Connect("owners", 1, workA),
            SinkPipelineSettings.EvidenceLog.defaults(workA),
            declared);
    try (EmbeddedConnect first =
        EmbeddedConnect.start(a, Duration.ofSeconds(60), Map.of(), false)) {
      Map<String, String> stored = first.storedConfig(first.evidenceConnector());
      assertThat(stored.get("jdbc.password")).isEqualTo(reference);
      assertThat(stored.get("s3.secret.key")).isEqualTo("${fabric:s3.secret.key}");

      // another bucket: refused, one line naming the key, and the stored config is untouched
      SinkPipelineSettings other =
          new SinkPipelineSettings(
              a.kafka(),
              a.jdbc(),
              new SinkPipelineSettings.S3(
                  a.s3().endpoint(),
                  a.s3().region(),
                  "evidence-elsewhere",
                  a.s3().accessKey(),
                  a.s3().secretKey()),
              a.connect(),
              a.evidenceLog(),
              declared);
      assertThatThrownBy(
              () -> EmbeddedConnect.start(other, Duration.ofSeconds(60), Map.of(), false))
          .isInstanceOf(ConnectorConflictException.class)
          .hasMessageContaining(
              "s3.bucket is evidence-owners in the config topic, evidence-elsewhere here")
          .hasMessageNotContaining("\n");
      // the same settings from another work directory: the same stored text (${fabric:...} is
      // resolved by
      // each worker from its own properties), so the second instance joins instead of being refused
      SinkPipelineSettings elsewhere =
          new SinkPipelineSettings(
              a.kafka(),
              a.jdbc(),
              a.s3(),
              new SinkPipelineSettings.Connect("owners", 1, workB),
              a.evidenceLog(),
              declared);
      try (EmbeddedConnect second =
          EmbeddedConnect.start(elsewhere, Duration.ofSeconds(60), Map.of(), false)) {
        assertThat(second.storedConfig(second.evidenceConnector())).isEqualTo(stored);
      }
      assertThat(first.storedConfig(first.evidenceConnector()).get("s3.bucket"))
          .isEqualTo("evidence-owners");
    }
    assertThat(
            TopicScan.topicsContaining(
                broker.bootstrapServers(), List.of(password, s3proxy.secretKey())))
        .as("topics holding a secret value")
        .isEmpty();
  }
}
