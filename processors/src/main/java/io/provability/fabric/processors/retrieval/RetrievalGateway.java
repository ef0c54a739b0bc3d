package io.provability.fabric.processors.retrieval;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.kernel.KernelEngine;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.ReasonCode;
import io.provability.fabric.processors.kernel.ReceiptSigning;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import io.provability.fabric.processors.kernel.internal.ResourcePattern;
import io.provability.fabric.processors.kernel.internal.TokenChecks;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The retrieval gateway: decides a retrieval request under attribute-based rules and, when it
 * allows, issues a signed {@link AccessReceipt} that the kernel later verifies for retrieval steps.
 *
 * <p>A pure function of (request, token, policy state, the session's privacy spend so far, time):
 * no I/O and no clock of its own. The fabric <b>authorises and records</b> a retrieval; it does not
 * run the search. The receipt therefore attests what was authorised: {@code query_hash} is SHA-256
 * of the query's UTF-8 bytes, and {@code result_hash} is SHA-256 of a canonical descriptor of the
 * authorised result ({@link #resultDescriptor}: index shard, the sorted labels, the query hash),
 * not of documents.
 *
 * <p>Rules (deny by default; on DENY every failing reason is listed, ordered by {@link
 * ReasonCode}):
 *
 * <ul>
 *   <li>a capability token is required and must verify exactly as the kernel verifies it: Ed25519
 *       signature under a trusted issuer key, validity window, not revoked, issued to the request's
 *       subject; a token of another tenant is {@link ReasonCode#CROSS_TENANT};
 *   <li>the token (and the subject's current grant, when one exists) must hold {@value
 *       #CAP_RETRIEVE} with effect READ covering the resource {@code <tenant>/<index_shard>}; the
 *       shard is one canonical path segment, so a request can never name another tenant's shard;
 *   <li>labels: {@value #PUBLIC} and {@value #PRIVATE} need nothing more (the same-tenant rule
 *       already holds); {@value #CONFIDENTIAL}, {@value #FINANCIAL} and {@value #PII} need the
 *       capability {@link #LABEL_CAPABILITIES named for them} (READ, covering the same resource);
 *       {@value #SECRET} and any unknown label are always {@link ReasonCode#LABEL_DENIED};
 *   <li>privacy budget: a request's declared {@code dp_epsilon}/{@code dp_delta} is spent from its
 *       session's budget when it is allowed; a request that would take the session past either
 *       maximum, or a {@value #PII} request when the session has no epsilon left, is {@link
 *       ReasonCode#BUDGET_EXHAUSTED}.
 * </ul>
 */
public final class RetrievalGateway {
  /** The base capability of every retrieval (the kernel's retrieval-step marker). */
  public static final String CAP_RETRIEVE = KernelEngine.RETRIEVAL;

  /** Capability needed to read {@value #CONFIDENTIAL}. */
  public static final String CAP_CONFIDENTIAL = "read_confidential";

  /** Capability needed to read {@value #FINANCIAL}. */
  public static final String CAP_FINANCIAL = "read_financial";

  /** Capability needed to read {@value #PII} (besides privacy budget). */
  public static final String CAP_PII = "read_pii";

  /** Label readable by anyone of the tenant with {@value #CAP_RETRIEVE}. */
  public static final String PUBLIC = KernelEngine.PUBLIC;

  /** Label readable within its tenant with {@value #CAP_RETRIEVE}. */
  public static final String PRIVATE = "private";

  /** Label that needs {@value #CAP_CONFIDENTIAL}. */
  public static final String CONFIDENTIAL = "confidential";

  /** Label that needs {@value #CAP_FINANCIAL}. */
  public static final String FINANCIAL = "financial";

  /** Label that needs {@value #CAP_PII} and privacy budget left. */
  public static final String PII = "pii";

  /** Label that is never released. */
  public static final String SECRET = KernelEngine.SECRET;

  /** Which capability each capability-gated label needs. */
  public static final Map<String, String> LABEL_CAPABILITIES =
      Map.of(CONFIDENTIAL, CAP_CONFIDENTIAL, FINANCIAL, CAP_FINANCIAL, PII, CAP_PII);

  private static final Set<String> FREE_LABELS = Set.of(PUBLIC, PRIVATE);
  private static final String RESULT_DESCRIPTOR_TAG = "provability-fabric/retrieval-result/v1";
  private static final Comparator<Reason> STABLE_ORDER =
      Comparator.comparing((Reason r) -> ReasonCode.valueOf(r.getCode()));

  private final KeyRing trustedIssuers;
  private final Ed25519.SigningKey receiptKey;
  private final PrivacyBudget budget;
  private final VerifiedTokenCache tokenCache;

  /**
   * @param trustedIssuers the capability-token issuer keys (the kernel's ring)
   * @param receiptKey the key receipts are signed with; its key id must be in the kernel's receipt
   *     ring
   * @param budget the per-session privacy maxima
   */
  public RetrievalGateway(
      KeyRing trustedIssuers, Ed25519.SigningKey receiptKey, PrivacyBudget budget) {
    this(trustedIssuers, receiptKey, budget, VerifiedTokenCache.disabled());
  }

  /**
   * As above, sharing a verified-token cache (the kernel's, for the same issuer ring), so a token
   * is verified once for plans and retrievals alike.
   */
  public RetrievalGateway(
      KeyRing trustedIssuers,
      Ed25519.SigningKey receiptKey,
      PrivacyBudget budget,
      VerifiedTokenCache tokenCache) {
    this.trustedIssuers = trustedIssuers;
    this.receiptKey = receiptKey;
    this.budget = budget;
    this.tokenCache = tokenCache;
  }

  /** The key id receipts are signed under. */
  public String receiptKeyId() {
    return receiptKey.keyId();
  }

  /**
   * Decides {@code request} at {@code now}, its session having spent {@code spent} so far. Never
   * throws on bad input: anything that cannot be evaluated denies with {@code MALFORMED_REQUEST}.
   */
  public RetrievalOutcome decide(
      RetrievalRequest request, PolicyView policy, PrivacySpend spent, Instant now) {
    CapabilityToken token = request.getToken();
    String tokenId = token == null ? null : token.getTokenId();
    try {
      return doDecide(request, token, policy, spent, now);
    } catch (RuntimeException malformed) {
      return new RetrievalOutcome(
          Verdict.DENY,
          List.of(
              reason(
                  ReasonCode.MALFORMED_REQUEST, "retrieval could not be evaluated: " + malformed)),
          List.of(),
          tokenId,
          null,
          spent);
    }
  }

  private RetrievalOutcome doDecide(
      RetrievalRequest request,
      CapabilityToken token,
      PolicyView policy,
      PrivacySpend spent,
      Instant now) {
    List<Reason> reasons = new ArrayList<>();
    String tenant = request.getTenant();
    String subject = request.getSubjectId();
    String shard = request.getIndexShard();
    List<String> labels = List.copyOf(new LinkedHashSet<>(request.getRequestedLabels()));

    if (blank(request.getRequestId()) || blank(tenant) || blank(subject)) {
      reasons.add(
          reason(ReasonCode.MALFORMED_REQUEST, "request id, tenant and subject id are required"));
    }
    if (request.getQuery() == null) {
      reasons.add(reason(ReasonCode.MALFORMED_REQUEST, "a query is required"));
    }
    boolean shardOk = !blank(shard) && shard.indexOf('/') < 0 && ResourcePattern.isCanonical(shard);
    if (!shardOk) {
      reasons.add(
          reason(
              ReasonCode.MALFORMED_REQUEST,
              "index shard '" + shard + "' is not one canonical path segment of the tenant"));
    }
    if (labels.isEmpty()) {
      reasons.add(reason(ReasonCode.MALFORMED_REQUEST, "no labels requested"));
    }
    PrivacySpend asked = askedSpend(request, reasons);

    CapabilityToken trusted = checkToken(token, tenant, subject, policy, now, reasons);
    Set<String> matched = new LinkedHashSet<>();
    String resource = blank(tenant) || !shardOk ? null : tenant + "/" + shard;
    if (trusted != null && resource != null) {
      Optional<CapabilityGrant> grant =
          blank(subject) ? Optional.empty() : policy.grant(tenant, subject);
      CapabilityProblem problem = capabilityProblem(trusted, grant, CAP_RETRIEVE, resource);
      if (problem != null) {
        reasons.add(
            Reason.newBuilder(reason(problem.code(), problem.detail()))
                .setCapability(CAP_RETRIEVE)
                .setResource(resource)
                .build());
      } else {
        matched.add(CAP_RETRIEVE);
      }
      for (String label : labels) {
        String cap = LABEL_CAPABILITIES.get(label);
        if (cap == null) {
          continue;
        }
        CapabilityProblem labelProblem = capabilityProblem(trusted, grant, cap, resource);
        if (labelProblem != null) {
          reasons.add(
              Reason.newBuilder(
                      reason(
                          ReasonCode.LABEL_DENIED,
                          "label '"
                              + label
                              + "' needs capability '"
                              + cap
                              + "': "
                              + labelProblem.detail()))
                  .setLabel(label)
                  .setCapability(cap)
                  .setResource(resource)
                  .build());
        } else {
          matched.add(cap);
        }
      }
    }
    for (String label : labels) {
      if (SECRET.equals(label)) {
        reasons.add(
            Reason.newBuilder(
                    reason(ReasonCode.LABEL_DENIED, "label '" + SECRET + "' is never released"))
                .setLabel(SECRET)
                .build());
      } else if (!FREE_LABELS.contains(label) && !LABEL_CAPABILITIES.containsKey(label)) {
        reasons.add(
            Reason.newBuilder(
                    reason(
                        ReasonCode.LABEL_DENIED, "unknown label '" + label + "' (deny by default)"))
                .setLabel(label)
                .build());
      }
    }
    if (asked != null) {
      if (labels.contains(PII) && !budget.hasEpsilonLeft(spent)) {
        reasons.add(
            Reason.newBuilder(
                    reason(
                        ReasonCode.BUDGET_EXHAUSTED,
                        "session "
                            + request.getSessionId()
                            + " has no epsilon left for "
                            + PII
                            + " (spent "
                            + spent.epsilon()
                            + " of "
                            + budget.maxEpsilon()
                            + ")"))
                .setLabel(PII)
                .build());
      } else if (!budget.allows(spent, asked)) {
        reasons.add(
            reason(
                ReasonCode.BUDGET_EXHAUSTED,
                "session "
                    + request.getSessionId()
                    + " has spent epsilon "
                    + spent.epsilon()
                    + ", delta "
                    + spent.delta()
                    + "; asking "
                    + asked.epsilon()
                    + ", "
                    + asked.delta()
                    + " exceeds the maxima "
                    + budget.maxEpsilon()
                    + ", "
                    + budget.maxDelta()));
      }
    }

    if (!reasons.isEmpty()) {
      reasons.sort(STABLE_ORDER);
      return new RetrievalOutcome(
          Verdict.DENY, reasons, List.of(), token == null ? null : token.getTokenId(), null, spent);
    }
    AccessReceipt receipt = receiptFor(request, labels, now);
    return new RetrievalOutcome(
        Verdict.ALLOW,
        List.of(),
        List.copyOf(matched),
        token.getTokenId(),
        receipt,
        spent.plus(asked));
  }

  /** The request's declared spend, or null (with a reason) when it is not a finite amount >= 0. */
  private static PrivacySpend askedSpend(RetrievalRequest request, List<Reason> reasons) {
    double e = request.getDpEpsilon();
    double d = request.getDpDelta();
    if (!Double.isFinite(e) || e < 0 || !Double.isFinite(d) || d < 0) {
      reasons.add(
          reason(
              ReasonCode.MALFORMED_REQUEST,
              "dp_epsilon " + e + " and dp_delta " + d + " must be finite numbers >= 0"));
      return null;
    }
    return new PrivacySpend(e, d);
  }

  /** The kernel's token checks; returns the token if its signature verified, otherwise null. */
  private CapabilityToken checkToken(
      CapabilityToken token,
      String tenant,
      String subject,
      PolicyView policy,
      Instant now,
      List<Reason> reasons) {
    if (!TokenChecks.checkSignedAndCurrent(
        token, tokenCache, trustedIssuers, policy, now, reasons)) {
      return null;
    }
    TokenChecks.checkSubject(token, subject, reasons);
    if (!token.getTenant().equals(tenant)) {
      reasons.add(
          reason(
              ReasonCode.CROSS_TENANT,
              "token of tenant '" + token.getTenant() + "' presented for tenant '" + tenant + "'"));
      // a token of another tenant grants nothing here
      return null;
    }
    return token;
  }

  /** Why a capability does not authorise a resource: the reason code and its detail. */
  private record CapabilityProblem(ReasonCode code, String detail) {}

  /** Null if {@code capName} (READ) is granted for {@code resource} by the token and the grant. */
  private static CapabilityProblem capabilityProblem(
      CapabilityToken token, Optional<CapabilityGrant> grant, String capName, String resource) {
    Capability cap = TokenChecks.find(token.getCapabilities(), capName);
    if (cap == null) {
      return new CapabilityProblem(ReasonCode.CAP_MISS, "token does not grant '" + capName + "'");
    }
    Capability granted =
        grant.isPresent() ? TokenChecks.find(grant.get().getCapabilities(), capName) : cap;
    if (granted == null || granted.getEffect() != cap.getEffect()) {
      return new CapabilityProblem(
          ReasonCode.CAP_MISS, "the current grant of the subject does not hold '" + capName + "'");
    }
    if (cap.getEffect() != EffectKind.READ) {
      return new CapabilityProblem(
          ReasonCode.EFFECT_MISMATCH,
          "capability '"
              + capName
              + "' has effect "
              + cap.getEffect()
              + ", a retrieval needs READ");
    }
    if (!TokenChecks.covers(cap, resource) || !TokenChecks.covers(granted, resource)) {
      return new CapabilityProblem(
          ReasonCode.RESOURCE_OUT_OF_SCOPE,
          "resource '"
              + resource
              + "' not covered by capability '"
              + capName
              + "'"
              + (grant.isPresent() ? " of both the token and the current grant" : ""));
    }
    return null;
  }

  private AccessReceipt receiptFor(RetrievalRequest request, List<String> labels, Instant now) {
    List<String> sorted = List.copyOf(new TreeSet<>(labels));
    String queryHash = queryHash(request.getQuery());
    AccessReceipt unsigned =
        AccessReceipt.newBuilder()
            .setReceiptId(receiptId(request.getRequestId()))
            .setTenant(request.getTenant())
            .setSubjectId(request.getSubjectId())
            .setQueryHash(queryHash)
            .setResultHash(
                Hex.encode(
                    Sha256.digest(resultDescriptor(request.getIndexShard(), sorted, queryHash))))
            .setIndexShard(request.getIndexShard())
            .setLabels(sorted)
            // the Avro field holds milliseconds: sign exactly what a reader will decode
            .setTimestamp(now.truncatedTo(ChronoUnit.MILLIS))
            .setSignAlg(ReceiptSigning.ALGORITHM)
            .setKeyId(receiptKey.keyId())
            .setSignature(ByteBuffer.allocate(0))
            .build();
    return ReceiptSigning.sign(unsigned, receiptKey);
  }

  /**
   * "rcpt-" + the first 128 bits of SHA-256("receipt|" + requestId), in hex: a retry gets the same
   * id.
   */
  public static String receiptId(String requestId) {
    return "rcpt-"
        + Hex.encode(Sha256.digest(("receipt|" + requestId).getBytes(StandardCharsets.UTF_8)))
            .substring(0, 32);
  }

  /** SHA-256 of the query's UTF-8 bytes, 64 lowercase hex digits. */
  public static String queryHash(String query) {
    return Hex.encode(Sha256.digest(query.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The canonical descriptor of an authorised result, whose SHA-256 is the receipt's {@code
   * result_hash}: a version tag, the index shard, the labels (sorted, distinct) and the query hash;
   * each string as a 4-byte big-endian length followed by its UTF-8 bytes, the labels preceded by
   * their count (so no two different descriptors share an encoding).
   */
  public static byte[] resultDescriptor(
      String indexShard, List<String> sortedLabels, String queryHash) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    field(out, RESULT_DESCRIPTOR_TAG);
    field(out, indexShard);
    out.writeBytes(ByteBuffer.allocate(Integer.BYTES).putInt(sortedLabels.size()).array());
    for (String label : sortedLabels) {
      field(out, label);
    }
    field(out, queryHash);
    return out.toByteArray();
  }

  private static void field(ByteArrayOutputStream out, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    out.writeBytes(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
    out.writeBytes(bytes);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static Reason reason(ReasonCode code, String detail) {
    return Reason.newBuilder().setCode(code.name()).setStep(null).setDetail(detail).build();
  }
}
