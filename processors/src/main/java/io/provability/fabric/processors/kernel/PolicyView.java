package io.provability.fabric.processors.kernel;

/** The part of the policy state (capability grants, revocations, policy version) the kernel reads. */
public interface PolicyView {
  /** True if the token has been revoked. */
  boolean isRevoked(String tokenId);

  /** The policy version in force; recorded on every decision. */
  long policyVersion();

  /** A policy state with no revocations, at version 0. */
  static PolicyView empty() {
    return new PolicyView() {
      @Override
      public boolean isRevoked(String tokenId) {
        return false;
      }

      @Override
      public long policyVersion() {
        return 0L;
      }
    };
  }
}
