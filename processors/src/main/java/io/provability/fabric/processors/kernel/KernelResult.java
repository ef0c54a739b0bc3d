package io.provability.fabric.processors.kernel;

import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Verdict;
import java.util.List;

/**
 * The outcome of evaluating one plan: ALLOW with no reasons, or DENY with every failing reason in a
 * stable order.
 *
 * @param verdict ALLOW or DENY
 * @param reasons every failing check, ordered by {@link ReasonCode} then step
 * @param matchedCapabilities names of the token capabilities that granted the plan's steps
 * @param tokenId the presented token's id, or null when there was none
 * @param quotesLiterals set by the kernel when a reason names a value the decision cache's pattern
 *     key leaves out (a step's resource, in {@link Reason#getResource()}, or the plan's expiry,
 *     quoted by {@code PLAN_EXPIRED}): such a result fits only plans with those very values, so the
 *     cache keeps it under the literal key. Never derived from a reason's wording.
 */
public record KernelResult(
    Verdict verdict,
    List<Reason> reasons,
    List<String> matchedCapabilities,
    String tokenId,
    boolean quotesLiterals) {
  public KernelResult {
    reasons = List.copyOf(reasons);
    matchedCapabilities = List.copyOf(matchedCapabilities);
  }

  /** The reason codes, in order. */
  public List<String> codes() {
    return reasons.stream().map(Reason::getCode).toList();
  }
}
