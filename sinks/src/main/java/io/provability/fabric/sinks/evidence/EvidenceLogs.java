package io.provability.fabric.sinks.evidence;

/**
 * Names of the evidence logs: one log per partition of the evidence topic, with origin {@code
 * <origin prefix>/<partition>} and its objects under {@code <key prefix>/<partition>/} in the
 * evidence bucket. The sequencer, the auditor and the demo all name logs through this class.
 *
 * @param originPrefix the configured log name ({@code evidence.log.origin})
 * @param keyPrefix the configured S3 key prefix ({@code evidence.log.s3.prefix})
 */
public record EvidenceLogs(String originPrefix, String keyPrefix) {
  /** Validates both names. */
  public EvidenceLogs {
    if (originPrefix == null || originPrefix.isBlank() || originPrefix.contains("\n")) {
      throw new IllegalArgumentException(
          "evidence log origin must be one non-blank line, was '" + originPrefix + "'");
    }
    if (keyPrefix == null
        || keyPrefix.isBlank()
        || keyPrefix.startsWith("/")
        || keyPrefix.endsWith("/")) {
      throw new IllegalArgumentException(
          "evidence log key prefix must be set, without a leading or trailing '/',"
              + " was '"
              + keyPrefix
              + "'");
    }
  }

  /** The origin of partition {@code p}'s log. */
  public String origin(int partition) {
    return originPrefix + "/" + partition;
  }

  /** The S3 key prefix (no trailing slash) of partition {@code p}'s log. */
  public String prefix(int partition) {
    return keyPrefix + "/" + partition;
  }

  /** The partition an origin of these logs names, or -1 when it is not one of them. */
  public int partitionOf(String origin) {
    if (!origin.startsWith(originPrefix + "/")) {
      return -1;
    }
    try {
      int p = Integer.parseInt(origin.substring(originPrefix.length() + 1));
      return p >= 0 ? p : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The S3 key prefix of the log with this origin. */
  public String prefixOf(String origin) {
    int p = partitionOf(origin);
    if (p < 0) {
      throw new IllegalArgumentException(
          "'" + origin + "' is not an evidence log of " + originPrefix);
    }
    return prefix(p);
  }
}
