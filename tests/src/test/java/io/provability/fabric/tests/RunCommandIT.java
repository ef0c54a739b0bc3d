package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.embedded.StackEndpoints;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.junit.jupiter.api.Test;

/**
 * {@code fabric run} as operators start it: a separate JVM in external mode, configured by a file
 * plus environment variables, stopped with SIGTERM. Needs the application jar and its lib/ folder
 * (built by the topology module's package phase).
 */
class RunCommandIT {
  private static final Path JAR = Path.of("..", "topology", "target", "fabric.jar").toAbsolutePath().normalize();
  private static final Path LIB = Path.of("..", "topology", "target", "lib").toAbsolutePath().normalize();

  @Test
  void aBadValueStopsStartUpWithAMessageNamingTheKey() throws Exception {
    Path work = Files.createTempDirectory("fabric-run-it-");
    Process p = fabric(work, Map.of("FABRIC_STREAMS_NUM_STANDBY_REPLICAS", "-1"), "run", "--no-sinks");
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
    assertThat(Files.readString(work.resolve("stderr.txt"))).contains("streams.num.standby.replicas");
  }

  @Test
  void anExternalModeInstanceBecomesReadyServesAndLeavesItsGroupOnSigterm() throws Exception {
    String ns = "run" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffffL) + "-";
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-run-it-");
    Ed25519.SigningKey issuer = Ed25519.SigningKey.generate("run-it", new SecureRandom());
    Path trusted = work.resolve("trusted.keys");
    KeyRing.empty().with(issuer.keyId(), issuer.publicKey()).write(trusted);
    Properties props = ep.externalModeProperties();
    props.put(FabricConfig.WORK_DIR_CONFIG, work.resolve("instance").toString());
    props.put(FabricConfig.APPLICATION_ID_CONFIG, ns + "runtime");
    props.put(FabricConfig.TRUSTED_KEYS_CONFIG, trusted.toString());
    props.put(FabricConfig.STANDBY_REPLICAS_CONFIG, "1");
    props.putAll(OperationsIT.topicNames(ns));
    Path config = work.resolve("fabric.properties");
    try (var w = Files.newBufferedWriter(config)) {
      props.store(w, "RunCommandIT");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // the port and host come from the environment: FABRIC_<KEY> overrides the file
    Process p = fabric(work, Map.of("FABRIC_HTTP_PORT", String.valueOf(port), "FABRIC_HTTP_HOST", "127.0.0.1"),
        "run", "--config", config.toString(), "--no-sinks");
    HttpClient http = HttpClient.newHttpClient();
    URI ready = URI.create("http://127.0.0.1:" + port + "/health/ready");
    try {
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).until(() -> {
        assertThat(p.isAlive()).as("fabric run exited: %s", tail(work)).isTrue();
        return status(http, ready) == 200;
      });
      String example = Files.readString(Path.of("..", "topology", "src", "test", "resources", "http", "plan-example.json"));
      HttpResponse<String> decided = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/plans"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(example)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);
      assertThat(decided.body()).contains("\"verdict\":\"DENY\"");
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()))) {
        assertThat(members(admin, ns + "runtime")).isEqualTo(1);

        p.destroy(); // SIGTERM
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("stopped within 90 s").isTrue();
        assertThat(Files.readString(work.resolve("stderr.txt"))).contains("stopping").contains("stopped");
        // it left the group as it stopped: no wait for the 45 s session timeout before a failover
        await().atMost(Duration.ofSeconds(10)).until(() -> members(admin, ns + "runtime") == 0);
      }
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void fabricLoadWithConfigAndAppProcessRunsTheApplicationAsAThirdProcess() throws Exception {
    String ns = "ldp" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffffL) + "-";
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-load-it-");
    Properties props = ep.externalModeProperties();
    props.put(FabricConfig.APPLICATION_ID_CONFIG, ns + "runtime");
    props.putAll(OperationsIT.topicNames(ns));
    Path config = work.resolve("fabric.properties");
    try (var w = Files.newBufferedWriter(config)) {
      props.store(w, "RunCommandIT: the servers only; fabric load adds the work directory and the issuer's key ring");
    }
    Path reports = work.resolve("reports");
    // no --issuer-key: with --app-process the generator makes one and starts the application trusting it
    Process p = fabric(work, Map.of(), "load", "custom", "--config", config.toString(), "--app-process", "--no-sinks",
        "--no-baselines", "--app-jvm-options", "-Xmx512m -XX:+UseParallelGC", "--rate", "200", "--duration", "PT5S",
        "--warmup", "PT3S", "--sessions", "300", "--drain-timeout", "PT90S", "--report-dir", reports.toString());
    try {
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("fabric load finished").isTrue();
      assertThat(p.exitValue()).as(tail(work)).isZero();
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    Path json;
    try (var files = Files.list(reports)) {
      json = files.filter(f -> f.toString().endsWith(".json")).findFirst().orElseThrow();
    }
    JsonNode report = new ObjectMapper().readTree(json.toFile());
    assertThat(report.at("/environment/mode").asText()).startsWith("external, three processes");
    JsonNode run = report.at("/runs/1");
    assertThat(run.get("name").asText()).isEqualTo("custom");
    assertThat(run.get("sent").asLong()).isEqualTo(1_000);
    assertThat(run.get("decided").asLong()).isEqualTo(1_000);
    assertThat(run.get("mismatches").asLong()).isZero();
    // the latency split at decided_at: every decision in both parts
    assertThat(run.at("/latency_ms_until_decided_at/count").asLong()).isEqualTo(1_000);
    assertThat(run.at("/latency_ms_after_decided_at/count").asLong()).isEqualTo(1_000);
    // the whole box: the generator and the application by pid, CPU per decision, what the broker took
    JsonNode custom = null;
    for (JsonNode w : report.at("/box/runs")) {
      if (w.get("window").asText().equals("custom")) {
        custom = w;
      }
    }
    assertThat(custom).as("the box cost of the judged run").isNotNull();
    assertThat(custom.at("/cpu_by_process/application/cpu_seconds").asDouble()).isPositive();
    assertThat(custom.at("/cpu_by_process/generator/cpu_seconds").asDouble()).isPositive();
    assertThat(custom.get("cpu_us_per_decision_total").asDouble()).isPositive();
    // every request the generator sent is on the requests topic, exactly once, and every decision on the decisions topic
    assertThat(custom.at("/broker_writes/by_topic/" + ns + "fabric.requests/records").asLong()).isEqualTo(1_000);
    assertThat(custom.at("/broker_writes/by_topic/" + ns + "fabric.decisions/records").asLong()).isEqualTo(1_000);
    assertThat(custom.at("/broker_writes/complete").asBoolean()).isTrue();
    assertThat(report.at("/box/idle/cpu_by_process/application/cores_busy").isNumber()).isTrue();
    assertThat(report.at("/box/cpu_timeline").size()).isPositive();
    // memory is the application's JVM, not the generator's
    assertThat(report.at("/memory/note").asText()).contains("the application's own JVM");
    assertThat(report.at("/memory/rss_bytes").asLong()).isPositive();
    // the application was stopped with the generator
    assertThat(Files.readString(work.resolve("stdout.txt")) + Files.readString(work.resolve("stderr.txt")))
        .contains("application running, pid");
  }

  private static int members(Admin admin, String group) throws Exception {
    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
    return d.members().size();
  }

  private static int status(HttpClient http, URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String tail(Path work) throws IOException {
    List<String> lines = Files.readAllLines(work.resolve("stderr.txt"));
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  private static Process fabric(Path work, Map<String, String> env, String... args) throws IOException {
    assertThat(JAR).as("the application jar (mvn package of topology)").exists();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", JAR + java.io.File.pathSeparator + LIB + "/*", "io.provability.fabric.topology.cli.FabricCli"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(work.resolve("stdout.txt").toFile())
        .redirectError(work.resolve("stderr.txt").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("FABRIC_"));
    pb.environment().putAll(env);
    return pb.start();
  }
}
