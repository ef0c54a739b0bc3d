package io.provability.fabric.tools.internal.policytest;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.Reason;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One policy test case: a request (plan, retrieval or egress, as JSON the front door accepts), the
 * time to decide it at, the policy state, configuration overrides, and the expected verdict and
 * reason codes.
 *
 * @param name the case file's name without {@code .case.json}
 * @param description what the case shows
 * @param kind {@code plan}, {@code retrieval} or {@code egress}
 * @param request the request file
 * @param at the evaluation time
 * @param policyState the policy-state file, or null for the empty state
 * @param config configuration overrides for this case
 * @param verdict the expected verdict
 * @param codes the expected reason codes in the decision's order; {@code CODE@N} also requires step
 *     N, {@code CODE} matches the code at any step
 */
public record KernelCase(
    String name,
    String description,
    String kind,
    Path request,
    Instant at,
    Path policyState,
    Map<String, String> config,
    String verdict,
    List<String> codes) {
  public KernelCase {
    config = Map.copyOf(config);
    codes = List.copyOf(codes);
  }

  /** Why {@code decision} does not meet the expectation, or an empty list when it does. */
  public List<String> mismatches(Decision decision) {
    List<String> out = new ArrayList<>();
    if (!verdict.equals(decision.getVerdict().name())) {
      out.add("verdict " + decision.getVerdict() + ", expected " + verdict);
    }
    List<Reason> reasons = decision.getReasons();
    boolean same = reasons.size() == codes.size();
    for (int i = 0; same && i < codes.size(); i++) {
      same = matches(codes.get(i), reasons.get(i));
    }
    if (!same) {
      out.add("codes " + rendered(reasons) + ", expected " + codes);
    }
    return out;
  }

  private static boolean matches(String expected, Reason r) {
    int at = expected.indexOf('@');
    if (at < 0) {
      return expected.equals(r.getCode());
    }
    return expected.substring(0, at).equals(r.getCode())
        && r.getStep() != null
        && expected.substring(at + 1).equals(String.valueOf(r.getStep()));
  }

  /** Codes as {@code CODE@step} (plan-wide reasons as {@code CODE}). */
  public static List<String> rendered(List<Reason> reasons) {
    return reasons.stream()
        .map(r -> r.getStep() == null ? r.getCode() : r.getCode() + "@" + r.getStep())
        .toList();
  }
}
