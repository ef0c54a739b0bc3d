package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.EgressCertificate;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.cache.CacheMetrics;
import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.egress.CertificateSigning;
import io.provability.fabric.processors.egress.EgressFirewall;
import io.provability.fabric.processors.egress.EgressOutcome;
import io.provability.fabric.processors.egress.EgressPolicies;
import io.provability.fabric.processors.retrieval.RetrievalGateway;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.tools.internal.demo.KafkaTraffic;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.KeyFiles;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * The egress firewall and the retrieval gateway's privacy budget on the real pipeline (broker,
 * Kafka Streams with exactly-once, changelogged state):
 *
 * <ul>
 *   <li>egress texts come back ALLOW, REDACT (with the redacted text), BLOCK, and DENY when over
 *       the policy's size limit; every decision carries an egress certificate that verifies under
 *       the firewall's key, and the topology's verdict and redacted text equal the library's for
 *       the same request;
 *   <li>a session's differential-privacy spend survives a restart: an instance that starts with an
 *       empty state directory restores the budget from its changelog and denies the request that
 *       would overspend it;
 *   <li>with the hot tier's session-spend cache on (and every hit compared with the store), the
 *       budget is enforced exactly: 10 of 15 requests of 0.1 allowed per session, retries free.
 * </ul>
 */
class EgressAndBudgetEndToEndIT {
  private static final Duration PATIENCE = Duration.ofMinutes(3);
  private static final String TENANT = "tenant-e";
  private static final String SUBJECT = "agent-e";

  @Test
  void egressVerdictsThroughTheTopologyCarryVerifiableCertificates() throws Exception {
    String ns = ItFixtures.namespace("egr");
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-egress-it-");
    Ed25519.SigningKey certificateKey =
        Ed25519.SigningKey.generate("egress-it-cert", new SecureRandom());
    Path certificateKeyFile = work.resolve("egress-certificate.key");
    KeyFiles.write(certificateKeyFile, certificateKey);
    FabricConfig cfg =
        ItFixtures.namespacedConfig(
            ns,
            work.resolve("instance"),
            trustedRing(work, null),
            Map.of(FabricConfig.EGRESS_CERTIFICATE_KEY_CONFIG, certificateKeyFile.toString()));
    EgressFirewall library = new EgressFirewall(EgressPolicies.defaults(), certificateKey);

    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    String session = ns + "session";
    Map<String, String> texts =
        Map.of(
            "allow", "The quarterly report is ready; the dashboard was refreshed at noon.",
            "redact",
                "Mail carol.jones@example.com or call (415) 555-0132 about card 4111 1111 1111 1111.",
            "block", "the deploy key is AKIAUJZDEGXDNCF32EPF, rotate it",
            "keyed", "db config: password: \"Xk9#mP2$vL5@qR8!wT3&\" (do not share)",
            "oversized", "x".repeat(262_145));
    Map<String, Verdict> expected =
        Map.of(
            "allow",
            Verdict.ALLOW,
            "redact",
            Verdict.REDACT,
            "block",
            Verdict.BLOCK,
            "keyed",
            Verdict.REDACT,
            "oversized",
            Verdict.DENY);

    try (FabricRuntime runtime = FabricRuntime.start(cfg, ep, false);
        KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers());
        KafkaTraffic.DecisionReader reader =
            new KafkaTraffic.DecisionReader(ep.bootstrapServers(), cfg.topicDecisions())) {
      assertThat(runtime.streams().state().isRunningOrRebalancing()).isTrue();
      for (Map.Entry<String, String> t : texts.entrySet()) {
        ItFixtures.send(
            producer, cfg, session, egress(ns + t.getKey(), session, now, t.getValue()));
      }
      for (Map.Entry<String, String> t : texts.entrySet()) {
        EgressRequest request = egress(ns + t.getKey(), session, now, t.getValue());
        Decision d = ItFixtures.awaitDecision(reader, PATIENCE, request.getRequestId());
        EgressOutcome direct = library.check(request, now);
        assertThat(d.getKind()).isEqualTo(RequestKind.EGRESS);
        assertThat(d.getVerdict())
            .as("%s: %s", t.getKey(), d.getReasons())
            .isEqualTo(expected.get(t.getKey()));
        assertThat(d.getVerdict())
            .as("%s: topology and library agree", t.getKey())
            .isEqualTo(direct.verdict());
        assertThat(d.getRedactedText()).as(t.getKey()).isEqualTo(direct.redactedText());
        EgressCertificate c = d.getCertificate();
        assertThat(c).as("%s carries a certificate", t.getKey()).isNotNull();
        assertThat(c.getRequestId()).isEqualTo(request.getRequestId());
        assertThat(c.getKeyId()).isEqualTo(certificateKey.keyId());
        assertThat(CertificateSigning.verify(c, certificateKey.publicKey()))
            .as("%s: certificate verifies under the firewall key", t.getKey())
            .isTrue();
        assertThat(c.getTextHash())
            .isEqualTo(Hex.encode(Sha256.digest(t.getValue().getBytes(StandardCharsets.UTF_8))));
        byte[] sig = CertificateSigning.signatureOf(c);
        sig[3] ^= 0x01;
        EgressCertificate tampered =
            EgressCertificate.newBuilder(c).setSignature(ByteBuffer.wrap(sig)).build();
        assertThat(CertificateSigning.verify(tampered, certificateKey.publicKey())).isFalse();
      }
      Decision redacted = reader.decisions().get(ns + "redact");
      assertThat(redacted.getRedactedText())
          .doesNotContain("carol.jones@example.com", "555-0132", "4111 1111 1111 1111")
          .contains("about card");
      assertThat(reader.decisions().get(ns + "keyed").getRedactedText())
          .doesNotContain("Xk9#mP2$vL5@qR8!wT3&")
          .startsWith("db config: password: \"");
      assertThat(reader.decisions().get(ns + "oversized").getReasons())
          .extracting(r -> r.getCode())
          .containsExactly("EGRESS_TEXT_TOO_LARGE");
    }
  }

  @Test
  void aSessionsPrivacySpendSurvivesARestartWithAnEmptyStateDirectory() throws Exception {
    String ns = ItFixtures.namespace("bud");
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-budget-it-");
    Ed25519.SigningKey issuer = Ed25519.SigningKey.generate("budget-it-issuer", new SecureRandom());
    Path trusted = trustedRing(work, issuer);
    Path gatewayKeyFile = work.resolve("retrieval-gateway.key");
    KeyFiles.write(
        gatewayKeyFile, Ed25519.SigningKey.generate("budget-it-gateway", new SecureRandom()));
    Map<String, String> budget =
        Map.of(
            FabricConfig.RETRIEVAL_RECEIPT_KEY_CONFIG,
            gatewayKeyFile.toString(),
            FabricConfig.RETRIEVAL_MAX_EPSILON_CONFIG,
            "1.0");
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    CapabilityToken token = token(issuer, ns + "tok", now);
    String session = ns + "session";

    // Instance A spends 0.8 of the session's 1.0 epsilon, then stops.
    FabricConfig first =
        ItFixtures.namespacedConfig(ns, work.resolve("instance-a"), trusted, budget);
    try (FabricRuntime runtime = FabricRuntime.start(first, ep, false);
        KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers());
        KafkaTraffic.DecisionReader reader =
            new KafkaTraffic.DecisionReader(ep.bootstrapServers(), first.topicDecisions())) {
      assertThat(runtime.streams().state().isRunningOrRebalancing()).isTrue();
      for (int i = 1; i <= 2; i++) {
        RetrievalRequest r = retrieval(ns + "r" + i, session, token, now, 0.4);
        ItFixtures.send(producer, first, session, r);
        Decision d = ItFixtures.awaitDecision(reader, PATIENCE, r.getRequestId());
        assertThat(d.getVerdict())
            .as("retrieval %d: %s", i, d.getReasons())
            .isEqualTo(Verdict.ALLOW);
      }
    }
    // Instance B: same application id, a new and empty work dir, so its state comes from the
    // changelog only.
    FabricConfig second =
        ItFixtures.namespacedConfig(ns, work.resolve("instance-b"), trusted, budget);
    assertThat(second.workDir()).doesNotExist();
    try (FabricRuntime runtime = FabricRuntime.start(second, ep, false);
        KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers());
        KafkaTraffic.DecisionReader reader =
            new KafkaTraffic.DecisionReader(ep.bootstrapServers(), second.topicDecisions())) {
      assertThat(runtime.streams().state().isRunningOrRebalancing()).isTrue();
      RetrievalRequest over = retrieval(ns + "r3", session, token, now, 0.4);
      ItFixtures.send(producer, second, session, over);
      Decision denied = ItFixtures.awaitDecision(reader, PATIENCE, over.getRequestId());
      assertThat(denied.getVerdict()).as(denied.getReasons().toString()).isEqualTo(Verdict.DENY);
      assertThat(denied.getReasons())
          .extracting(r -> r.getCode())
          .containsExactly("BUDGET_EXHAUSTED");

      RetrievalRequest fits = retrieval(ns + "r4", session, token, now, 0.2);
      ItFixtures.send(producer, second, session, fits);
      Decision allowed = ItFixtures.awaitDecision(reader, PATIENCE, fits.getRequestId());
      assertThat(allowed.getVerdict())
          .as("0.8 + 0.2 fits the 1.0 budget: %s", allowed.getReasons())
          .isEqualTo(Verdict.ALLOW);
      assertThat(reader.decisions().get(ns + "r1").getVerdict())
          .as("decisions of instance A are still there")
          .isEqualTo(Verdict.ALLOW);
    }
  }

  @Test
  void theBudgetIsEnforcedExactlyWithTheSessionSpendCacheOn() throws Exception {
    String ns = ItFixtures.namespace("bsc");
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-budget-cache-it-");
    Ed25519.SigningKey issuer =
        Ed25519.SigningKey.generate("budget-cache-it-issuer", new SecureRandom());
    Path gatewayKeyFile = work.resolve("retrieval-gateway.key");
    KeyFiles.write(
        gatewayKeyFile, Ed25519.SigningKey.generate("budget-cache-it-gateway", new SecureRandom()));
    // caches on (the default) and every session-cache hit compared with a fresh read of the store
    FabricConfig cfg =
        ItFixtures.namespacedConfig(
            ns,
            work.resolve("instance"),
            trustedRing(work, issuer),
            Map.of(
                FabricConfig.RETRIEVAL_RECEIPT_KEY_CONFIG, gatewayKeyFile.toString(),
                FabricConfig.RETRIEVAL_MAX_EPSILON_CONFIG, "1.0",
                FabricConfig.CACHE_SHADOW_CHECK_CONFIG, "true"));
    assertThat(cfg.getBoolean(FabricConfig.CACHE_ENABLED_CONFIG)).isTrue();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    CapabilityToken token = token(issuer, ns + "tok", now);
    int sessions = 4;
    int perSession = 15;

    try (FabricRuntime runtime = FabricRuntime.start(cfg, ep, false);
        KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers());
        KafkaTraffic.DecisionReader reader =
            new KafkaTraffic.DecisionReader(ep.bootstrapServers(), cfg.topicDecisions())) {
      // interleaved sessions, each asking 15 times for 0.1 of its 1.0 epsilon, and three retries
      // per session
      for (int i = 0; i < perSession; i++) {
        for (int s = 0; s < sessions; s++) {
          String session = ns + "s" + s;
          ItFixtures.send(
              producer, cfg, session, retrieval(ns + "s" + s + "-r" + i, session, token, now, 0.1));
          if (i == 12) {
            for (int retry = 0; retry < 3; retry++) {
              ItFixtures.send(
                  producer,
                  cfg,
                  session,
                  retrieval(ns + "s" + s + "-r" + retry, session, token, now, 0.1));
            }
          }
        }
      }
      for (int s = 0; s < sessions; s++) {
        List<Verdict> verdicts = new ArrayList<>();
        for (int i = 0; i < perSession; i++) {
          Decision d = ItFixtures.awaitDecision(reader, PATIENCE, ns + "s" + s + "-r" + i);
          verdicts.add(d.getVerdict());
          if (d.getVerdict() == Verdict.DENY) {
            assertThat(d.getReasons())
                .extracting(r -> r.getCode())
                .containsExactly("BUDGET_EXHAUSTED");
          }
        }
        // 10 x 0.1 fit the 1.0 budget (the retries spend nothing), the 11th does not
        assertThat(verdicts)
            .as("session %d", s)
            .containsExactlyElementsOf(
                IntStream.range(0, perSession)
                    .mapToObj(i -> i < 10 ? Verdict.ALLOW : Verdict.DENY)
                    .toList());
      }
      CacheMetrics m = runtime.hotTier().metrics();
      long hits = m.lookups(CacheName.RETRIEVAL_SESSIONS, CacheMetrics.Outcome.HIT_EXACT);
      long misses = m.lookups(CacheName.RETRIEVAL_SESSIONS, CacheMetrics.Outcome.MISS);
      // one budget read per new request id (more only if an aborted transaction made the task
      // decide again)
      assertThat(hits + misses).isGreaterThanOrEqualTo((long) sessions * perSession);
      assertThat(hits)
          .as("sessions after their first request are served from the task's cache")
          .isGreaterThanOrEqualTo((long) sessions * (perSession - 1));
      assertThat(m.shadowChecks()).isGreaterThanOrEqualTo(hits);
      assertThat(m.shadowMismatches()).as("cached spends that differed from the store").isZero();
      // the same meters as /metrics shows them
      assertThat(
              m.registry()
                  .get("fabric.cache.lookups")
                  .tags("cache", "retrieval.sessions", "outcome", "hit_exact")
                  .counter()
                  .count())
          .isEqualTo((double) hits);
    }
  }

  private static EgressRequest egress(String id, String session, Instant at, String text) {
    return EgressRequest.newBuilder()
        .setRequestId(id)
        .setSessionId(session)
        .setRequestedAt(at)
        .setTenant(TENANT)
        .setSubjectId(SUBJECT)
        .setText(text)
        .setPolicyId(null)
        .build();
  }

  private static RetrievalRequest retrieval(
      String id, String session, CapabilityToken token, Instant at, double epsilon) {
    return RetrievalRequest.newBuilder()
        .setRequestId(id)
        .setSessionId(session)
        .setRequestedAt(at)
        .setTenant(TENANT)
        .setSubjectId(SUBJECT)
        .setToken(token)
        .setQuery("patients seen in March")
        .setRequestedLabels(List.of("pii"))
        .setIndexShard("clinic-1")
        .setDpEpsilon(epsilon)
        .setDpDelta(1e-9)
        .build();
  }

  private static Path trustedRing(Path work, Ed25519.SigningKey issuer) throws Exception {
    Ed25519.SigningKey key =
        issuer != null ? issuer : Ed25519.SigningKey.generate("unused-issuer", new SecureRandom());
    return ItFixtures.trustOnly(work.resolve("trusted-issuers.keys"), key);
  }

  private static CapabilityToken token(Ed25519.SigningKey issuer, String id, Instant now) {
    return TestPlans.token(
        issuer,
        "budget-it",
        id,
        TENANT,
        SUBJECT,
        List.of(
            TestPlans.capability(
                RetrievalGateway.CAP_RETRIEVE, EffectKind.READ, TENANT + "/clinic-*"),
            TestPlans.capability(RetrievalGateway.CAP_PII, EffectKind.READ, TENANT + "/clinic-*")),
        now.minus(Duration.ofMinutes(1)),
        now.plus(Duration.ofHours(1)));
  }
}
