package io.provability.fabric.processors.kernel;

import io.provability.fabric.events.CapabilityGrant;
import java.util.Optional;

/**
 * The part of the policy state (capability grants, revocations, policy version) the kernel reads.
 *
 * <p>Grants narrow tokens: when a grant exists for a plan's tenant and subject, a token capability
 * is usable only if the current grant also holds a capability of that name and effect whose
 * patterns cover the resource. Removing a capability from a grant therefore takes effect without
 * re-issuing tokens. A subject with no grant record is governed by its token alone.
 */
public interface PolicyView {
  /** True if the token has been revoked. */
  boolean isRevoked(String tokenId);

  /** The policy version in force; recorded on every decision. */
  long policyVersion();

  /**
   * The current grant of {@code subjectId} in {@code tenant}, if one is recorded. A grant record
   * that cannot be read is returned as a grant with no capabilities: deny by default.
   */
  default Optional<CapabilityGrant> grant(String tenant, String subjectId) {
    return Optional.empty();
  }

  /** A policy state with no revocations and no grants, at version 0. */
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
