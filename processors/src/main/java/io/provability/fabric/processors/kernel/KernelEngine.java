package io.provability.fabric.processors.kernel;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.KeyRing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The kernel decision engine: validates an agent plan against the subject's capability token.
 *
 * <p>A pure function of (plan, token, policy state, time): no I/O, no clock of its own, so the
 * same inputs always give the same result, which is what audit replay relies on. ALLOW only if
 * every check passes; otherwise DENY with all failing reasons. Fields of a token whose signature
 * does not verify are never used to grant anything.
 */
public final class KernelEngine {
  private static final Comparator<Reason> STABLE_ORDER = Comparator
      .comparing((Reason r) -> ReasonCode.valueOf(r.getCode()))
      .thenComparing(r -> r.getStep() == null ? -1 : r.getStep());

  private final KeyRing trustedIssuers;

  /** @param trustedIssuers the keys whose token signatures are accepted */
  public KernelEngine(KeyRing trustedIssuers) {
    this.trustedIssuers = trustedIssuers;
  }

  /** Evaluates {@code plan} at time {@code now} under {@code policy}. */
  public KernelResult evaluate(PlanRequest plan, PolicyView policy, Instant now) {
    List<Reason> reasons = new ArrayList<>();
    Set<String> matched = new LinkedHashSet<>();
    CapabilityToken token = plan.getSubject() == null ? null : plan.getSubject().getToken();
    String tokenId = token == null ? null : token.getTokenId();

    if (blank(plan.getTenant()) || plan.getSubject() == null || blank(plan.getSubject().getId())) {
      reasons.add(reason(ReasonCode.MALFORMED_REQUEST, null, "tenant and subject id are required"));
    }
    if (!now.isBefore(plan.getExpiresAt())) {
      reasons.add(reason(ReasonCode.PLAN_EXPIRED, null, "plan expired at " + plan.getExpiresAt()));
    }
    if (plan.getSteps().isEmpty()) {
      reasons.add(reason(ReasonCode.PLAN_EMPTY, null, "a plan needs at least one step"));
    }

    boolean tokenTrusted = false;
    if (token == null) {
      reasons.add(reason(ReasonCode.TOKEN_MISSING, null, "no capability token presented"));
    } else if (!trustedIssuers.verify(token.getKeyId(), TokenSigning.signedBytes(token), TokenSigning.signatureOf(token))) {
      reasons.add(reason(ReasonCode.TOKEN_INVALID_SIGNATURE, null,
          "signature does not verify under a trusted key (key id '" + token.getKeyId() + "')"));
    } else {
      tokenTrusted = true;
      if (!now.isBefore(token.getExpiresAt())) {
        reasons.add(reason(ReasonCode.TOKEN_EXPIRED, null, "token expired at " + token.getExpiresAt()));
      }
      if (now.isBefore(token.getNotBefore())) {
        reasons.add(reason(ReasonCode.TOKEN_NOT_YET_VALID, null, "token valid from " + token.getNotBefore()));
      }
      if (policy.isRevoked(token.getTokenId())) {
        reasons.add(reason(ReasonCode.TOKEN_REVOKED, null, "token " + token.getTokenId() + " is revoked"));
      }
      if (!token.getTenant().equals(plan.getTenant())) {
        reasons.add(reason(ReasonCode.INVALID_TENANT, null,
            "token of tenant '" + token.getTenant() + "' presented for tenant '" + plan.getTenant() + "'"));
      }
      if (plan.getSubject() != null && !token.getSubjectId().equals(plan.getSubject().getId())) {
        reasons.add(reason(ReasonCode.SUBJECT_MISMATCH, null,
            "token issued to '" + token.getSubjectId() + "', presented by '" + plan.getSubject().getId() + "'"));
      }
    }

    for (int i = 0; i < plan.getSteps().size(); i++) {
      checkStep(i, plan.getSteps().get(i), plan.getTenant(), tokenTrusted ? token : null, reasons, matched);
    }

    reasons.sort(STABLE_ORDER);
    Verdict verdict = reasons.isEmpty() ? Verdict.ALLOW : Verdict.DENY;
    return new KernelResult(verdict, reasons, verdict == Verdict.ALLOW ? List.copyOf(matched) : List.of(), tokenId);
  }

  private static void checkStep(int index, PlanStep step, String tenant, CapabilityToken trustedToken,
                                List<Reason> reasons, Set<String> matched) {
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
      Capability cap = find(trustedToken, capName);
      if (cap == null) {
        reasons.add(reason(ReasonCode.CAP_MISS, index, "token does not grant '" + capName + "'"));
        continue;
      }
      if (step.getEffect() == EffectKind.UNKNOWN || step.getEffect() != cap.getEffect()) {
        reasons.add(reason(ReasonCode.EFFECT_MISMATCH, index,
            "step effect " + step.getEffect() + " vs capability '" + capName + "' effect " + cap.getEffect()));
        continue;
      }
      if (resource != null && cap.getResources().stream().noneMatch(glob -> ResourcePattern.matches(glob, resource))) {
        reasons.add(reason(ReasonCode.RESOURCE_OUT_OF_SCOPE, index,
            "resource '" + resource + "' not covered by capability '" + capName + "'"));
        continue;
      }
      matched.add(capName);
    }
  }

  private static Capability find(CapabilityToken token, String name) {
    for (Capability c : token.getCapabilities()) {
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
