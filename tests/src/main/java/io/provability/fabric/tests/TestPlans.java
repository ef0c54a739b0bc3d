package io.provability.fabric.tests;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Constraints;
import io.provability.fabric.events.ContentRef;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.InputChannels;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.RetrievedContent;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.SystemChannel;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.kernel.TokenSigning;
import io.provability.fabric.processors.retrieval.RetrievalGateway;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * Capability tokens and plans as the end-to-end tests and the benchmarks build them: a token's
 * claims and signature, a plan's steps, its standard input channels and constraints.
 */
public final class TestPlans {

  /** The system prompt hash of most plans: the SHA-256 of "system prompt v1", in hex. */
  public static final String SYSTEM_PROMPT_HASH =
      Hex.encode(Sha256.digest("system prompt v1".getBytes(StandardCharsets.UTF_8)));

  private TestPlans() {}

  /** A capability {@code name} with {@code effect} on the resources matching {@code glob}. */
  public static Capability capability(String name, EffectKind effect, String glob) {
    return capability(name, effect, List.of(glob));
  }

  /**
   * A capability {@code name} with {@code effect} on the resources matching any of {@code globs}.
   */
  public static Capability capability(String name, EffectKind effect, List<String> globs) {
    return Capability.newBuilder().setName(name).setEffect(effect).setResources(globs).build();
  }

  /**
   * Unsigned token claims, valid from {@code issuedAt} (also its not-before) to {@code expiresAt},
   * naming {@code keyId} and carrying an empty signature.
   */
  public static CapabilityToken claims(
      String tokenId,
      String tenant,
      String subject,
      List<Capability> capabilities,
      Instant issuedAt,
      Instant expiresAt,
      String issuerName,
      String keyId) {
    return CapabilityToken.newBuilder()
        .setTokenId(tokenId)
        .setTenant(tenant)
        .setSubjectId(subject)
        .setCapabilities(capabilities)
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpiresAt(expiresAt)
        .setIssuer(issuerName)
        .setKeyId(keyId)
        .setSignature(ByteBuffer.allocate(0))
        .build();
  }

  /** {@link #claims} signed by {@code issuer} (its key id in the claims). */
  public static CapabilityToken token(
      Ed25519.SigningKey issuer,
      String issuerName,
      String tokenId,
      String tenant,
      String subject,
      List<Capability> capabilities,
      Instant issuedAt,
      Instant expiresAt) {
    return TokenSigning.sign(
        claims(
            tokenId,
            tenant,
            subject,
            capabilities,
            issuedAt,
            expiresAt,
            issuerName,
            issuer.keyId()),
        issuer);
  }

  /**
   * A token signed by {@code issuer} that lets {@code subject} retrieve from the shards matching
   * {@code glob}, valid from a minute ago for an hour.
   */
  public static CapabilityToken retrievalToken(
      Ed25519.SigningKey issuer,
      String issuerName,
      String tokenId,
      String tenant,
      String subject,
      String glob) {
    Instant now = Instant.now();
    return token(
        issuer,
        issuerName,
        tokenId,
        tenant,
        subject,
        List.of(capability(RetrievalGateway.CAP_RETRIEVE, EffectKind.READ, glob)),
        now.minusSeconds(60),
        now.plusSeconds(3600));
  }

  /** The subject {@code id} presenting {@code token}, with no further capabilities. */
  public static Subject subject(String id, CapabilityToken token) {
    return Subject.newBuilder().setId(id).setToken(token).setCaps(List.of()).build();
  }

  /** One step: {@code tool} with {@code args}, needing capability {@code cap}. */
  public static PlanStep step(
      String tool,
      Map<String, String> args,
      String cap,
      String resource,
      EffectKind effect,
      List<String> labelsIn,
      List<String> labelsOut,
      List<AccessReceipt> receipts) {
    return PlanStep.newBuilder()
        .setTool(tool)
        .setArgs(args)
        .setCapsRequired(List.of(cap))
        .setResource(resource)
        .setEffect(effect)
        .setLabelsIn(labelsIn)
        .setLabelsOut(labelsOut)
        .setReceipts(receipts)
        .build();
  }

  /** A "search_docs" step reading public {@code resource} with {@code args}, needing read_docs. */
  public static PlanStep searchDocs(Map<String, String> args, String resource) {
    return step(
        "search_docs",
        args,
        "read_docs",
        resource,
        EffectKind.READ,
        List.of("public"),
        List.of("public"),
        List.of());
  }

  /** The retrieved content a receipt attests, quoted, with the receipt's labels. */
  public static RetrievedContent retrieved(AccessReceipt receipt) {
    return RetrievedContent.newBuilder()
        .setReceiptId(receipt.getReceiptId())
        .setContentHash(receipt.getResultHash())
        .setQuoted(true)
        .setLabels(receipt.getLabels())
        .build();
  }

  /** Budget 1, no PII, differential privacy epsilon 0.1 and delta 1e-6, latency at most 30. */
  public static Constraints constraints() {
    return Constraints.newBuilder()
        .setBudget(1.0)
        .setPii(false)
        .setDpEpsilon(0.1)
        .setDpDelta(1e-6)
        .setLatencyMax(30.0)
        .build();
  }

  /**
   * A plan of {@code steps} whose system channel, policy, quoted user content and system prompt all
   * hash to {@code hash}, with {@code retrieved} content, no files and {@link #constraints()}; the
   * caller sets the times ({@code requestedAt}, {@code createdAt}, {@code expiresAt}).
   */
  public static PlanRequest.Builder plan(
      String requestId,
      String sessionId,
      String planId,
      String tenant,
      Subject subject,
      List<PlanStep> steps,
      String hash,
      List<RetrievedContent> retrieved) {
    return PlanRequest.newBuilder()
        .setRequestId(requestId)
        .setSessionId(sessionId)
        .setPlanId(planId)
        .setTenant(tenant)
        .setSubject(subject)
        .setSteps(steps)
        .setInputChannels(
            InputChannels.newBuilder()
                .setSystem(SystemChannel.newBuilder().setHash(hash).setPolicyHash(hash).build())
                .setUser(ContentRef.newBuilder().setContentHash(hash).setQuoted(true).build())
                .setRetrieved(retrieved)
                .setFile(List.of())
                .build())
        .setConstraints(constraints())
        .setSystemPromptHash(hash);
  }

  /**
   * {@code plan} requested and created at {@code at} (to the millisecond, as the topics carry it),
   * expiring ten minutes later.
   */
  public static PlanRequest requestedAt(PlanRequest.Builder plan, Instant at) {
    Instant t = at.truncatedTo(ChronoUnit.MILLIS);
    return plan.setRequestedAt(t)
        .setCreatedAt(t)
        .setExpiresAt(t.plus(Duration.ofMinutes(10)))
        .build();
  }
}
