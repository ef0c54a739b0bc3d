package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.provability.fabric.embedded.EmbeddedStack;
import io.provability.fabric.embedded.TopicScan;
import io.provability.fabric.load.FabricProcess;
import io.provability.fabric.load.KafkaTransport;
import io.provability.fabric.load.LoadGenerator;
import io.provability.fabric.load.LoadResult;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.tools.cli.EmbeddedMode;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.TopicSetup;
import io.provability.fabric.topology.traffic.LoadProfile;
import io.provability.fabric.topology.traffic.LoadTraffic;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two application instances as a cluster, each a separate JVM running {@code fabric run} against a
 * stack of this class's own (it stops PostgreSQL): instance "good" with the right secrets, instance
 * "bad" started with a wrong database password. Secrets reach both through their environment
 * ({@code FABRIC_POSTGRES_PASSWORD}, {@code FABRIC_S3_SECRET_KEY}), as in production; the shared
 * properties file holds none.
 *
 * <ol>
 *   <li>the bad instance keeps its Connect worker out of the group and says so on {@code
 *       /health/ready} (503) and {@code /health}; the good one's sinks write every decision; the
 *       stored connector config is the good one's, with references instead of secrets;
 *   <li>no secret value (right or wrong) is in any topic of the broker, internal ones included;
 *   <li>PostgreSQL stopped for longer than the sink task's retry budget (the task is restarted
 *       during the outage and fails to open the database): health shows the FAILED task, a graceful
 *       restart of the instance still starts, and once PostgreSQL is back the task comes back by
 *       itself and every decision sent meanwhile has its row.
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  private static final Duration START_PATIENCE = Duration.ofMinutes(6);
  private static final Duration OUTAGE = Duration.ofSeconds(30);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static String ns;
  private static Path work;
  private static EmbeddedStack stack;
  private static StackEndpoints ep;
  private static Path configFile;
  private static FabricConfig cfg;
  private static Ed25519.SigningKey issuer;
  private static Instance good;
  private static Instance bad;
  private static final String WRONG_PASSWORD =
      "wrong-" + Long.toHexString(new SecureRandom().nextLong());

  /** One child JVM running {@code fabric run}, with its secrets in its environment. */
  private static final class Instance {
    final String name;
    final Path dir;
    final Map<String, String> env;
    FabricProcess process;
    int starts;

    Instance(String name, Path dir, Map<String, String> env) {
      this.name = name;
      this.dir = dir;
      this.env = env;
    }

    void start() throws IOException {
      starts++;
      process =
          InstancePair.startRun(
              configFile, dir, dir.resolve("instance-" + name + "-" + starts + ".log"), env);
    }

    String logText() throws IOException {
      return process.logText();
    }

    void awaitRunning() throws IOException, InterruptedException {
      process.awaitRunning(START_PATIENCE);
    }

    int httpPort() throws IOException {
      Matcher m = Pattern.compile("HTTP server on port (\\d+)").matcher(logText());
      if (!m.find()) {
        throw new IllegalStateException(
            "instance " + name + " logged no HTTP port; log: " + process.log());
      }
      return Integer.parseInt(m.group(1));
    }

    URI connectRest() throws IOException {
      Matcher m = Pattern.compile("REST at (http://\\S+)").matcher(logText());
      if (!m.find()) {
        throw new IllegalStateException(
            "instance " + name + " logged no Connect REST URL; log: " + process.log());
      }
      return URI.create(m.group(1));
    }

    /**
     * @return status code and JSON body of GET {@code path}
     */
    Map.Entry<Integer, JsonNode> get(String path) throws IOException, InterruptedException {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort() + path))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return Map.entry(r.statusCode(), JSON.readTree(r.body()));
    }

    void stopGracefully() throws InterruptedException {
      if (!process.stop(Duration.ofSeconds(90))) {
        throw new IllegalStateException(
            "instance " + name + " did not stop within 90 s of SIGTERM; log: " + process.log());
      }
    }
  }

  @BeforeAll
  static void startCluster() throws Exception {
    assumeFalse(
        TestEnvironment.external(),
        "ClusterIT stops PostgreSQL, which it can do only to an embedded stack");
    ns = "clu" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffL);
    work = Files.createTempDirectory("fabric-cluster-it-");
    stack = EmbeddedStack.start(work.resolve("stack"));
    ep = EmbeddedMode.endpoints(stack);
    issuer = Ed25519.SigningKey.generate("cluster-it-issuer", new SecureRandom());
    Path trusted = ItFixtures.trustOnly(work.resolve("trusted.keys"), issuer);
    // the secrets come from each instance's environment, as in production
    Properties p = InstancePair.clusterProperties(ep, ns, trusted);
    p.put(FabricConfig.SINK_TASKS_CONFIG, "2");
    configFile = work.resolve("fabric.properties");
    try (var w = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
      p.store(w, "ClusterIT: two instances; secrets in their environment");
    }
    cfg = FabricConfig.load(configFile, Map.of(), Map.of());
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()))) {
      TopicSetup.ensure(admin, cfg);
    }
    String pg = FabricConfig.envName(FabricConfig.JDBC_PASSWORD_CONFIG);
    String s3 = FabricConfig.envName(FabricConfig.S3_SECRET_KEY_CONFIG);
    good =
        new Instance(
            "good",
            Files.createDirectories(work.resolve("good")),
            Map.of(pg, ep.jdbcPassword(), s3, ep.s3SecretKey()));
    bad =
        new Instance(
            "bad",
            Files.createDirectories(work.resolve("bad")),
            Map.of(pg, WRONG_PASSWORD, s3, ep.s3SecretKey()));
    good.start();
    good.awaitRunning();
    bad.start();
    bad.awaitRunning();
  }

  @AfterAll
  static void stopCluster() throws InterruptedException {
    for (Instance in : new Instance[] {good, bad}) {
      if (in != null && in.process != null && in.process.isAlive()) {
        in.process.kill();
      }
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void aBadlyConfiguredInstanceStaysOutOfTheSinksAndSaysSoWhileTheOtherWritesEveryDecision()
      throws Exception {
    await("the bad instance reports its rejected credentials")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> bad.get("/health/ready").getKey() == 503);
    Map.Entry<Integer, JsonNode> badReady = bad.get("/health/ready");
    assertThat(badReady.getValue().path("sinks").path("phase").asString())
        .isEqualTo("CREDENTIALS_REJECTED");
    assertThat(badReady.getValue().path("sinks").path("detail").asString())
        .contains("postgresql rejected");
    assertThat(bad.logText())
        .contains("sinks stay out of the Connect group")
        .doesNotContain(WRONG_PASSWORD);

    LoadResult result = load("bad-instance", 100, Duration.ofSeconds(20));
    assertThat(result.lost()).as("requests without a decision").isZero();
    awaitRows(result);

    Map.Entry<Integer, JsonNode> goodHealth = good.get("/health");
    assertThat(good.get("/health/ready").getKey()).as("good instance ready").isEqualTo(200);
    JsonNode tasks = goodHealth.getValue().path("sinks").path("tasks");
    assertThat(tasks.size()).as("sink tasks: 2 per connector").isEqualTo(4);
    for (JsonNode t : tasks) {
      assertThat(t.path("state").asString()).as("task %s", t).isEqualTo("RUNNING");
      assertThat(t.path("here").asBoolean()).as("task %s runs on the good instance", t).isTrue();
    }
    JsonNode stored =
        JSON.readTree(
            HTTP.send(
                    HttpRequest.newBuilder(
                            good.connectRest()
                                .resolve("/connectors/" + ns + "-sinks-decision-log-sink/config"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    assertThat(stored.path("jdbc.password").asString())
        .isEqualTo("${env:FABRIC_POSTGRES_PASSWORD}");
  }

  @Test
  @Order(2)
  void noSecretValueIsInAnyTopic() {
    assertThat(
            TopicScan.topicsContaining(
                ep.bootstrapServers(),
                List.of(ep.jdbcPassword(), ep.s3SecretKey(), WRONG_PASSWORD)))
        .as("topics holding a secret value")
        .isEmpty();
  }

  @Test
  @Order(3)
  void aDatabaseOutageLongerThanTheTaskCanWaitHealsByItselfAndAGracefulRestartMeanwhileStarts()
      throws Exception {
    bad.stopGracefully(); // one instance is enough here, and its worker is out of the group anyway
    String connector = ns + "-sinks-decision-log-sink";
    stack.stopPostgres();
    // the task is restarted during the outage (as by a rebalance): it cannot open the database and
    // FAILS
    HttpResponse<String> restart =
        HTTP.send(
            HttpRequest.newBuilder(
                    good.connectRest().resolve("/connectors/" + connector + "/tasks/0/restart"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(restart.statusCode()).as("restart answer %s", restart.body()).isBetween(200, 299);
    await("health shows the FAILED task")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              Map.Entry<Integer, JsonNode> r = good.get("/health/ready");
              return r.getKey() == 503 && r.getValue().toString().contains("\"state\":\"FAILED\"");
            });
    // a graceful restart of the instance while its task is FAILED and the database is down still
    // starts
    good.stopGracefully();
    good.start();
    good.awaitRunning();
    LoadResult during = load("outage", 50, OUTAGE);
    stack.restartPostgres();
    await("the task runs again by itself")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> good.logText().contains("sink task " + connector + "-0 is running again after"));
    await("the good instance ready again")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofSeconds(1))
        .ignoreExceptions()
        .until(() -> good.get("/health/ready").getKey() == 200);
    assertThat(during.lost()).isZero();
    awaitRows(during);
  }

  private static LoadResult load(String name, double rate, Duration length) throws Exception {
    LoadProfile profile =
        new LoadProfile(rate, length, 500, 4, 10, LoadProfile.Mix.parse("plan=100"), 0.7, 0.8, 11L);
    LoadTraffic traffic =
        new LoadTraffic(
            ns + "-" + name + "-", ns + "-" + name + "-", profile, issuer, Clock.systemUTC());
    try (KafkaTransport transport =
        new KafkaTransport(ep.bootstrapServers(), cfg.topicRequests(), cfg.topicDecisions(), 2)) {
      return new LoadGenerator(Clock.systemUTC(), Duration.ofSeconds(90), Duration.ofSeconds(2))
          .run(name, profile, traffic, transport, s -> {});
    }
  }

  private static void awaitRows(LoadResult r) {
    await("a decision-log row per request of " + r.prefix())
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                ItFixtures.count(
                    ep,
                    "SELECT count(DISTINCT request_id) FROM decision_log WHERE request_id LIKE ?",
                    r.prefix() + "%"),
            n -> n == r.sent());
  }
}
