package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.load.BoxCost;
import io.provability.fabric.load.BoxMeter;
import io.provability.fabric.load.BoxMonitor;
import io.provability.fabric.load.BoxProcesses;
import io.provability.fabric.load.BrokerWrites;
import io.provability.fabric.load.KafkaTransport;
import io.provability.fabric.load.LoadGenerator;
import io.provability.fabric.load.LoadReport;
import io.provability.fabric.load.LoadResult;
import io.provability.fabric.load.LoadSession;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.traffic.LoadProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The smoke scenario, shortened for CI (15 s at 500/s over 10,000 sessions, every request kind, a
 * third of them built to be denied), as a guard on <em>correctness</em> under sustained load, not
 * on speed: every request gets exactly one decision, and every decision is the one the generator
 * built the request to get. It also writes the report, as {@code fabric load} does, to {@code
 * target/load-reports/}. Latency is printed, never asserted beyond the seed's SLOs.
 */
class LoadSmokeIT {
  @Test
  void sustainedMixedLoadIsDecidedExactlyOnceAndAsExpected() throws Exception {
    String ns = "smoke" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffL);
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-load-smoke-it-");
    Ed25519.SigningKey issuer = Ed25519.SigningKey.generate("smoke-issuer", new SecureRandom());
    Path trusted = ItFixtures.trustOnly(work.resolve("trusted.keys"), issuer);
    String prefix = ns + "-fabric.";
    FabricConfig cfg = ItFixtures.namespacedConfig(ns + "-", work, trusted, Map.of());
    LoadProfile profile =
        new LoadProfile(
            500,
            Duration.ofSeconds(15),
            10_000,
            8,
            50,
            LoadProfile.Mix.parse("plan=60,retrieval=25,egress=15"),
            0.67,
            0.8,
            42L);

    LoadResult result;
    BoxMeter meter;
    // the topology alone: the sinks are covered by PipelineEndToEndIT and InstanceFailureIT
    try (FabricRuntime runtime = FabricRuntime.start(cfg, ep, false);
        KafkaTransport transport =
            new KafkaTransport(
                ep.bootstrapServers(), cfg.topicRequests(), cfg.topicDecisions(), 2)) {
      meter =
          new BoxMeter(
              new BoxMonitor(
                  new BoxProcesses()
                      .add(BoxProcesses.GENERATOR, ProcessHandle.current().pid(), "this JVM"),
                  Clock.systemUTC(),
                  Duration.ofSeconds(1)),
              new BrokerWrites(ep.bootstrapServers()),
              null);
      LoadSession session =
          new LoadSession(
                  transport,
                  issuer,
                  Clock.systemUTC(),
                  new LoadGenerator(
                      Clock.systemUTC(), Duration.ofSeconds(90), Duration.ofSeconds(1)),
                  ns,
                  null)
              .observe(meter);
      result = session.run("smoke (CI)", profile);
      meter.close();
      assertThat(runtime.streams().state().isRunningOrRebalancing())
          .as("the topology survived the load")
          .isTrue();
    }
    LoadReport report =
        new LoadReport(
            "smoke-ci",
            "LoadSmokeIT",
            Instant.now(),
            Map.of("mode", "embedded, shared stack"),
            List.of(result),
            List.of(),
            List.of(),
            null,
            false);
    Path html = report.write(Path.of("target", "load-reports"), "smoke-ci-" + ns);
    System.out.printf(
        "load smoke IT: %,d sent, %,d decided, %,d sessions; p50 %.1f ms, p99 %.1f ms, max %.1f ms; report %s%n",
        result.sent(),
        result.decided(),
        result.sessionsTouched(),
        result.percentileMillis(50),
        result.percentileMillis(99),
        result.latency().getMaxValue() / 1000.0,
        html.toAbsolutePath());

    assertThat(result.sent()).isEqualTo(profile.totalRequests());
    assertThat(result.sendErrors()).as("send errors (first: %s)", result.firstSendError()).isZero();
    assertThat(result.lost()).as("requests without a decision").isZero();
    assertThat(result.duplicates()).as("requests decided more than once").isZero();
    assertThat(result.mismatches())
        .as("decisions other than expected: %s", result.mismatchSamples())
        .isZero();
    assertThat(result.decided()).isEqualTo(result.sent());
    assertThat(result.latencyByKind()).as("every kind was sent and decided").hasSize(3);
    assertThat(result.sessionsTouched())
        .as("sessions the requests spread over")
        .isGreaterThan(3_000);
    assertThat(report.checks())
        .filteredOn(c -> c.kind() == LoadReport.Kind.CORRECTNESS)
        .allMatch(LoadReport.Check::met);
    assertThat(Files.readString(html)).contains("<svg").contains("Latency by percentile");
    // the broker's writes of the run, read back: each request once on the requests topic, each
    // decision once
    BoxCost cost = meter.windows().get(0);
    assertThat(cost.writes().complete()).isTrue();
    assertThat(cost.writes().byTopic().get(prefix + "requests").records()).isEqualTo(result.sent());
    assertThat(cost.writes().byTopic().get(prefix + "decisions").records())
        .isEqualTo(result.decided());
    assertThat(cost.recordsPerDecision()).isGreaterThanOrEqualTo(2.0);
    assertThat(cost.cpuMicros().get(BoxProcesses.GENERATOR)).isPositive();
    assertThat(Files.readString(html.resolveSibling("smoke-ci-" + ns + ".json")))
        .contains("\"lost\": 0");
  }
}
