package io.provability.fabric.processors.retrieval;

import static io.provability.fabric.processors.retrieval.RetrievalFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Constraints;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.InputChannels;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.RetrievedContent;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.SystemChannel;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.kernel.KernelEngine;
import io.provability.fabric.processors.kernel.KernelLimits;
import io.provability.fabric.processors.kernel.KernelResult;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.ReceiptSigning;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** The receipt the gateway signs, and how the kernel receives it in a later plan. */
class RetrievalGatewayTest {
  private static final String HASH = "a".repeat(64);
  private final CapabilityToken token = RetrievalFixtures.token("retrieve,read_financial");
  private final RetrievalRequest request =
      RetrievalFixtures.request(token, List.of("public", "financial", "public")).build();

  private AccessReceipt allowedReceipt() {
    RetrievalOutcome outcome =
        RetrievalFixtures.gateway().decide(request, PolicyView.empty(), PrivacySpend.ZERO, NOW);
    assertThat(outcome.verdict()).as(outcome.reasons().toString()).isEqualTo(Verdict.ALLOW);
    return outcome.receipt();
  }

  @Test
  void receiptRecordsWhatWasAuthorisedAndIsSignedWithTheGatewayKey() {
    AccessReceipt r = allowedReceipt();
    assertThat(r.getReceiptId())
        .isEqualTo(RetrievalGateway.receiptId("req-r1"))
        .startsWith("rcpt-")
        .hasSize(37);
    assertThat(r.getTenant()).isEqualTo("acme");
    assertThat(r.getSubjectId()).isEqualTo("agent-7");
    assertThat(r.getIndexShard()).isEqualTo("docs-eu-1");
    assertThat(r.getLabels()).containsExactly("financial", "public");
    assertThat(r.getTimestamp()).isEqualTo(NOW);
    assertThat(r.getSignAlg()).isEqualTo("ed25519");
    assertThat(r.getKeyId()).isEqualTo("gateway-1");
    assertThat(r.getQueryHash())
        .isEqualTo(
            Hex.encode(
                Sha256.digest("quarterly revenue by region".getBytes(StandardCharsets.UTF_8))));
    assertThat(r.getResultHash())
        .isEqualTo(
            Hex.encode(
                Sha256.digest(
                    RetrievalGateway.resultDescriptor(
                        "docs-eu-1", List.of("financial", "public"), r.getQueryHash()))));
    assertThat(
            RetrievalFixtures.RECEIPT_SIGNERS.verify(
                "gateway-1", ReceiptSigning.signedBytes(r), ReceiptSigning.signatureOf(r)))
        .isTrue();
  }

  @Test
  void queryHashIsPlainSha256AndDescriptorsNeverCollideAcrossFieldBoundaries() {
    // FIPS 180-2 test vector: SHA-256("abc")
    assertThat(RetrievalGateway.queryHash("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(RetrievalGateway.resultDescriptor("a", List.of("bc"), HASH))
        .isNotEqualTo(RetrievalGateway.resultDescriptor("ab", List.of("c"), HASH));
    assertThat(RetrievalGateway.resultDescriptor("a", List.of("b", "c"), HASH))
        .isNotEqualTo(RetrievalGateway.resultDescriptor("a", List.of("b,c"), HASH));
  }

  @Test
  void aRetriedRequestGetsAnIdenticalReceipt() {
    assertThat(allowedReceipt()).isEqualTo(allowedReceipt());
  }

  @Test
  void theKernelAcceptsTheReceiptInALaterPlanAndRejectsATamperedOne() {
    AccessReceipt receipt = allowedReceipt();
    KernelEngine kernel =
        new KernelEngine(
            RetrievalFixtures.ISSUERS,
            RetrievalFixtures.RECEIPT_SIGNERS,
            KernelLimits.DEFAULTS,
            VerifiedTokenCache.disabled());
    Instant later = NOW.plusSeconds(5);

    KernelResult ok = kernel.evaluate(planUsing(receipt), PolicyView.empty(), later);
    assertThat(ok.verdict()).as(ok.reasons().toString()).isEqualTo(Verdict.ALLOW);

    byte[] sig = ReceiptSigning.signatureOf(receipt);
    sig[0] ^= 0x01;
    AccessReceipt flipped =
        AccessReceipt.newBuilder(receipt).setSignature(ByteBuffer.wrap(sig)).build();
    assertThat(kernel.evaluate(planUsing(flipped), PolicyView.empty(), later).codes())
        .contains("RECEIPT_INVALID");

    AccessReceipt widened =
        AccessReceipt.newBuilder(receipt).setLabels(List.of("financial", "pii", "public")).build();
    assertThat(kernel.evaluate(planUsing(widened), PolicyView.empty(), later).codes())
        .contains("RECEIPT_INVALID");

    Ed25519.SigningKey untrusted =
        Ed25519.SigningKey.fromSeed("gateway-1", RetrievalFixtures.filled(11));
    AccessReceipt byStranger =
        new RetrievalGateway(RetrievalFixtures.ISSUERS, untrusted, RetrievalFixtures.BUDGET)
            .decide(request, PolicyView.empty(), PrivacySpend.ZERO, NOW)
            .receipt();
    assertThat(kernel.evaluate(planUsing(byStranger), PolicyView.empty(), later).codes())
        .contains("RECEIPT_INVALID");
  }

  @Test
  void aGrantNarrowsTheTokenForLabelsAsItDoesForThePlanSteps() {
    CapabilityGrant withoutFinancial =
        CapabilityGrant.newBuilder()
            .setGrantId("g-1")
            .setTenant("acme")
            .setSubjectId("agent-7")
            .setPolicyVersion(2)
            .setGrantedAt(NOW)
            .setCapabilities(
                List.of(
                    Capability.newBuilder()
                        .setName("retrieve")
                        .setEffect(EffectKind.READ)
                        .setResources(List.of("acme/**"))
                        .build()))
            .build();
    PolicyView policy =
        new PolicyView() {
          @Override
          public boolean isRevoked(String tokenId) {
            return false;
          }

          @Override
          public long policyVersion() {
            return 2L;
          }

          @Override
          public Optional<CapabilityGrant> grant(String tenant, String subjectId) {
            return Optional.of(withoutFinancial);
          }
        };
    RetrievalOutcome outcome =
        RetrievalFixtures.gateway().decide(request, policy, PrivacySpend.ZERO, NOW);
    assertThat(outcome.codes()).containsExactly("LABEL_DENIED");
    RetrievalRequest publicOnly =
        RetrievalRequest.newBuilder(request).setRequestedLabels(List.of("public")).build();
    assertThat(
            RetrievalFixtures.gateway()
                .decide(publicOnly, policy, PrivacySpend.ZERO, NOW)
                .verdict())
        .isEqualTo(Verdict.ALLOW);
  }

  @Test
  void privacySpendRoundTripsThroughItsStoredForm() {
    PrivacySpend spend = new PrivacySpend(0.25, 3e-6);
    assertThat(PrivacySpend.fromBytes(spend.toBytes())).isEqualTo(spend);
    Assertions.assertThatThrownBy(() -> PrivacySpend.fromBytes(new byte[15]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private PlanRequest planUsing(AccessReceipt receipt) {
    PlanStep step =
        PlanStep.newBuilder()
            .setTool("retrieve")
            .setArgs(Map.of())
            .setCapsRequired(List.of("retrieve"))
            .setResource("acme/docs-eu-1")
            .setEffect(EffectKind.READ)
            .setLabelsIn(List.of("public"))
            .setLabelsOut(List.of("public", "financial"))
            .setReceipts(List.of(receipt))
            .build();
    return PlanRequest.newBuilder()
        .setRequestId("req-p1")
        .setSessionId("sess-1")
        .setRequestedAt(NOW)
        .setPlanId("plan-1")
        .setTenant("acme")
        .setSubject(Subject.newBuilder().setId("agent-7").setToken(token).build())
        .setSteps(List.of(step))
        .setInputChannels(
            InputChannels.newBuilder()
                .setSystem(SystemChannel.newBuilder().setHash(HASH).setPolicyHash(HASH).build())
                .setRetrieved(
                    List.of(
                        RetrievedContent.newBuilder()
                            .setReceiptId(receipt.getReceiptId())
                            .setContentHash(receipt.getResultHash())
                            .setQuoted(true)
                            .setLabels(List.of("financial", "public"))
                            .build()))
                .build())
        .setConstraints(
            Constraints.newBuilder()
                .setBudget(1)
                .setPii(false)
                .setDpEpsilon(0.1)
                .setDpDelta(1e-6)
                .setLatencyMax(30)
                .build())
        .setSystemPromptHash(HASH)
        .setCreatedAt(NOW)
        .setExpiresAt(NOW.plus(Duration.ofMinutes(5)))
        .build();
  }
}
