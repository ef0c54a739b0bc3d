package io.provability.fabric.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Starts one stack and talks to each of its four servers over a real connection with the client the
 * application uses; then stops it and checks that nothing is left listening or running.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedStackTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private Path workDir;
  private Set<Thread> nonDaemonThreadsBefore;
  private EmbeddedStack stack;
  private ServerAddresses endpoints;

  @BeforeAll
  void startStack(@TempDir Path dir) {
    workDir = dir;
    nonDaemonThreadsBefore = nonDaemonThreads();
    stack = EmbeddedStack.start(workDir);
    endpoints = stack.endpoints();
  }

  @AfterAll
  void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void everyServiceListensOnLoopbackAndSecretsStayOutOfToString() {
    assertThat(endpoints.bootstrapServers()).startsWith("127.0.0.1:");
    assertThat(endpoints.jdbcUrl()).startsWith("jdbc:postgresql://127.0.0.1:").endsWith("/fabric");
    assertThat(endpoints.jdbcUser()).isEqualTo("postgres");
    assertThat(endpoints.redisUri()).startsWith("redis://127.0.0.1:");
    assertThat(endpoints.s3Endpoint()).startsWith("http://127.0.0.1:");
    assertThat(endpoints.s3Region()).isEqualTo("us-east-1");
    assertThat(ports())
        .doesNotHaveDuplicates()
        .allSatisfy(port -> assertThat(Loopback.isListening(port)).isTrue());

    assertThat(endpoints.toString())
        .contains(endpoints.bootstrapServers(), endpoints.s3AccessKey())
        .doesNotContain(endpoints.jdbcPassword(), endpoints.s3SecretKey());
  }

  @Test
  @Order(2)
  void kafkaCreatesATopicAndCarriesARecord() throws Exception {
    String topic = "embedded-check";
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers()))) {
      admin
          .createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
          .all()
          .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    RecordMetadata sent;
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                endpoints.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer())) {
      sent =
          producer
              .send(new ProducerRecord<>(topic, "plan-1", "allowed"))
              .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    assertThat(sent.offset()).isZero();

    List<ConsumerRecord<String, String>> received = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                endpoints.bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.assign(List.of(new TopicPartition(topic, 0)));
      awaitCondition(
          "the record to be consumed",
          () -> {
            consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            return !received.isEmpty();
          },
          () -> "nothing polled");
    }
    assertThat(received)
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.key()).isEqualTo("plan-1");
              assertThat(record.value()).isEqualTo("allowed");
            });
  }

  @Test
  @Order(3)
  void postgresServesTheFabricDatabaseAndChecksThePassword() throws SQLException {
    try (Connection connection =
        DriverManager.getConnection(
            endpoints.jdbcUrl(), endpoints.jdbcUser(), endpoints.jdbcPassword())) {
      try (Statement statement = connection.createStatement();
          ResultSet one = statement.executeQuery("select 1, current_database()")) {
        assertThat(one.next()).isTrue();
        assertThat(one.getInt(1)).isEqualTo(1);
        assertThat(one.getString(2)).isEqualTo("fabric");
      }
      try (Statement statement = connection.createStatement()) {
        statement.execute(
            "create table decision_check (id bigint primary key, verdict text not null)");
      }
      try (PreparedStatement insert =
          connection.prepareStatement("insert into decision_check values (?, ?)")) {
        insert.setLong(1, 42);
        insert.setString(2, "deny");
        assertThat(insert.executeUpdate()).isEqualTo(1);
      }
      try (Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("select id, verdict from decision_check")) {
        assertThat(rows.next()).isTrue();
        assertThat(rows.getLong("id")).isEqualTo(42);
        assertThat(rows.getString("verdict")).isEqualTo("deny");
        assertThat(rows.next()).isFalse();
      }
    }

    assertThatThrownBy(
            () -> DriverManager.getConnection(endpoints.jdbcUrl(), endpoints.jdbcUser(), "wrong"))
        .isInstanceOfSatisfying(
            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
  }

  @Test
  @Order(4)
  void redisSetsAndGets() {
    RedisClient client = RedisClient.create(endpoints.redisUri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      assertThat(connection.sync().set("fabric:check", "v1")).isEqualTo("OK");
      assertThat(connection.sync().get("fabric:check")).isEqualTo("v1");
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
    }
  }

  @Test
  @Order(5)
  void s3StoresAnObjectAndRefusesAWrongKey() {
    String bucket = "evidence-check";
    byte[] body = ("bundle " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
    try (S3Client s3 = s3Client(endpoints.s3SecretKey())) {
      s3.createBucket(request -> request.bucket(bucket));
      s3.putObject(
          request ->
              request.bucket(bucket).key("day=1/bundle-1").metadata(Map.of("root", "abc123")),
          RequestBody.fromBytes(body));

      ResponseBytes<GetObjectResponse> read =
          s3.getObjectAsBytes(request -> request.bucket(bucket).key("day=1/bundle-1"));
      assertThat(read.asByteArray()).isEqualTo(body);
      assertThat(read.response().metadata()).containsEntry("root", "abc123");
    }

    try (S3Client impostor = s3Client("not-the-secret")) {
      assertThatThrownBy(() -> impostor.listBuckets())
          .isInstanceOfSatisfying(
              S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
    }
  }

  @Test
  @Order(6)
  void postgresStoppedAndRestartedKeepsItsPortDataAndPassword() throws SQLException {
    try (Connection connection =
            DriverManager.getConnection(
                endpoints.jdbcUrl(), endpoints.jdbcUser(), endpoints.jdbcPassword());
        Statement statement = connection.createStatement()) {
      statement.execute("create table outage_check (id bigint primary key)");
      statement.execute("insert into outage_check values (7)");
    }

    stack.stopPostgres();
    assertThatThrownBy(
            () ->
                DriverManager.getConnection(
                    endpoints.jdbcUrl(), endpoints.jdbcUser(), endpoints.jdbcPassword()))
        // 08001: the client could not establish a connection (refused)
        .isInstanceOfSatisfying(
            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("08001"));

    stack.restartPostgres();
    try (Connection connection =
            DriverManager.getConnection(
                endpoints.jdbcUrl(), endpoints.jdbcUser(), endpoints.jdbcPassword());
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("select id from outage_check")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getLong(1)).isEqualTo(7);
      assertThat(rows.next()).isFalse();
    }
    assertThatThrownBy(
            () -> DriverManager.getConnection(endpoints.jdbcUrl(), endpoints.jdbcUser(), "wrong"))
        .isInstanceOfSatisfying(
            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
  }

  @Test
  @Order(7)
  void s3StoppedAndRestartedServesTheSameObjectsOnTheSamePort() {
    String bucket = "evidence-outage";
    byte[] body = ("kept " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
    try (S3Client s3 = s3Client(endpoints.s3SecretKey())) {
      s3.createBucket(request -> request.bucket(bucket));
      s3.putObject(request -> request.bucket(bucket).key("k"), RequestBody.fromBytes(body));

      stack.stopS3();
      assertThatThrownBy(() -> s3.getObjectAsBytes(request -> request.bucket(bucket).key("k")))
          .isInstanceOf(SdkClientException.class);

      stack.restartS3();
      assertThat(s3.getObjectAsBytes(request -> request.bucket(bucket).key("k")).asByteArray())
          .isEqualTo(body);
    }
  }

  @Test
  @Order(8)
  void aWorkDirThatIsInUseOrForeignIsRefusedBeforeAnythingStarts() throws Exception {
    assertThatThrownBy(() -> EmbeddedStack.start(workDir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("in use");

    Path foreign = Files.createDirectory(workDir.resolve("foreign"));
    Files.writeString(foreign.resolve("notes.txt"), "keep me");
    assertThatThrownBy(() -> EmbeddedStack.start(foreign))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not empty");
    assertThat(foreign.resolve("notes.txt")).hasContent("keep me");
  }

  @Test
  @Order(9)
  void closeStopsAllFourFreesTheirPortsAndLeavesNoThreadBehind() {
    List<Integer> ports = ports();
    stack.close();

    assertThat(ports)
        .allSatisfy(port -> assertThat(Loopback.isListening(port)).as("port %d", port).isFalse());
    stack.close(); // idempotent

    awaitCondition(
        "the stack's non-daemon threads to end",
        () -> extraNonDaemonThreads().isEmpty(),
        () -> "still running: " + extraNonDaemonThreads());
  }

  private S3Client s3Client(String secretKey) {
    return S3Client.builder()
        .endpointOverride(URI.create(endpoints.s3Endpoint()))
        .region(Region.of(endpoints.s3Region()))
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(endpoints.s3AccessKey(), secretKey)))
        .forcePathStyle(true)
        .httpClient(Apache5HttpClient.create())
        .build();
  }

  private List<Integer> ports() {
    return List.of(
        port(URI.create("kafka://" + endpoints.bootstrapServers())),
        port(URI.create(endpoints.jdbcUrl().substring("jdbc:".length()))),
        port(URI.create(endpoints.redisUri())),
        port(URI.create(endpoints.s3Endpoint())));
  }

  private static int port(URI uri) {
    assertThat(uri.getHost()).isEqualTo("127.0.0.1");
    return uri.getPort();
  }

  private static Set<Thread> nonDaemonThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> !thread.isDaemon() && thread.isAlive())
        .collect(Collectors.toSet());
  }

  private String extraNonDaemonThreads() {
    return nonDaemonThreads().stream()
        .filter(thread -> !nonDaemonThreadsBefore.contains(thread))
        .map(Thread::getName)
        .sorted()
        .collect(Collectors.joining(", "));
  }

  /**
   * Checks {@code condition} every 10 ms until it holds; fails after {@link #WAIT}, with {@code
   * detail}.
   */
  private static void awaitCondition(
      String what, BooleanSupplier condition, Supplier<String> detail) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "timed out after " + WAIT.toSeconds() + " s waiting for " + what + ": " + detail.get());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }
}
