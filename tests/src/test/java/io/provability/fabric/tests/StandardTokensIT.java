package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.InputChannels;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.SystemChannel;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.kernel.JwsTokens;
import io.provability.fabric.processors.kernel.TokenSigning;
import io.provability.fabric.tools.internal.demo.KafkaTraffic;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * JWS capability tokens through a running instance whose only trusted issuer key comes from a JWKS
 * file: a JWS token is allowed, a tampered one and one from an untrusted key are denied, and an
 * Avro token signed by the same JWKS key is still allowed.
 */
class StandardTokensIT {
  private static final Duration PATIENCE = Duration.ofMinutes(3);

  @Test
  void jwsAndAvroTokensUnderIssuerKeysFromAJwks() throws Exception {
    String ns = ItFixtures.namespace("jws");
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-jws-it-");
    Ed25519.SigningKey issuer = Ed25519.SigningKey.generate("jwks-issuer", new SecureRandom());
    Ed25519.SigningKey stranger = Ed25519.SigningKey.generate("stranger", new SecureRandom());
    Path jwks = work.resolve("issuers.jwks.json");
    Files.writeString(
        jwks,
        "{\"keys\": [{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"kid\": \""
            + issuer.keyId()
            + "\", \"x\": \""
            + Base64.getUrlEncoder().withoutPadding().encodeToString(issuer.publicKey())
            + "\"}]}");
    // no key ring file at all: the JWKS is the only source of trusted issuers
    FabricConfig cfg =
        ItFixtures.namespacedConfig(
            ns,
            work.resolve("instance"),
            work.resolve("absent.keys"),
            Map.of(FabricConfig.TRUSTED_JWKS_FILE_CONFIG, jwks.toString()));

    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    CapabilityToken claims =
        TestPlans.claims(
            ns + "tok",
            "acme",
            "agent-j",
            List.of(TestPlans.capability("read_docs", EffectKind.READ, "acme/docs/**")),
            now.minusSeconds(60),
            now.plusSeconds(3600),
            "it",
            issuer.keyId());
    String jws = JwsTokens.sign(claims, issuer);
    String[] parts = jws.split("\\.");
    String widened =
        new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
            .replace("acme/docs/**", "acme/**");
    String tampered =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(widened.getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];
    String untrusted = JwsTokens.sign(claims, stranger);
    CapabilityToken avro =
        TokenSigning.sign(
            CapabilityToken.newBuilder(claims).setTokenId(ns + "avro").build(), issuer);

    String session = ns + "session";
    Map<String, PlanRequest> plans =
        Map.of(
            "jws", plan(ns + "jws", session, now, null, jws),
            "tampered", plan(ns + "tampered", session, now, null, tampered),
            "untrusted", plan(ns + "untrusted", session, now, null, untrusted),
            "avro", plan(ns + "avro", session, now, avro, null));

    try (FabricRuntime runtime = FabricRuntime.start(cfg, ep, false);
        KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers());
        KafkaTraffic.DecisionReader reader =
            new KafkaTraffic.DecisionReader(ep.bootstrapServers(), cfg.topicDecisions())) {
      assertThat(runtime.streams().state().isRunningOrRebalancing()).isTrue();
      plans.values().forEach(p -> ItFixtures.send(producer, cfg, session, p));

      Decision allowed = ItFixtures.awaitDecision(reader, PATIENCE, ns + "jws");
      assertThat(allowed.getVerdict()).as("%s", allowed.getReasons()).isEqualTo(Verdict.ALLOW);
      assertThat(allowed.getTokenId()).isEqualTo(ns + "tok");
      assertThat(allowed.getMatchedCapabilities()).containsExactly("read_docs");
      for (String denied : List.of("tampered", "untrusted")) {
        Decision d = ItFixtures.awaitDecision(reader, PATIENCE, ns + denied);
        assertThat(d.getVerdict()).as(denied).isEqualTo(Verdict.DENY);
        assertThat(d.getReasons())
            .extracting(Reason::getCode)
            .as(denied)
            .contains("TOKEN_INVALID_SIGNATURE");
      }
      Decision avroAllowed = ItFixtures.awaitDecision(reader, PATIENCE, ns + "avro");
      assertThat(avroAllowed.getVerdict())
          .as("%s", avroAllowed.getReasons())
          .isEqualTo(Verdict.ALLOW);
    }
  }

  private static PlanRequest plan(
      String requestId, String session, Instant now, CapabilityToken token, String jws) {
    String h = "a".repeat(64);
    return PlanRequest.newBuilder()
        .setRequestId(requestId)
        .setSessionId(session)
        .setRequestedAt(now)
        .setPlanId("plan-" + requestId)
        .setTenant("acme")
        .setSubject(Subject.newBuilder().setId("agent-j").setToken(token).setTokenJws(jws).build())
        .setSteps(
            List.of(
                PlanStep.newBuilder()
                    .setTool("search")
                    .setCapsRequired(List.of("read_docs"))
                    .setResource("acme/docs/handbook")
                    .setEffect(EffectKind.READ)
                    .build()))
        .setInputChannels(
            InputChannels.newBuilder()
                .setSystem(SystemChannel.newBuilder().setHash(h).setPolicyHash(h).build())
                .build())
        .setConstraints(TestPlans.constraints())
        .setSystemPromptHash(h)
        .setCreatedAt(now.minusSeconds(1))
        .setExpiresAt(now.plus(Duration.ofMinutes(5)))
        .build();
  }
}
