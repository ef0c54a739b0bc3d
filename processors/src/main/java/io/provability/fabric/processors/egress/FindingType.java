package io.provability.fabric.processors.egress;

/**
 * What an egress finding is. The declaration order is the precedence used when two detectors claim
 * overlapping text: the earlier (more specific) type wins, so a JWT is not also reported as a
 * high-entropy string and a card number is not also a phone number.
 */
public enum FindingType {
  PEM_PRIVATE_KEY,
  JWT,
  CLOUD_KEY,
  GITHUB_TOKEN,
  SLACK_TOKEN,
  STRIPE_KEY,
  IBAN,
  PAYMENT_CARD,
  SSN,
  EMAIL,
  IP_ADDRESS,
  PHONE,
  HIGH_ENTROPY;

  /** The text that replaces a redacted finding of this type, e.g. {@code [REDACTED:EMAIL]}. */
  public String redactionLabel() {
    return "[REDACTED:" + name() + "]";
  }
}
