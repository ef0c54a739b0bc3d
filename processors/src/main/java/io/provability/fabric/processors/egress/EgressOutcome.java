package io.provability.fabric.processors.egress;

import io.provability.fabric.events.EgressCertificate;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Verdict;
import java.util.List;
import java.util.Objects;

/**
 * The answer to one egress check.
 *
 * @param verdict ALLOW, REDACT, BLOCK, or DENY (oversized, malformed, unknown policy, internal
 *     error)
 * @param reasons why the verdict is not a plain ALLOW; details carry offsets, never the matched
 *     text
 * @param redactedText the text with redacted spans replaced; non-null only for REDACT
 * @param certificate the signed certificate of this check, present for every verdict
 */
public record EgressOutcome(
    Verdict verdict, List<Reason> reasons, String redactedText, EgressCertificate certificate) {
  /** Copies the reasons and checks the REDACT/text invariant. */
  public EgressOutcome {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(certificate, "certificate");
    reasons = List.copyOf(reasons);
    if ((verdict == Verdict.REDACT) != (redactedText != null)) {
      throw new IllegalArgumentException(
          "redactedText is present exactly when the verdict is REDACT");
    }
  }
}
