package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.load.HttpTransport;
import io.provability.fabric.load.LoadGenerator;
import io.provability.fabric.load.LoadResult;
import io.provability.fabric.load.LoadSession;
import io.provability.fabric.load.StateSize;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.OperationsServer;
import io.provability.fabric.topology.traffic.LoadProfile;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code fabric load --transport http} against the real front door (an instance's {@link
 * OperationsServer} on the embedded stack): the load generator POSTs JSON, reads each decision from
 * the response and checks it against the verdict it built the request to get. Small on purpose (a
 * few seconds at 200/s): a guard on correctness of the HTTP path, not on speed. The other two tests
 * show that the checks can fail: a generator whose expectations are wrong (its tokens are signed by
 * a key the instance does not trust) is reported as wrong, and the front door's 504 at a deadline
 * is counted as an error by status, not dropped. The first also checks the state measurement
 * ({@link StateSize}) against what the topology must hold: one deduplication entry per decided
 * request.
 */
class HttpLoadIT {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private static String ns;
  private static FabricRuntime runtime;
  private static OperationsServer ops;
  private static Ed25519.SigningKey trustedIssuer;
  private static URI frontDoor;
  private static StackEndpoints ep;
  private static Path work;

  @BeforeAll
  static void start() throws Exception {
    ns = "httpload" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffL);
    ep = TestEnvironment.endpoints();
    work = Files.createTempDirectory("fabric-http-load-it-");
    trustedIssuer = Ed25519.SigningKey.generate("http-load-issuer", new SecureRandom());
    Path trusted = ItFixtures.trustOnly(work.resolve("trusted.keys"), trustedIssuer);
    Map<String, String> overrides = new HashMap<>(ItFixtures.topicNames(ns + "-"));
    overrides.putAll(
        Map.of(
            FabricConfig.WORK_DIR_CONFIG,
            work.toString(),
            FabricConfig.APPLICATION_ID_CONFIG,
            ns + "-runtime",
            FabricConfig.TRUSTED_KEYS_CONFIG,
            trusted.toString(),
            FabricConfig.HTTP_HOST_CONFIG,
            "127.0.0.1",
            FabricConfig.HTTP_PORT_CONFIG,
            "0"));
    FabricConfig cfg = FabricConfig.defaults(overrides);
    // the topology alone: the sinks are covered by PipelineEndToEndIT and InstanceFailureIT
    runtime = FabricRuntime.create(cfg, ep, false);
    ops = OperationsServer.start(runtime, Clock.systemUTC());
    runtime.startAndAwait(PATIENCE);
    frontDoor = URI.create("http://127.0.0.1:" + ops.port());
  }

  @AfterAll
  static void stop() throws IOException {
    if (ops != null) {
      ops.close();
    }
    if (runtime != null) {
      runtime.close();
    }
    if (work != null) {
      try (var paths = Files.walk(work)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static LoadProfile profile(double rate, Duration duration) {
    return new LoadProfile(
        rate,
        duration,
        2_000,
        4,
        10,
        LoadProfile.Mix.parse("plan=60,retrieval=25,egress=15"),
        0.67,
        0.8,
        7L);
  }

  private static LoadResult run(
      HttpTransport transport, Ed25519.SigningKey issuer, String name, LoadProfile profile)
      throws Exception {
    LoadSession session =
        new LoadSession(
            transport,
            issuer,
            Clock.systemUTC(),
            new LoadGenerator(Clock.systemUTC(), PATIENCE, Duration.ofMillis(500)),
            ns + name,
            null);
    LoadResult r = session.run(name, profile);
    System.out.printf(
        "http load IT %s: %,d sent, %,d decided, %,d errors %s, %,d mismatches; p50 %.1f ms, p99 %.1f ms%n",
        name,
        r.sent(),
        r.decided(),
        r.sendErrors(),
        transport.failuresByKind(),
        r.mismatches(),
        r.percentileMillis(50),
        r.percentileMillis(99));
    return r;
  }

  @Test
  void mixedLoadThroughTheFrontDoorIsDecidedOnceEachAndAsExpected() throws Exception {
    LoadProfile profile = profile(200, Duration.ofSeconds(5));
    try (HttpTransport transport = new HttpTransport(frontDoor, 256, null, PATIENCE)) {
      LoadResult r = run(transport, trustedIssuer, "ok", profile);
      assertThat(r.transport()).isEqualTo("http");
      assertThat(r.sent()).isEqualTo(profile.totalRequests());
      assertThat(r.sendErrors())
          .as("HTTP errors %s (first: %s)", transport.failuresByKind(), r.firstSendError())
          .isZero();
      assertThat(r.lost()).as("requests without a decision").isZero();
      assertThat(r.duplicates()).isZero();
      assertThat(r.mismatches())
          .as("decisions other than expected: %s", r.mismatchSamples())
          .isZero();
      assertThat(r.decided()).isEqualTo(r.sent());
      assertThat(r.latencyByKind())
          .as("plans, retrievals and egress checks all went through")
          .hasSize(3);

      // the state measurement of fabric load: the deduplication store holds one entry per decided
      // request
      StateSize state =
          StateSize.scan(ep.bootstrapServers(), ns + "-runtime", r.sessionsTouched(), PATIENCE);
      assertThat(state.stores()).containsKey("decided-requests");
      StateSize.Store decided = state.stores().get("decided-requests");
      assertThat(decided.entries())
          .as("decisions in the dedup store")
          .isGreaterThanOrEqualTo(r.decided());
      assertThat(decided.valueBytes()).isGreaterThan(100 * decided.entries());
      assertThat(state.bytesPerSession())
          .isEqualTo((double) state.totalBytes() / r.sessionsTouched());
    }
  }

  @Test
  void aWrongExpectationIsReportedAsWrong() throws Exception {
    // the generator believes its tokens are good; the instance does not trust their issuer and
    // denies
    Ed25519.SigningKey untrusted =
        Ed25519.SigningKey.generate("not-trusted-issuer", new SecureRandom());
    try (HttpTransport transport = new HttpTransport(frontDoor, 64, null, PATIENCE)) {
      LoadResult r = run(transport, untrusted, "wrong", profile(100, Duration.ofSeconds(2)));
      assertThat(r.sendErrors()).isZero();
      assertThat(r.lost()).isZero();
      assertThat(r.mismatches())
          .as("plans and retrievals built to be allowed, denied by the instance")
          .isPositive();
      assertThat(r.mismatchSamples())
          .isNotEmpty()
          .allMatch(s -> s.contains("got DENY"))
          .anyMatch(s -> s.contains("expected ALLOW"));
    }
  }

  @Test
  void theFrontDoorsDeadlineIsCountedAsAnErrorByStatus() throws Exception {
    // a 1 ms deadline: no decision (exactly-once, read_committed) can come back that fast
    try (HttpTransport transport =
        new HttpTransport(frontDoor, 64, Duration.ofMillis(1), PATIENCE)) {
      LoadResult r = run(transport, trustedIssuer, "deadline", profile(50, Duration.ofSeconds(1)));
      assertThat(r.sendErrors()).isPositive();
      assertThat(transport.failuresByKind())
          .containsOnlyKeys("HTTP 504")
          .containsEntry("HTTP 504", r.sendErrors());
      assertThat(r.firstSendError()).contains("HTTP 504");
      assertThat(r.decided() + r.sendErrors())
          .as("every request either decided or failed")
          .isEqualTo(r.sent());
      assertThat(r.errors()).isEqualTo(r.sendErrors() + r.mismatches());
    }
  }
}
