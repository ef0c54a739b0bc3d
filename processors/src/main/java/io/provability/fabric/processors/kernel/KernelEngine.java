package io.provability.fabric.processors.kernel;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Constraints;
import io.provability.fabric.events.ContentRef;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.InputChannels;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.RetrievedContent;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.KeyRing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The kernel decision engine: validates an agent plan against the subject's capability token.
 *
 * <p>A pure function of (plan, token, policy state, time): no I/O, no clock of its own, so the
 * same inputs always give the same result, which is what audit replay relies on (the verified-token
 * cache only memoises a signature check, whose answer never changes for the same bytes and key
 * ring). ALLOW only if every check passes; otherwise DENY with all failing reasons, ordered by
 * {@link ReasonCode} then step. Fields of a token or receipt whose signature does not verify are
 * never used to grant anything, and anything that cannot be evaluated denies.
 *
 * <p>Retrieval steps: a step whose tool is {@value #RETRIEVAL} or whose required capabilities
 * include {@value #RETRIEVAL} must carry at least one access receipt. Every receipt a step carries
 * must verify under the receipt key ring and belong to the plan's tenant and subject; every
 * {@code input_channels.retrieved} entry must name (by {@code receipt_id}) a valid receipt carried
 * by a step and claim exactly its labels.
 *
 * <p>Label flow: step {@code i} may read ({@code labels_in}) only {@value #PUBLIC}, labels of
 * verified retrieved content, and labels that steps before it produced ({@code labels_out});
 * a step may not drop a label it read (its {@code labels_out} include its {@code labels_in}); and
 * {@value #SECRET} never appears in any {@code labels_out}.
 */
public final class KernelEngine implements PlanEvaluator {
  /** Tool and capability name that mark a retrieval step. */
  public static final String RETRIEVAL = "retrieve";
  /** The label any step may read without provenance. */
  public static final String PUBLIC = "public";
  /** The label that never flows out of a step. */
  public static final String SECRET = "secret";

  private static final Comparator<Reason> STABLE_ORDER = Comparator
      .comparing((Reason r) -> ReasonCode.valueOf(r.getCode()))
      .thenComparing(r -> r.getStep() == null ? -1 : r.getStep());

  private final KeyRing trustedIssuers;
  private final KeyRing trustedReceiptSigners;
  private final KernelLimits limits;
  private final VerifiedTokenCache tokenCache;
  private final VerifiedReceiptCache receiptCache;

  /** How many verified access receipts an engine remembers unless told otherwise (~150 bytes each). */
  public static final int DEFAULT_RECEIPT_CACHE_SIZE = 100_000;

  /** Token checks only: no receipt signer is trusted, default limits, a 10,000-token cache. */
  public KernelEngine(KeyRing trustedIssuers) {
    this(trustedIssuers, KeyRing.empty(), KernelLimits.DEFAULTS, new VerifiedTokenCache(10_000));
  }

  /**
   * @param trustedIssuers the keys whose token signatures are accepted
   * @param trustedReceiptSigners the keys whose access-receipt signatures are accepted
   * @param limits the maxima of the numeric constraints
   * @param tokenCache verified tokens; must not be shared with an engine of another key ring
   */
  public KernelEngine(KeyRing trustedIssuers, KeyRing trustedReceiptSigners, KernelLimits limits,
                      VerifiedTokenCache tokenCache) {
    this(trustedIssuers, trustedReceiptSigners, limits, tokenCache, DEFAULT_RECEIPT_CACHE_SIZE);
  }

  /**
   * @param receiptCacheSize how many verified access receipts to remember (the engine's own cache, tied
   *     to {@code trustedReceiptSigners}); 0 verifies every receipt every time
   */
  public KernelEngine(KeyRing trustedIssuers, KeyRing trustedReceiptSigners, KernelLimits limits,
                      VerifiedTokenCache tokenCache, int receiptCacheSize) {
    this.trustedIssuers = trustedIssuers;
    this.trustedReceiptSigners = trustedReceiptSigners;
    this.limits = limits;
    this.tokenCache = tokenCache;
    this.receiptCache = new VerifiedReceiptCache(receiptCacheSize);
  }

  /** How many verified access receipts this engine remembers (for tests). */
  long verifiedReceipts() {
    return receiptCache.size();
  }

  /** Evaluates {@code plan} at time {@code now} under {@code policy}. Never throws on bad input. */
  @Override
  public KernelResult evaluate(PlanRequest plan, PolicyView policy, Instant now) {
    String tokenId = null;
    try {
      CapabilityToken token = plan.getSubject() == null ? null : plan.getSubject().getToken();
      tokenId = token == null ? null : token.getTokenId();
      return doEvaluate(plan, token, policy, now);
    } catch (RuntimeException malformed) {
      // a field the schema promises was absent or unusable: deny by default, never allow
      return new KernelResult(Verdict.DENY,
          List.of(reason(ReasonCode.MALFORMED_REQUEST, null, "plan could not be evaluated: " + malformed)),
          List.of(), tokenId);
    }
  }

  private KernelResult doEvaluate(PlanRequest plan, CapabilityToken token, PolicyView policy, Instant now) {
    List<Reason> reasons = new ArrayList<>();
    Set<String> matched = new LinkedHashSet<>();
    String tenant = plan.getTenant();
    String subject = plan.getSubject() == null ? null : plan.getSubject().getId();
    List<PlanStep> steps = plan.getSteps();

    if (blank(tenant) || blank(subject)) {
      reasons.add(reason(ReasonCode.MALFORMED_REQUEST, null, "tenant and subject id are required"));
    }
    if (!now.isBefore(plan.getExpiresAt())) {
      reasons.add(reason(ReasonCode.PLAN_EXPIRED, null, "plan expired at " + plan.getExpiresAt()));
    }
    if (steps.isEmpty()) {
      reasons.add(reason(ReasonCode.PLAN_EMPTY, null, "a plan needs at least one step"));
    }

    CapabilityToken trusted = checkToken(token, tenant, subject, policy, now, reasons);
    Optional<CapabilityGrant> grant = trusted == null || blank(tenant) || blank(subject)
        ? Optional.empty() : policy.grant(tenant, subject);

    for (int i = 0; i < steps.size(); i++) {
      checkStep(i, steps.get(i), tenant, trusted, grant, reasons, matched);
    }
    Map<String, AccessReceipt> validReceipts = checkReceipts(steps, tenant, subject, now, reasons);
    InputChannels channels = plan.getInputChannels();
    Set<String> retrievedLabels = checkRetrieved(channels, validReceipts, reasons);
    checkLabelFlow(steps, retrievedLabels, reasons);
    checkConstraints(plan.getConstraints(), reasons);
    checkQuoting(channels, reasons);
    checkSystemHash(channels, plan.getSystemPromptHash(), reasons);

    reasons.sort(STABLE_ORDER);
    Verdict verdict = reasons.isEmpty() ? Verdict.ALLOW : Verdict.DENY;
    return new KernelResult(verdict, reasons, verdict == Verdict.ALLOW ? List.copyOf(matched) : List.of(),
        token == null ? null : token.getTokenId());
  }

  /** Returns the token if its signature verified (whatever else failed), otherwise null. */
  private CapabilityToken checkToken(CapabilityToken token, String tenant, String subject, PolicyView policy,
                                     Instant now, List<Reason> reasons) {
    if (token == null) {
      reasons.add(reason(ReasonCode.TOKEN_MISSING, null, "no capability token presented"));
      return null;
    }
    if (!signatureVerifies(token, now)) {
      reasons.add(reason(ReasonCode.TOKEN_INVALID_SIGNATURE, null,
          "signature does not verify under a trusted key (key id '" + token.getKeyId() + "')"));
      return null;
    }
    if (!now.isBefore(token.getExpiresAt())) {
      reasons.add(reason(ReasonCode.TOKEN_EXPIRED, null, "token expired at " + token.getExpiresAt()));
    }
    if (now.isBefore(token.getNotBefore())) {
      reasons.add(reason(ReasonCode.TOKEN_NOT_YET_VALID, null, "token valid from " + token.getNotBefore()));
    }
    if (policy.isRevoked(token.getTokenId())) {
      reasons.add(reason(ReasonCode.TOKEN_REVOKED, null, "token " + token.getTokenId() + " is revoked"));
    }
    if (!token.getTenant().equals(tenant)) {
      reasons.add(reason(ReasonCode.INVALID_TENANT, null,
          "token of tenant '" + token.getTenant() + "' presented for tenant '" + tenant + "'"));
    }
    if (!token.getSubjectId().equals(subject)) {
      reasons.add(reason(ReasonCode.SUBJECT_MISMATCH, null,
          "token issued to '" + token.getSubjectId() + "', presented by '" + subject + "'"));
    }
    return token;
  }

  private boolean signatureVerifies(CapabilityToken token, Instant now) {
    return tokenCache.signatureVerifies(token, trustedIssuers, now);
  }

  private static void checkStep(int index, PlanStep step, String tenant, CapabilityToken trustedToken,
                                Optional<CapabilityGrant> grant, List<Reason> reasons, Set<String> matched) {
    String resource = step.getResource();
    if (resource != null) {
      if (!ResourcePattern.isCanonical(resource)) {
        reasons.add(reason(ReasonCode.RESOURCE_OUT_OF_SCOPE, index, "resource '" + resource + "' is not canonical"));
        return;
      }
      if (!ResourcePattern.tenantOf(resource).equals(tenant)) {
        reasons.add(reason(ReasonCode.INVALID_TENANT, index, "resource '" + resource + "' is outside tenant '" + tenant + "'"));
      }
    }
    if (step.getCapsRequired().isEmpty()) {
      reasons.add(reason(ReasonCode.CAP_MISS, index, "step '" + step.getTool() + "' names no required capability"));
      return;
    }
    if (trustedToken == null) {
      // without a verified token nothing can be granted; the token reason already says why
      return;
    }
    for (String capName : step.getCapsRequired()) {
      Capability cap = find(trustedToken.getCapabilities(), capName);
      if (cap == null) {
        reasons.add(reason(ReasonCode.CAP_MISS, index, "token does not grant '" + capName + "'"));
        continue;
      }
      Capability granted = grant.isPresent() ? find(grant.get().getCapabilities(), capName) : cap;
      if (granted == null || granted.getEffect() != cap.getEffect()) {
        reasons.add(reason(ReasonCode.CAP_MISS, index, "the current grant of the subject does not hold '" + capName + "'"));
        continue;
      }
      if (step.getEffect() == EffectKind.UNKNOWN || step.getEffect() != cap.getEffect()) {
        reasons.add(reason(ReasonCode.EFFECT_MISMATCH, index,
            "step effect " + step.getEffect() + " vs capability '" + capName + "' effect " + cap.getEffect()));
        continue;
      }
      if (resource != null && (!coveredBy(cap, resource) || !coveredBy(granted, resource))) {
        reasons.add(reason(ReasonCode.RESOURCE_OUT_OF_SCOPE, index,
            "resource '" + resource + "' not covered by capability '" + capName + "'"
                + (grant.isPresent() ? " of both the token and the current grant" : "")));
        continue;
      }
      matched.add(capName);
    }
  }

  private static boolean coveredBy(Capability cap, String resource) {
    for (String glob : cap.getResources()) {
      if (ResourcePattern.matches(glob, resource)) {
        return true;
      }
    }
    return false;
  }

  /** Checks every receipt carried by a step; returns the valid ones by receipt id. */
  private Map<String, AccessReceipt> checkReceipts(List<PlanStep> steps, String tenant, String subject,
                                                   Instant now, List<Reason> reasons) {
    Map<String, AccessReceipt> valid = new HashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      PlanStep step = steps.get(i);
      List<AccessReceipt> receipts = step.getReceipts();
      if (isRetrieval(step) && receipts.isEmpty()) {
        reasons.add(reason(ReasonCode.RECEIPT_MISSING, i, "retrieval step '" + step.getTool() + "' carries no access receipt"));
      }
      for (AccessReceipt r : receipts) {
        String problem = receiptProblem(r, tenant, subject, now);
        if (problem != null) {
          reasons.add(reason(ReasonCode.RECEIPT_INVALID, i, "receipt '" + r.getReceiptId() + "': " + problem));
        } else {
          valid.put(r.getReceiptId(), r);
        }
      }
    }
    return valid;
  }

  private String receiptProblem(AccessReceipt r, String tenant, String subject, Instant now) {
    if (!ReceiptSigning.ALGORITHM.equals(r.getSignAlg())) {
      return "unsupported signature algorithm '" + r.getSignAlg() + "'";
    }
    if (!receiptCache.signatureVerifies(r, trustedReceiptSigners)) {
      return "signature does not verify under a trusted receipt key (key id '" + r.getKeyId() + "')";
    }
    if (blank(r.getReceiptId())) {
      return "blank receipt id";
    }
    if (!r.getTenant().equals(tenant)) {
      return "issued for tenant '" + r.getTenant() + "'";
    }
    if (!r.getSubjectId().equals(subject)) {
      return "issued to subject '" + r.getSubjectId() + "'";
    }
    if (!isSha256Hex(r.getQueryHash()) || !isSha256Hex(r.getResultHash())) {
      return "query or result hash is not 64 lowercase hex digits";
    }
    if (now.isBefore(r.getTimestamp())) {
      return "timestamp " + r.getTimestamp() + " is in the future";
    }
    return null;
  }

  static boolean isRetrieval(PlanStep step) {
    return RETRIEVAL.equals(step.getTool()) || step.getCapsRequired().contains(RETRIEVAL);
  }

  /** Every retrieved entry must be backed by a valid receipt with the same labels; returns their labels. */
  private static Set<String> checkRetrieved(InputChannels channels, Map<String, AccessReceipt> validReceipts,
                                            List<Reason> reasons) {
    Set<String> labels = new HashSet<>();
    for (RetrievedContent content : channels.getRetrieved()) {
      AccessReceipt receipt = validReceipts.get(content.getReceiptId());
      if (receipt == null) {
        reasons.add(reason(ReasonCode.RECEIPT_MISSING, null,
            "retrieved content names receipt '" + content.getReceiptId() + "', which no step carries with a valid signature"));
        continue;
      }
      if (!Set.copyOf(content.getLabels()).equals(Set.copyOf(receipt.getLabels()))) {
        reasons.add(reason(ReasonCode.RECEIPT_INVALID, null,
            "retrieved content claims labels " + content.getLabels() + " but receipt '" + receipt.getReceiptId()
                + "' attests " + receipt.getLabels()));
        continue;
      }
      labels.addAll(receipt.getLabels());
    }
    return labels;
  }

  private static void checkLabelFlow(List<PlanStep> steps, Set<String> retrievedLabels, List<Reason> reasons) {
    Set<String> available = new HashSet<>(retrievedLabels);
    available.add(PUBLIC);
    for (int i = 0; i < steps.size(); i++) {
      PlanStep step = steps.get(i);
      for (String label : step.getLabelsIn()) {
        if (!available.contains(label)) {
          reasons.add(reason(ReasonCode.LABEL_FLOW, i,
              "reads label '" + label + "' that neither retrieved content nor an earlier step produced"));
        }
        if (!step.getLabelsOut().contains(label)) {
          reasons.add(reason(ReasonCode.LABEL_FLOW, i, "drops label '" + label + "' it read"));
        }
      }
      if (step.getLabelsOut().contains(SECRET)) {
        reasons.add(reason(ReasonCode.LABEL_FLOW, i, "label '" + SECRET + "' may never flow out of a step"));
      }
      available.addAll(step.getLabelsOut());
    }
  }

  private void checkConstraints(Constraints c, List<Reason> reasons) {
    bound(ReasonCode.BUDGET_EXCEEDED, "budget", c.getBudget(), limits.maxBudget(), reasons);
    bound(ReasonCode.EPSILON_EXCEEDED, "dp_epsilon", c.getDpEpsilon(), limits.maxDpEpsilon(), reasons);
    bound(ReasonCode.EPSILON_EXCEEDED, "dp_delta", c.getDpDelta(), limits.maxDpDelta(), reasons);
    bound(ReasonCode.LATENCY_EXCEEDED, "latency_max", c.getLatencyMax(), limits.maxLatencySeconds(), reasons);
  }

  private static void bound(ReasonCode code, String field, double value, double max, List<Reason> reasons) {
    if (!Double.isFinite(value) || value < 0) {
      reasons.add(reason(code, null, field + " " + value + " is not a finite number >= 0"));
    } else if (value > max) {
      reasons.add(reason(code, null, field + " " + value + " is above the maximum " + max));
    }
  }

  private static void checkQuoting(InputChannels channels, List<Reason> reasons) {
    ContentRef user = channels.getUser();
    if (user != null && !user.getQuoted()) {
      reasons.add(reason(ReasonCode.UNTRUSTED_NOT_QUOTED, null, "user content is not quoted"));
    }
    for (RetrievedContent r : channels.getRetrieved()) {
      if (!r.getQuoted()) {
        reasons.add(reason(ReasonCode.UNTRUSTED_NOT_QUOTED, null, "retrieved content '" + r.getReceiptId() + "' is not quoted"));
      }
    }
    for (int i = 0; i < channels.getFile().size(); i++) {
      if (!channels.getFile().get(i).getQuoted()) {
        reasons.add(reason(ReasonCode.UNTRUSTED_NOT_QUOTED, null, "file content #" + i + " is not quoted"));
      }
    }
  }

  private static void checkSystemHash(InputChannels channels, String systemPromptHash, List<Reason> reasons) {
    String channelHash = channels.getSystem().getHash();
    if (!isSha256Hex(channelHash) || !isSha256Hex(systemPromptHash)) {
      reasons.add(reason(ReasonCode.SYSTEM_HASH_MISMATCH, null,
          "system hash and system_prompt_hash must both be 64 lowercase hex digits"));
    } else if (!channelHash.equals(systemPromptHash)) {
      reasons.add(reason(ReasonCode.SYSTEM_HASH_MISMATCH, null,
          "input_channels.system.hash differs from system_prompt_hash"));
    }
  }

  /** True for exactly 64 lowercase hex digits: the only spelling of a SHA-256 we accept. */
  static boolean isSha256Hex(String s) {
    if (s == null || s.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static Capability find(List<Capability> caps, String name) {
    for (Capability c : caps) {
      if (c.getName().equals(name)) {
        return c;
      }
    }
    return null;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static Reason reason(ReasonCode code, Integer step, String detail) {
    return Reason.newBuilder().setCode(code.name()).setStep(step).setDetail(detail).build();
  }
}
