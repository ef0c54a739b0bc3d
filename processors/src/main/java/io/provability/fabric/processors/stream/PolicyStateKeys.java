package io.provability.fabric.processors.stream;

/**
 * Keys of the compacted policy-state topic. One key per fact, so compaction keeps exactly the
 * current state: the latest grant of a subject, each revocation, the policy version.
 */
public final class PolicyStateKeys {
  /** Key of the current {@code PolicyVersion}. */
  public static final String POLICY_VERSION = "policy:version";

  private PolicyStateKeys() {}

  /** Key of a {@code CapabilityRevocation}. */
  public static String revocation(String tokenId) {
    return "revocation:" + tokenId;
  }

  /** Key of a {@code CapabilityGrant}. */
  public static String grant(String tenant, String subjectId) {
    return "grant:" + tenant + ":" + subjectId;
  }
}
