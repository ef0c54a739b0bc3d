package io.provability.fabric.tools.internal.replay;

import io.provability.fabric.events.Decision;
import java.util.List;

/**
 * One re-decided request.
 *
 * @param recorded the decision as recorded
 * @param replayed the decision made again, or null when the request was not available
 * @param source where the request came from ({@code kafka}, {@code log}) or why it is missing
 * @param differences what differs (decision-relevant fields only); empty when equal
 */
public record ReplayedDecision(
    Decision recorded, Decision replayed, String source, List<String> differences) {

  /** Copies. */
  public ReplayedDecision {
    differences = List.copyOf(differences);
  }

  /**
   * @return true when the request was re-decided and the outcome equals the record
   */
  public boolean same() {
    return replayed != null && differences.isEmpty();
  }
}
