package io.provability.fabric.processors.egress;

/** What a policy does with a finding of one type at or above the rule's confidence. */
public enum PolicyAction {
  /** Let the text through unchanged (the finding is still counted in the certificate). */
  ALLOW,
  /** Replace the finding's span with {@link FindingType#redactionLabel()}. */
  REDACT,
  /** Stop the whole text. */
  BLOCK
}
