package io.provability.fabric.topology.traffic;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityRevocation;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Constraints;
import io.provability.fabric.events.ContentRef;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.InputChannels;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.SystemChannel;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.kernel.ReasonCode;
import io.provability.fabric.processors.kernel.TokenSigning;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A deterministic stream of realistic plan requests over many tenants and sessions, each with the
 * verdict and reason code the kernel must give it. Roughly 66 % are allowed; the rest each break
 * one rule (a missing capability, a resource out of scope or in another tenant, an expired,
 * revoked, forged or missing token, an expired plan, unquoted user content, a system hash that
 * differs from the prompt's, a budget above the default maximum, a secret label flowing out).
 *
 * <p>The same seed gives the same requests, so a run can be replayed and compared.
 */
public final class SyntheticTraffic {
  /** One generated request and what the kernel must answer. */
  public record Generated(PlanRequest request, Verdict expectedVerdict, ReasonCode expectedCode) {}

  /** What each scenario breaks; ALLOWED breaks nothing. */
  public enum Scenario {
    ALLOWED(660, null),
    CAP_MISS(60, ReasonCode.CAP_MISS),
    RESOURCE_OUT_OF_SCOPE(50, ReasonCode.RESOURCE_OUT_OF_SCOPE),
    CROSS_TENANT_RESOURCE(40, ReasonCode.INVALID_TENANT),
    TOKEN_EXPIRED(40, ReasonCode.TOKEN_EXPIRED),
    TOKEN_REVOKED(30, ReasonCode.TOKEN_REVOKED),
    TOKEN_FORGED(30, ReasonCode.TOKEN_INVALID_SIGNATURE),
    PLAN_EXPIRED(30, ReasonCode.PLAN_EXPIRED),
    TOKEN_MISSING(20, ReasonCode.TOKEN_MISSING),
    UNTRUSTED_NOT_QUOTED(10, ReasonCode.UNTRUSTED_NOT_QUOTED),
    SYSTEM_HASH_MISMATCH(10, ReasonCode.SYSTEM_HASH_MISMATCH),
    BUDGET_EXCEEDED(10, ReasonCode.BUDGET_EXCEEDED),
    LABEL_FLOW(10, ReasonCode.LABEL_FLOW);

    final int weightPerMille;
    final ReasonCode code;

    Scenario(int weightPerMille, ReasonCode code) {
      this.weightPerMille = weightPerMille;
      this.code = code;
    }
  }

  private static final String HASH =
      Hex.encode(Sha256.digest("system prompt v1".getBytes(StandardCharsets.UTF_8)));
  private static final String OTHER_HASH =
      Hex.encode(Sha256.digest("system prompt v2".getBytes(StandardCharsets.UTF_8)));

  private final String namespace;
  private final Ed25519.SigningKey issuer;
  private final Ed25519.SigningKey forger;
  private final int tenants;
  private final int sessions;
  private final Instant now;
  private final SplittableRandom random;
  private final Map<Integer, CapabilityToken> sessionTokens = new HashMap<>();
  private final Map<String, CapabilityRevocation> revocations = new LinkedHashMap<>();
  private long sequence;

  /**
   * @param issuer the trusted issuer key that signs valid tokens
   * @param tenants how many tenants the sessions spread over
   * @param sessions how many distinct sessions
   * @param now the time the requests are made at (tokens and plans are valid around it)
   */
  public SyntheticTraffic(
      Ed25519.SigningKey issuer, int tenants, int sessions, Instant now, long seed) {
    this("", issuer, tenants, sessions, now, seed);
  }

  /**
   * As above, with every session, request and token id prefixed by {@code namespace}, so runs that
   * share a broker and a database can be told apart.
   */
  public SyntheticTraffic(
      String namespace,
      Ed25519.SigningKey issuer,
      int tenants,
      int sessions,
      Instant now,
      long seed) {
    this.namespace = namespace;
    this.issuer = issuer;
    this.forger =
        Ed25519.SigningKey.fromSeed(
            issuer.keyId(), Sha256.digest(("forger" + seed).getBytes(StandardCharsets.UTF_8)));
    this.tenants = tenants;
    this.sessions = sessions;
    this.now = now;
    this.random = new SplittableRandom(seed);
  }

  /** The revocations the policy-state topic must hold before the traffic is decided. */
  public Map<String, CapabilityRevocation> revocations() {
    return revocations;
  }

  /** The next request. */
  public Generated next() {
    long seq = sequence++;
    int session = random.nextInt(sessions);
    int tenantNo = session % tenants;
    String tenant = "tenant-" + tenantNo;
    String subject = "agent-" + tenantNo + "-" + (session / tenants) % 50;
    String sessionId = namespace + "session-" + session;
    Scenario scenario = pick();

    CapabilityToken token =
        switch (scenario) {
          case TOKEN_EXPIRED ->
              mint(
                  tenant,
                  subject,
                  namespace + "tok-exp-" + seq,
                  now.minus(Duration.ofHours(2)),
                  now.minus(Duration.ofMinutes(1)),
                  issuer);
          case TOKEN_REVOKED -> revoked(tenant, subject, seq);
          case TOKEN_FORGED ->
              mint(
                  tenant,
                  subject,
                  namespace + "tok-forged-" + seq,
                  now.minus(Duration.ofMinutes(5)),
                  now.plus(Duration.ofHours(1)),
                  forger);
          case TOKEN_MISSING -> null;
          default ->
              sessionTokens.computeIfAbsent(
                  session,
                  s ->
                      mint(
                          tenant,
                          subject,
                          "tok-" + sessionId,
                          now.minus(Duration.ofMinutes(5)),
                          now.plus(Duration.ofHours(6)),
                          issuer));
        };

    List<PlanStep> steps = new ArrayList<>();
    steps.add(step("search_docs", "read_docs", EffectKind.READ, tenant + "/docs/" + topic(seq)));
    if (random.nextInt(3) == 0) {
      steps.add(step("send_email", "send_email", EffectKind.SEND, tenant + "/mail/outbox"));
    }
    switch (scenario) {
      case CAP_MISS ->
          steps.add(
              step(
                  "write_report",
                  "write_reports",
                  EffectKind.WRITE,
                  tenant + "/reports/q" + (seq % 4)));
      case RESOURCE_OUT_OF_SCOPE ->
          steps.add(step("search_docs", "read_docs", EffectKind.READ, tenant + "/secrets/keys"));
      case CROSS_TENANT_RESOURCE ->
          steps.add(
              step(
                  "search_docs",
                  "read_docs",
                  EffectKind.READ,
                  "tenant-" + ((tenantNo + 1) % Math.max(2, tenants)) + "/docs/board-minutes"));
      case LABEL_FLOW ->
          steps.add(
              PlanStep.newBuilder(
                      step("send_email", "send_email", EffectKind.SEND, tenant + "/mail/outbox"))
                  .setLabelsOut(List.of("public", "secret"))
                  .build());
      default -> {}
    }
    Instant expires =
        scenario == Scenario.PLAN_EXPIRED
            ? now.minus(Duration.ofSeconds(30))
            : now.plus(Duration.ofMinutes(10));

    PlanRequest plan =
        PlanRequest.newBuilder()
            .setRequestId(namespace + "req-" + seq + "-" + Long.toHexString(random.nextLong()))
            .setSessionId(sessionId)
            .setRequestedAt(now)
            .setPlanId("plan-" + seq)
            .setTenant(tenant)
            .setSubject(
                Subject.newBuilder().setId(subject).setToken(token).setCaps(List.of()).build())
            .setSteps(steps)
            .setInputChannels(
                InputChannels.newBuilder()
                    .setSystem(
                        SystemChannel.newBuilder()
                            .setHash(scenario == Scenario.SYSTEM_HASH_MISMATCH ? OTHER_HASH : HASH)
                            .setPolicyHash(HASH)
                            .build())
                    .setUser(
                        ContentRef.newBuilder()
                            .setContentHash(HASH)
                            .setQuoted(scenario != Scenario.UNTRUSTED_NOT_QUOTED)
                            .build())
                    .setRetrieved(List.of())
                    .setFile(List.of())
                    .build())
            .setConstraints(
                Constraints.newBuilder()
                    .setBudget(scenario == Scenario.BUDGET_EXCEEDED ? 1_000.0 : 1.0)
                    .setPii(false)
                    .setDpEpsilon(0.1)
                    .setDpDelta(1e-6)
                    .setLatencyMax(30.0)
                    .build())
            .setSystemPromptHash(HASH)
            .setCreatedAt(now.minus(Duration.ofSeconds(1)))
            .setExpiresAt(expires)
            .build();
    Verdict verdict = scenario == Scenario.ALLOWED ? Verdict.ALLOW : Verdict.DENY;
    return new Generated(plan, verdict, scenario.code);
  }

  private CapabilityToken revoked(String tenant, String subject, long seq) {
    String id = namespace + "tok-revoked-" + seq;
    CapabilityToken t =
        mint(
            tenant,
            subject,
            id,
            now.minus(Duration.ofMinutes(5)),
            now.plus(Duration.ofHours(1)),
            issuer);
    revocations.put(
        id,
        CapabilityRevocation.newBuilder()
            .setTokenId(id)
            .setTenant(tenant)
            .setRevokedAt(now.minus(Duration.ofMinutes(1)))
            .setReason("demo: compromised agent")
            .build());
    return t;
  }

  private Scenario pick() {
    int roll = random.nextInt(1000);
    int acc = 0;
    for (Scenario s : Scenario.values()) {
      acc += s.weightPerMille;
      if (roll < acc) {
        return s;
      }
    }
    return Scenario.ALLOWED;
  }

  private String topic(long seq) {
    String[] topics = {"handbook", "pricing/2026", "runbooks/oncall", "contracts/msa", "faq"};
    return topics[(int) (seq % topics.length)];
  }

  private static PlanStep step(String tool, String cap, EffectKind effect, String resource) {
    return PlanStep.newBuilder()
        .setTool(tool)
        .setArgs(Map.of("q", tool))
        .setCapsRequired(List.of(cap))
        .setResource(resource)
        .setEffect(effect)
        .setLabelsIn(List.of("public"))
        .setLabelsOut(List.of("public"))
        .setReceipts(List.of())
        .build();
  }

  private CapabilityToken mint(
      String tenant,
      String subject,
      String id,
      Instant notBefore,
      Instant expires,
      Ed25519.SigningKey key) {
    CapabilityToken unsigned =
        CapabilityToken.newBuilder()
            .setTokenId(id)
            .setTenant(tenant)
            .setSubjectId(subject)
            .setCapabilities(
                List.of(
                    Capability.newBuilder()
                        .setName("read_docs")
                        .setEffect(EffectKind.READ)
                        .setResources(List.of(tenant + "/docs/**"))
                        .build(),
                    Capability.newBuilder()
                        .setName("send_email")
                        .setEffect(EffectKind.SEND)
                        .setResources(List.of(tenant + "/mail/*"))
                        .build()))
            .setIssuedAt(notBefore)
            .setNotBefore(notBefore)
            .setExpiresAt(expires)
            .setIssuer("demo-issuer")
            .setKeyId(key.keyId())
            .setSignature(ByteBuffer.allocate(0))
            .build();
    return TokenSigning.sign(unsigned, key);
  }
}
