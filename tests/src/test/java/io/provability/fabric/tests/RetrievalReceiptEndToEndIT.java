package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.kernel.ReceiptSigning;
import io.provability.fabric.processors.retrieval.RetrievalGateway;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.tools.internal.demo.KafkaTraffic;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * A retrieval receipt on the real pipeline: the retrieval gateway allows a retrieval and its
 * decision carries a receipt signed with the gateway key; a later plan whose retrieval step carries
 * that receipt is allowed by the kernel (which trusts the gateway key through {@code
 * kernel.receipt.keys.file}); the same plan with a flipped signature bit, or with a receipt signed
 * by a key the kernel does not trust, is denied with RECEIPT_INVALID.
 */
class RetrievalReceiptEndToEndIT {
  private static final Duration PATIENCE = Duration.ofMinutes(3);
  private static final String HASH =
      Hex.encode(Sha256.digest("system prompt v1".getBytes(StandardCharsets.UTF_8)));
  private static final String TENANT = "tenant-q";
  private static final String SUBJECT = "agent-q";

  @Test
  void aReceiptFromTheGatewayIsAcceptedInALaterPlanAndAForgedOneIsDenied() throws Exception {
    String ns = ItFixtures.namespace("rcpt");
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-receipt-it-");
    Ed25519.SigningKey issuer =
        Ed25519.SigningKey.generate("receipt-it-issuer", new SecureRandom());
    Path trusted = ItFixtures.trustOnly(work.resolve("trusted-issuers.keys"), issuer);
    Ed25519.SigningKey gateway =
        Ed25519.SigningKey.generate("receipt-it-gateway", new SecureRandom());
    FabricConfig cfg =
        ItFixtures.namespacedConfig(
            ns,
            work.resolve("instance"),
            trusted,
            ItFixtures.receiptSigning(
                gateway,
                work.resolve("retrieval-gateway.key"),
                work.resolve("trusted-receipt-signers.keys")));

    Instant now = Instant.now();
    CapabilityToken token = token(issuer, ns + "tok-1", now);
    String session = ns + "session-1";

    try (FabricRuntime runtime = FabricRuntime.start(cfg, ep, false);
        KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers());
        KafkaTraffic.DecisionReader reader =
            new KafkaTraffic.DecisionReader(ep.bootstrapServers(), cfg.topicDecisions())) {
      assertThat(runtime.streams().state().isRunningOrRebalancing()).isTrue();
      RetrievalRequest retrieval =
          RetrievalRequest.newBuilder()
              .setRequestId(ns + "retrieve-1")
              .setSessionId(session)
              .setRequestedAt(now.truncatedTo(ChronoUnit.MILLIS))
              .setTenant(TENANT)
              .setSubjectId(SUBJECT)
              .setToken(token)
              .setQuery("invoices over 10k in Q3")
              .setRequestedLabels(List.of("financial", "public"))
              .setIndexShard("ledger-1")
              .setDpEpsilon(0.1)
              .setDpDelta(1e-6)
              .build();
      ItFixtures.send(producer, cfg, session, retrieval);
      Decision allowed = ItFixtures.awaitDecision(reader, PATIENCE, retrieval.getRequestId());
      assertThat(allowed.getKind()).isEqualTo(RequestKind.RETRIEVAL);
      assertThat(allowed.getVerdict()).as(allowed.getReasons().toString()).isEqualTo(Verdict.ALLOW);
      AccessReceipt receipt = allowed.getReceipt();
      assertThat(receipt).isNotNull();
      assertThat(receipt.getReceiptId())
          .isEqualTo(RetrievalGateway.receiptId(retrieval.getRequestId()));
      assertThat(receipt.getKeyId()).isEqualTo(gateway.keyId());
      assertThat(receipt.getQueryHash())
          .isEqualTo(RetrievalGateway.queryHash("invoices over 10k in Q3"));
      assertThat(receipt.getLabels()).containsExactly("financial", "public");
      assertThat(
              Ed25519.verify(
                  gateway.publicKey(),
                  ReceiptSigning.signedBytes(receipt),
                  ReceiptSigning.signatureOf(receipt)))
          .as("the receipt as read from the decisions topic verifies under the gateway key")
          .isTrue();

      PlanRequest withReceipt = plan(ns + "plan-ok", session, token, receipt);
      ItFixtures.send(producer, cfg, session, withReceipt);
      Decision planAllowed = ItFixtures.awaitDecision(reader, PATIENCE, withReceipt.getRequestId());
      assertThat(planAllowed.getVerdict())
          .as(planAllowed.getReasons().toString())
          .isEqualTo(Verdict.ALLOW);

      byte[] sig = ReceiptSigning.signatureOf(receipt);
      sig[17] ^= 0x04;
      AccessReceipt flipped =
          AccessReceipt.newBuilder(receipt).setSignature(ByteBuffer.wrap(sig)).build();
      PlanRequest withFlipped = plan(ns + "plan-flipped", session, token, flipped);
      ItFixtures.send(producer, cfg, session, withFlipped);
      Decision flippedDenied =
          ItFixtures.awaitDecision(reader, PATIENCE, withFlipped.getRequestId());
      assertThat(flippedDenied.getVerdict()).isEqualTo(Verdict.DENY);
      assertThat(flippedDenied.getReasons())
          .extracting(r -> r.getCode())
          .contains("RECEIPT_INVALID")
          .doesNotContain("RECEIPT_MISSING");

      Ed25519.SigningKey untrusted =
          Ed25519.SigningKey.generate(gateway.keyId(), new SecureRandom());
      AccessReceipt forged = ReceiptSigning.sign(receipt, untrusted);
      PlanRequest withForged = plan(ns + "plan-forged", session, token, forged);
      ItFixtures.send(producer, cfg, session, withForged);
      Decision forgedDenied = ItFixtures.awaitDecision(reader, PATIENCE, withForged.getRequestId());
      assertThat(forgedDenied.getVerdict()).isEqualTo(Verdict.DENY);
      assertThat(forgedDenied.getReasons())
          .extracting(r -> r.getCode())
          .contains("RECEIPT_INVALID")
          .doesNotContain("RECEIPT_MISSING");
      System.out.printf(
          "receipt IT: retrieval decided in %d us; plans with the receipt: genuine %s, flipped bit %s, "
              + "untrusted signer %s%n",
          allowed.getEvalMicros(),
          planAllowed.getVerdict(),
          codes(flippedDenied),
          codes(forgedDenied));
    }
  }

  private static List<String> codes(Decision d) {
    return d.getReasons().stream().map(r -> r.getCode()).toList();
  }

  private static CapabilityToken token(Ed25519.SigningKey issuer, String id, Instant now) {
    return TestPlans.token(
        issuer,
        "receipt-it",
        id,
        TENANT,
        SUBJECT,
        List.of(
            TestPlans.capability(
                RetrievalGateway.CAP_RETRIEVE, EffectKind.READ, TENANT + "/ledger-*"),
            TestPlans.capability(
                RetrievalGateway.CAP_FINANCIAL, EffectKind.READ, TENANT + "/ledger-*")),
        now.minus(Duration.ofMinutes(1)),
        now.plus(Duration.ofHours(1)));
  }

  /** A one-step plan whose retrieval step carries {@code receipt} and reads what it attests. */
  private static PlanRequest plan(
      String requestId, String session, CapabilityToken token, AccessReceipt receipt) {
    PlanStep step =
        TestPlans.step(
            "retrieve",
            Map.of(),
            RetrievalGateway.CAP_RETRIEVE,
            TENANT + "/ledger-1",
            EffectKind.READ,
            List.of("public", "financial"),
            List.of("public", "financial"),
            List.of(receipt));
    return TestPlans.requestedAt(
        TestPlans.plan(
            requestId,
            session,
            requestId,
            TENANT,
            TestPlans.subject(SUBJECT, token),
            List.of(step),
            HASH,
            List.of(TestPlans.retrieved(receipt))),
        Instant.now());
  }
}
