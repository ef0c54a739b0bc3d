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
import io.provability.fabric.processors.kernel.internal.ResourcePattern;
import io.provability.fabric.processors.kernel.internal.TokenChecks;
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
import java.util.TreeSet;

/**
 * The kernel decision engine: validates an agent plan against the subject's capability token.
 *
 * <p>A pure function of (plan, token, policy state, time): no I/O, no clock of its own, so the same
 * inputs always give the same result, which is what audit replay relies on (the verified-token
 * cache only memoises a signature check, whose answer never changes for the same bytes and key
 * ring). ALLOW only if every check passes; otherwise DENY with all failing reasons, ordered by
 * {@link ReasonCode} then step. Fields of a token or receipt whose signature does not verify are
 * never used to grant anything, and anything that cannot be evaluated denies.
 *
 * <p>Retrieval steps: a step whose tool is {@value #RETRIEVAL} or whose required capabilities
 * include {@value #RETRIEVAL} must carry at least one access receipt. Every receipt a step carries
 * must verify under the receipt key ring and belong to the plan's tenant and subject; every {@code
 * input_channels.retrieved} entry must name (by {@code receipt_id}) a receipt carried by a step
 * ({@code RECEIPT_MISSING} otherwise; one that is carried but invalid is reported once, as that
 * step's {@code RECEIPT_INVALID}), claim exactly its labels, and have as {@code content_hash} the
 * receipt's {@code result_hash}.
 *
 * <p>Label flow, by propagation: step {@code i} may read ({@code labels_in}) only {@value #PUBLIC},
 * labels of verified retrieved content, and labels that steps before it produced ({@code
 * labels_out}, declared freely). What reaches a step is what its labels carry: a label produced by
 * a step carries everything that step read and produced, transitively. {@value #SECRET} may reach
 * no step and leave none; any other label may reach a step only if every capability the step
 * requires clears it ({@link LabelClearances}, part of {@link KernelLimits}).
 *
 * <p>Every reason carries its structured fields (step, capability, resource, label, receipt id)
 * where the check concerns one; the detail text is for people.
 */
public final class KernelEngine implements PlanEvaluator {
  /** Tool and capability name that mark a retrieval step. */
  public static final String RETRIEVAL = "retrieve";

  /** The label any step may read without provenance. */
  public static final String PUBLIC = "public";

  /** The label that never flows out of a step. */
  public static final String SECRET = "secret";

  private static final Comparator<Reason> STABLE_ORDER =
      Comparator.comparing((Reason r) -> ReasonCode.valueOf(r.getCode()))
          .thenComparing(r -> r.getStep() == null ? -1 : r.getStep());

  private final KeyRing trustedIssuers;
  private final KeyRing trustedReceiptSigners;
  private final KernelLimits limits;
  private final VerifiedTokenCache tokenCache;
  private final VerifiedReceiptCache receiptCache;

  /**
   * How many verified access receipts an engine remembers unless told otherwise (~150 bytes each).
   */
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
  public KernelEngine(
      KeyRing trustedIssuers,
      KeyRing trustedReceiptSigners,
      KernelLimits limits,
      VerifiedTokenCache tokenCache) {
    this(trustedIssuers, trustedReceiptSigners, limits, tokenCache, DEFAULT_RECEIPT_CACHE_SIZE);
  }

  /**
   * @param receiptCacheSize how many verified access receipts to remember (the engine's own cache,
   *     tied to {@code trustedReceiptSigners}); 0 verifies every receipt every time
   */
  public KernelEngine(
      KeyRing trustedIssuers,
      KeyRing trustedReceiptSigners,
      KernelLimits limits,
      VerifiedTokenCache tokenCache,
      int receiptCacheSize) {
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
      return new KernelResult(
          Verdict.DENY,
          List.of(
              reason(
                      ReasonCode.MALFORMED_REQUEST,
                      null,
                      "plan could not be evaluated: " + malformed)
                  .build()),
          List.of(),
          tokenId,
          false);
    }
  }

  private KernelResult doEvaluate(
      PlanRequest plan, CapabilityToken token, PolicyView policy, Instant now) {
    List<Reason> reasons = new ArrayList<>();
    Set<String> matched = new LinkedHashSet<>();
    String tenant = plan.getTenant();
    String subject = plan.getSubject() == null ? null : plan.getSubject().getId();
    List<PlanStep> steps = plan.getSteps();

    if (blank(tenant) || blank(subject)) {
      reasons.add(
          reason(ReasonCode.MALFORMED_REQUEST, null, "tenant and subject id are required").build());
    }
    if (!now.isBefore(plan.getExpiresAt())) {
      reasons.add(
          reason(ReasonCode.PLAN_EXPIRED, null, "plan expired at " + plan.getExpiresAt()).build());
    }
    if (steps.isEmpty()) {
      reasons.add(reason(ReasonCode.PLAN_EMPTY, null, "a plan needs at least one step").build());
    }

    CapabilityToken trusted = checkToken(token, tenant, subject, policy, now, reasons);
    Optional<CapabilityGrant> grant =
        trusted == null || blank(tenant) || blank(subject)
            ? Optional.empty()
            : policy.grant(tenant, subject);

    for (int i = 0; i < steps.size(); i++) {
      checkStep(i, steps.get(i), tenant, trusted, grant, reasons, matched);
    }
    Set<String> carriedReceiptIds = new HashSet<>();
    Map<String, AccessReceipt> validReceipts =
        checkReceipts(steps, tenant, subject, now, reasons, carriedReceiptIds);
    InputChannels channels = plan.getInputChannels();
    Set<String> retrievedLabels =
        checkRetrieved(channels, validReceipts, carriedReceiptIds, reasons);
    checkLabelFlow(steps, retrievedLabels, limits.clearances(), reasons);
    checkConstraints(plan.getConstraints(), reasons);
    checkQuoting(channels, reasons);
    checkSystemHash(channels, plan.getSystemPromptHash(), reasons);

    reasons.sort(STABLE_ORDER);
    Verdict verdict = reasons.isEmpty() ? Verdict.ALLOW : Verdict.DENY;
    return new KernelResult(
        verdict,
        reasons,
        verdict == Verdict.ALLOW ? List.copyOf(matched) : List.of(),
        token == null ? null : token.getTokenId(),
        quotesLiterals(reasons));
  }

  /**
   * True if a reason names a step's resource or the plan's expiry: the values the decision cache's
   * pattern key replaces by what the kernel learns from them. Every reason that quotes a resource
   * in its detail sets {@link Reason#getResource()}, so the fields say it, never the wording.
   */
  private static boolean quotesLiterals(List<Reason> reasons) {
    for (Reason r : reasons) {
      if (r.getResource() != null || ReasonCode.PLAN_EXPIRED.name().equals(r.getCode())) {
        return true;
      }
    }
    return false;
  }

  /** Returns the token if its signature verified (whatever else failed), otherwise null. */
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
    if (!token.getTenant().equals(tenant)) {
      reasons.add(
          reason(
                  ReasonCode.INVALID_TENANT,
                  null,
                  "token of tenant '"
                      + token.getTenant()
                      + "' presented for tenant '"
                      + tenant
                      + "'")
              .build());
    }
    TokenChecks.checkSubject(token, subject, reasons);
    return token;
  }

  private static void checkStep(
      int index,
      PlanStep step,
      String tenant,
      CapabilityToken trustedToken,
      Optional<CapabilityGrant> grant,
      List<Reason> reasons,
      Set<String> matched) {
    String resource = step.getResource();
    if (resource != null) {
      if (!ResourcePattern.isCanonical(resource)) {
        reasons.add(
            reason(
                    ReasonCode.RESOURCE_OUT_OF_SCOPE,
                    index,
                    "resource '" + resource + "' is not canonical")
                .setResource(resource)
                .build());
        return;
      }
      if (!ResourcePattern.tenantOf(resource).equals(tenant)) {
        reasons.add(
            reason(
                    ReasonCode.INVALID_TENANT,
                    index,
                    "resource '" + resource + "' is outside tenant '" + tenant + "'")
                .setResource(resource)
                .build());
      }
    }
    if (step.getCapsRequired().isEmpty()) {
      reasons.add(
          reason(
                  ReasonCode.CAP_MISS,
                  index,
                  "step '" + step.getTool() + "' names no required capability")
              .build());
      return;
    }
    if (trustedToken == null) {
      // without a verified token nothing can be granted; the token reason already says why
      return;
    }
    for (String capName : step.getCapsRequired()) {
      Capability cap = TokenChecks.find(trustedToken.getCapabilities(), capName);
      if (cap == null) {
        reasons.add(
            reason(ReasonCode.CAP_MISS, index, "token does not grant '" + capName + "'")
                .setCapability(capName)
                .build());
        continue;
      }
      Capability granted =
          grant.isPresent() ? TokenChecks.find(grant.get().getCapabilities(), capName) : cap;
      if (granted == null || granted.getEffect() != cap.getEffect()) {
        reasons.add(
            reason(
                    ReasonCode.CAP_MISS,
                    index,
                    "the current grant of the subject does not hold '" + capName + "'")
                .setCapability(capName)
                .build());
        continue;
      }
      if (step.getEffect() == EffectKind.UNKNOWN || step.getEffect() != cap.getEffect()) {
        reasons.add(
            reason(
                    ReasonCode.EFFECT_MISMATCH,
                    index,
                    "step effect "
                        + step.getEffect()
                        + " vs capability '"
                        + capName
                        + "' effect "
                        + cap.getEffect())
                .setCapability(capName)
                .build());
        continue;
      }
      if (resource != null
          && (!TokenChecks.covers(cap, resource) || !TokenChecks.covers(granted, resource))) {
        reasons.add(
            reason(
                    ReasonCode.RESOURCE_OUT_OF_SCOPE,
                    index,
                    "resource '"
                        + resource
                        + "' not covered by capability '"
                        + capName
                        + "'"
                        + (grant.isPresent() ? " of both the token and the current grant" : ""))
                .setCapability(capName)
                .setResource(resource)
                .build());
        continue;
      }
      matched.add(capName);
    }
  }

  /** Checks every receipt carried by a step; returns the valid ones by receipt id. */
  private Map<String, AccessReceipt> checkReceipts(
      List<PlanStep> steps,
      String tenant,
      String subject,
      Instant now,
      List<Reason> reasons,
      Set<String> carriedIds) {
    Map<String, AccessReceipt> valid = new HashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      PlanStep step = steps.get(i);
      List<AccessReceipt> receipts = step.getReceipts();
      if (isRetrieval(step) && receipts.isEmpty()) {
        reasons.add(
            reason(
                    ReasonCode.RECEIPT_MISSING,
                    i,
                    "retrieval step '" + step.getTool() + "' carries no access receipt")
                .build());
      }
      for (AccessReceipt r : receipts) {
        carriedIds.add(r.getReceiptId());
        String problem = receiptProblem(r, tenant, subject, now);
        if (problem != null) {
          reasons.add(
              reason(
                      ReasonCode.RECEIPT_INVALID,
                      i,
                      "receipt '" + r.getReceiptId() + "': " + problem)
                  .setReceiptId(r.getReceiptId())
                  .build());
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
      return "signature does not verify under a trusted receipt key (key id '"
          + r.getKeyId()
          + "')";
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

  /**
   * Every retrieved entry must be backed by a valid receipt carried by a step, claim exactly its
   * labels and have its result hash as content hash; returns the labels of the entries that are.
   */
  private static Set<String> checkRetrieved(
      InputChannels channels,
      Map<String, AccessReceipt> validReceipts,
      Set<String> carriedIds,
      List<Reason> reasons) {
    Set<String> labels = new HashSet<>();
    for (RetrievedContent content : channels.getRetrieved()) {
      String id = content.getReceiptId();
      AccessReceipt receipt = validReceipts.get(id);
      if (receipt == null) {
        if (!carriedIds.contains(id)) {
          reasons.add(
              reason(
                      ReasonCode.RECEIPT_MISSING,
                      null,
                      "retrieved content names receipt '" + id + "', which no step carries")
                  .setReceiptId(id)
                  .build());
        }
        // a receipt that is carried but invalid is reported once, by the step that carries it
        continue;
      }
      boolean bound = true;
      if (!Set.copyOf(content.getLabels()).equals(Set.copyOf(receipt.getLabels()))) {
        reasons.add(
            reason(
                    ReasonCode.RECEIPT_INVALID,
                    null,
                    "retrieved content claims labels "
                        + content.getLabels()
                        + " but receipt '"
                        + id
                        + "' attests "
                        + receipt.getLabels())
                .setReceiptId(id)
                .build());
        bound = false;
      }
      if (!receipt.getResultHash().equals(content.getContentHash())) {
        reasons.add(
            reason(
                    ReasonCode.RECEIPT_INVALID,
                    null,
                    "retrieved content's content_hash is not the result_hash of receipt '"
                        + id
                        + "'")
                .setReceiptId(id)
                .build());
        bound = false;
      }
      if (bound) {
        labels.addAll(receipt.getLabels());
      }
    }
    return labels;
  }

  /**
   * Label flow by propagation. {@code carries.get(l)} is every label a value labelled {@code l}
   * carries: itself for public and retrieved labels; for a label a step produced, everything that
   * reached that step plus what it produced. A step reads only labels something before it produced;
   * what reaches it (the union of what its labels carry) may not contain {@value #SECRET} and must
   * be cleared by each capability it requires; it may not produce {@value #SECRET}.
   */
  private static void checkLabelFlow(
      List<PlanStep> steps,
      Set<String> retrievedLabels,
      LabelClearances clearances,
      List<Reason> reasons) {
    Map<String, Set<String>> carries = new HashMap<>();
    carries.put(PUBLIC, Set.of(PUBLIC));
    for (String label : retrievedLabels) {
      carries.put(label, Set.of(label));
    }
    for (int i = 0; i < steps.size(); i++) {
      PlanStep step = steps.get(i);
      Set<String> reaching = new TreeSet<>();
      for (String label : step.getLabelsIn()) {
        Set<String> carried = carries.get(label);
        if (carried == null) {
          reasons.add(
              reason(
                      ReasonCode.LABEL_FLOW,
                      i,
                      "reads label '"
                          + label
                          + "' that neither retrieved content nor an earlier step produced")
                  .setLabel(label)
                  .build());
        } else {
          reaching.addAll(carried);
        }
      }
      if (reaching.contains(SECRET)) {
        reasons.add(
            reason(
                    ReasonCode.LABEL_FLOW,
                    i,
                    "data labelled '" + SECRET + "' reaches this step; it may flow nowhere")
                .setLabel(SECRET)
                .build());
      }
      if (step.getLabelsOut().contains(SECRET)) {
        reasons.add(
            reason(ReasonCode.LABEL_FLOW, i, "label '" + SECRET + "' may never flow out of a step")
                .setLabel(SECRET)
                .build());
      }
      for (String cap : new TreeSet<>(step.getCapsRequired())) {
        for (String label : reaching) {
          if (!SECRET.equals(label) && !clearances.clears(cap, label)) {
            reasons.add(
                reason(
                        ReasonCode.LABEL_FLOW,
                        i,
                        "data labelled '"
                            + label
                            + "' reaches this step, and capability '"
                            + cap
                            + "' does not clear it")
                    .setLabel(label)
                    .setCapability(cap)
                    .build());
          }
        }
      }
      Set<String> output = new TreeSet<>(reaching);
      output.addAll(step.getLabelsOut());
      Set<String> frozen = Set.copyOf(output);
      for (String label : step.getLabelsOut()) {
        Set<String> before = carries.get(label);
        if (before == null) {
          carries.put(label, frozen);
        } else {
          Set<String> merged = new TreeSet<>(before);
          merged.addAll(frozen);
          carries.put(label, Set.copyOf(merged));
        }
      }
    }
  }

  private void checkConstraints(Constraints c, List<Reason> reasons) {
    bound(ReasonCode.BUDGET_EXCEEDED, "budget", c.getBudget(), limits.maxBudget(), reasons);
    bound(
        ReasonCode.EPSILON_EXCEEDED,
        "dp_epsilon",
        c.getDpEpsilon(),
        limits.maxDpEpsilon(),
        reasons);
    bound(ReasonCode.EPSILON_EXCEEDED, "dp_delta", c.getDpDelta(), limits.maxDpDelta(), reasons);
    bound(
        ReasonCode.LATENCY_EXCEEDED,
        "latency_max",
        c.getLatencyMax(),
        limits.maxLatencySeconds(),
        reasons);
  }

  private static void bound(
      ReasonCode code, String field, double value, double max, List<Reason> reasons) {
    if (!Double.isFinite(value) || value < 0) {
      reasons.add(reason(code, null, field + " " + value + " is not a finite number >= 0").build());
    } else if (value > max) {
      reasons.add(reason(code, null, field + " " + value + " is above the maximum " + max).build());
    }
  }

  private static void checkQuoting(InputChannels channels, List<Reason> reasons) {
    ContentRef user = channels.getUser();
    if (user != null && !user.getQuoted()) {
      reasons.add(
          reason(ReasonCode.UNTRUSTED_NOT_QUOTED, null, "user content is not quoted").build());
    }
    for (RetrievedContent r : channels.getRetrieved()) {
      if (!r.getQuoted()) {
        reasons.add(
            reason(
                    ReasonCode.UNTRUSTED_NOT_QUOTED,
                    null,
                    "retrieved content '" + r.getReceiptId() + "' is not quoted")
                .setReceiptId(r.getReceiptId())
                .build());
      }
    }
    for (int i = 0; i < channels.getFile().size(); i++) {
      if (!channels.getFile().get(i).getQuoted()) {
        reasons.add(
            reason(ReasonCode.UNTRUSTED_NOT_QUOTED, null, "file content #" + i + " is not quoted")
                .build());
      }
    }
  }

  private static void checkSystemHash(
      InputChannels channels, String systemPromptHash, List<Reason> reasons) {
    String channelHash = channels.getSystem().getHash();
    if (!isSha256Hex(channelHash) || !isSha256Hex(systemPromptHash)) {
      reasons.add(
          reason(
                  ReasonCode.SYSTEM_HASH_MISMATCH,
                  null,
                  "system hash and system_prompt_hash must both be 64 lowercase hex digits")
              .build());
    } else if (!channelHash.equals(systemPromptHash)) {
      reasons.add(
          reason(
                  ReasonCode.SYSTEM_HASH_MISMATCH,
                  null,
                  "input_channels.system.hash differs from system_prompt_hash")
              .build());
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

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /**
   * A reason with its code, step and detail; the caller adds the fields the check concerns and
   * builds it.
   */
  private static Reason.Builder reason(ReasonCode code, Integer step, String detail) {
    return Reason.newBuilder().setCode(code.name()).setStep(step).setDetail(detail);
  }
}
