package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provability.fabric.load.FabricProcess;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.tools.cli.FabricCli;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
  private static final Path JAR =
      Path.of("..", "tools", "target", "fabric.jar").toAbsolutePath().normalize();
  private static final Path LIB =
      Path.of("..", "tools", "target", "lib").toAbsolutePath().normalize();

  @Test
  void aBadValueStopsStartUpWithAMessageNamingTheKey() throws Exception {
    Path work = Files.createTempDirectory("fabric-run-it-");
    FabricProcess p =
        fabric(work, Map.of("FABRIC_STREAMS_NUM_STANDBY_REPLICAS", "-1"), "run", "--no-sinks");
    assertThat(p.waitFor(Duration.ofSeconds(60))).isTrue();
    assertThat(p.exitValue()).isNotZero();
    assertThat(Files.readString(work.resolve("stderr.txt")))
        .contains("streams.num.standby.replicas");
  }

  @Test
  void anExternalModeInstanceBecomesReadyServesAndLeavesItsGroupOnSigterm() throws Exception {
    String ns = ItFixtures.namespace("run");
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-run-it-");
    Ed25519.SigningKey issuer = Ed25519.SigningKey.generate("run-it", new SecureRandom());
    Path trusted = ItFixtures.trustOnly(work.resolve("trusted.keys"), issuer);
    Properties props = ItFixtures.externalModeProperties(ep, ns, work, trusted);
    props.put(FabricConfig.STANDBY_REPLICAS_CONFIG, "1");
    Path config = ItFixtures.store(props, work.resolve("fabric.properties"), "RunCommandIT");
    int port = ItFixtures.freePort();
    // the port and host come from the environment: FABRIC_<KEY> overrides the file
    FabricProcess p =
        fabric(
            work,
            Map.of("FABRIC_HTTP_PORT", String.valueOf(port), "FABRIC_HTTP_HOST", "127.0.0.1"),
            "run",
            "--config",
            config.toString(),
            "--no-sinks");
    FrontDoorClient http = FrontDoorClient.at(port);
    URI ready = http.uri("/health/ready");
    try {
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                assertThat(p.isAlive()).as("fabric run exited: %s", p.tail(30)).isTrue();
                return status(http, ready) == 200;
              });
      String example =
          Files.readString(
              Path.of("..", "topology", "src", "test", "resources", "http", "plan-example.json"));
      HttpResponse<String> decided = http.post("/v1/plans", example, Map.of());
      assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);
      assertThat(decided.body()).contains("\"verdict\":\"DENY\"");
      try (Admin admin =
          Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()))) {
        assertThat(members(admin, ns + "runtime")).isEqualTo(1);

        assertThat(p.stop(Duration.ofSeconds(90))).as("stopped within 90 s of SIGTERM").isTrue();
        assertThat(Files.readString(work.resolve("stderr.txt")))
            .contains("stopping")
            .contains("stopped");
        // it left the group as it stopped: no wait for the 45 s session timeout before a failover
        await().atMost(Duration.ofSeconds(10)).until(() -> members(admin, ns + "runtime") == 0);
      }
    } finally {
      p.kill();
    }
  }

  /**
   * On embedded defaults {@code fabric run} works out of the box (a development issuer key it
   * trusts, an endpoints file for the other commands), and starts again on the same work directory
   * after a record on the policy-state topic: the embedded broker is new on every start, so the
   * state of the previous one must not be restored against it.
   */
  @Test
  void anEmbeddedRunWorksOutOfTheBoxAndStartsAgainOnTheSameWorkDirectory() throws Exception {
    Path work = Files.createTempDirectory("fabric-run-embedded-");
    Path instance = work.resolve("instance");
    int port = ItFixtures.freePort();
    Map<String, String> env =
        Map.of(
            "FABRIC_HTTP_PORT",
            String.valueOf(port),
            "FABRIC_HTTP_HOST",
            "127.0.0.1",
            "FABRIC_FABRIC_WORK_DIR",
            instance.toString());
    FrontDoorClient http = FrontDoorClient.at(port);
    for (int start = 1; start <= 2; start++) {
      Path out = work.resolve("start-" + start);
      Files.createDirectories(out);
      FabricProcess p = fabric(out, env, "run", "--no-sinks");
      try {
        Path endpoints = instance.resolve("endpoints.properties");
        await()
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> {
                  assertThat(p.isAlive()).as("fabric run exited: %s", p.tail(30)).isTrue();
                  return Files.readString(out.resolve("stdout.txt")).contains("stop:");
                });
        String stdout = Files.readString(out.resolve("stdout.txt"));
        Path issuerKey = instance.resolve("keys").resolve("dev-issuer.key");
        assertThat(stdout)
            .contains("token issuer key")
            .contains(issuerKey.toString())
            .contains("fabric token issue");
        // a token minted with the development key is trusted: the example plan is allowed
        String token =
            cli(
                    "token",
                    "issue",
                    "--key",
                    issuerKey.toString(),
                    "--tenant",
                    "acme",
                    "--subject",
                    "agent-1",
                    "--cap",
                    "read_docs:READ:acme/docs/*",
                    "--format",
                    "avro-base64")
                .strip();
        String plan =
            Files.readString(Path.of("..", "docs", "examples", "plan.json"))
                .replace("TOKEN", token);
        // the first decision of a cold instance on a busy machine may take more than the default
        // 5 s
        HttpResponse<String> decided =
            http.post("/v1/plans", plan, Map.of("X-Fabric-Timeout-Ms", "30000"));
        assertThat(decided.statusCode()).as("start %d: %s", start, decided.body()).isEqualTo(200);
        assertThat(decided.body()).as("start %d", start).contains("\"verdict\":\"ALLOW\"");
        // a record on the policy-state topic, through the endpoints file the instance wrote
        cli(
            "policy",
            "revoke",
            "tok-" + start,
            "--tenant",
            "acme",
            "--config",
            endpoints.toString());
        assertThat(cli("policy", "show", "--config", endpoints.toString()))
            .contains("revocation  tok-" + start);

        assertThat(p.stop(Duration.ofSeconds(90))).as("stopped within 90 s of SIGTERM").isTrue();
        String stderr = Files.readString(out.resolve("stderr.txt"));
        assertThat(stderr)
            .as("console of start %d", start)
            .doesNotContain("Exception")
            .doesNotContain(" ERROR ")
            .doesNotContain(" WARN ");
      } finally {
        p.kill();
      }
    }
  }

  /** Runs a command in this JVM and returns its standard output; fails on a non-zero exit code. */
  private static String cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cl = FabricCli.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    assertThat(cl.execute(args)).as("%s: %s", String.join(" ", args), err).isZero();
    return out.toString();
  }

  @Test
  void fabricLoadWithConfigAndAppProcessRunsTheApplicationAsAThirdProcess() throws Exception {
    String ns = ItFixtures.namespace("ldp");
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-load-it-");
    Properties props = ep.externalModeProperties();
    props.put(FabricConfig.APPLICATION_ID_CONFIG, ns + "runtime");
    props.putAll(ItFixtures.topicNames(ns));
    Path config =
        ItFixtures.store(
            props,
            work.resolve("fabric.properties"),
            "RunCommandIT: the servers only; fabric load adds the work directory and the issuer's key ring");
    Path reports = work.resolve("reports");
    // no --issuer-key: with --app-process the generator makes one and starts the application
    // trusting it
    FabricProcess p =
        fabric(
            work,
            Map.of(),
            "load",
            "custom",
            "--config",
            config.toString(),
            "--app-process",
            "--no-sinks",
            "--no-baselines",
            "--app-jvm-options",
            "-Xmx512m -XX:+UseParallelGC",
            "--rate",
            "200",
            "--duration",
            "PT5S",
            "--warmup",
            "PT3S",
            "--sessions",
            "300",
            "--drain-timeout",
            "PT90S",
            "--report-dir",
            reports.toString());
    try {
      assertThat(p.waitFor(Duration.ofMinutes(5))).as("fabric load finished").isTrue();
      assertThat(p.exitValue()).as(p.tail(30)).isZero();
    } finally {
      p.kill();
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
    // the whole box: the generator and the application by pid, CPU per decision, what the broker
    // took
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
    // every request the generator sent is on the requests topic, exactly once, and every decision
    // on the decisions topic
    assertThat(custom.at("/broker_writes/by_topic/" + ns + "fabric.requests/records").asLong())
        .isEqualTo(1_000);
    assertThat(custom.at("/broker_writes/by_topic/" + ns + "fabric.decisions/records").asLong())
        .isEqualTo(1_000);
    assertThat(custom.at("/broker_writes/complete").asBoolean()).isTrue();
    assertThat(report.at("/box/idle/cpu_by_process/application/cores_busy").isNumber()).isTrue();
    assertThat(report.at("/box/cpu_timeline").size()).isPositive();
    // memory is the application's JVM, not the generator's
    assertThat(report.at("/memory/note").asText()).contains("the application's own JVM");
    assertThat(report.at("/memory/rss_bytes").asLong()).isPositive();
    // the application was stopped with the generator
    assertThat(
            Files.readString(work.resolve("stdout.txt"))
                + Files.readString(work.resolve("stderr.txt")))
        .contains("application running, pid");
  }

  private static int members(Admin admin, String group) throws Exception {
    ConsumerGroupDescription d =
        admin.describeConsumerGroups(List.of(group)).all().get().get(group);
    return d.members().size();
  }

  private static int status(FrontDoorClient http, URI uri) {
    try {
      return http.http()
          .send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /**
   * The application jar's {@code fabric} in a JVM of its own, its output in {@code work/stdout.txt}
   * and {@code work/stderr.txt}, {@code env} its only {@code FABRIC_*} variables.
   */
  private static FabricProcess fabric(Path work, Map<String, String> env, String... args)
      throws IOException {
    assertThat(JAR).as("the application jar (mvn package of tools)").exists();
    return FabricProcess.java(JAR + File.pathSeparator + LIB + "/*")
        .jvmOptions("-Xmx512m")
        .args(args)
        .env(env)
        .output(work.resolve("stdout.txt"), work.resolve("stderr.txt"))
        .start();
  }
}
