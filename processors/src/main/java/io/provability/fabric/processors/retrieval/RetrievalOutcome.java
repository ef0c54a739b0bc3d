package io.provability.fabric.processors.retrieval;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Verdict;
import java.util.List;

/**
 * The retrieval gateway's answer to one request.
 *
 * @param verdict ALLOW or DENY
 * @param reasons every failing check, ordered by reason code (empty on ALLOW)
 * @param matchedCapabilities the token capabilities that authorised the retrieval (empty on DENY)
 * @param tokenId the presented token's id, or null when there was none
 * @param receipt the signed access receipt on ALLOW, null on DENY
 * @param sessionSpend the session's privacy spend after this request: the old spend on DENY, the
 *     old spend plus the request's on ALLOW
 */
public record RetrievalOutcome(
    Verdict verdict,
    List<Reason> reasons,
    List<String> matchedCapabilities,
    String tokenId,
    AccessReceipt receipt,
    PrivacySpend sessionSpend) {
  public RetrievalOutcome {
    reasons = List.copyOf(reasons);
    matchedCapabilities = List.copyOf(matchedCapabilities);
  }

  /** The reason codes, in order. */
  public List<String> codes() {
    return reasons.stream().map(Reason::getCode).toList();
  }
}
