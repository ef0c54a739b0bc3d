package io.provability.fabric.processors.cache.internal;

import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.processors.kernel.PolicyView;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One request's view of the policy state: the first answer to each question is kept, so every later
 * read in the same evaluation gets the same answer. The live view behind it is the global store,
 * which the global thread updates while a stream thread decides; without this, a decision's cache
 * key could be computed before a revocation is applied and the evaluation run after it (or the
 * other way round), and a key would be paired with a result it does not describe. Not thread-safe:
 * one evaluation, one thread.
 */
final class ConsistentPolicyView implements PolicyView {
  private final PolicyView live;
  private Map<String, Boolean> revoked;
  private Map<String, Optional<CapabilityGrant>> grants;
  private Long version;

  ConsistentPolicyView(PolicyView live) {
    this.live = live;
  }

  @Override
  public boolean isRevoked(String tokenId) {
    if (revoked == null) {
      revoked = new HashMap<>(4);
    }
    return revoked.computeIfAbsent(tokenId, live::isRevoked);
  }

  @Override
  public long policyVersion() {
    if (version == null) {
      version = live.policyVersion();
    }
    return version;
  }

  @Override
  public Optional<CapabilityGrant> grant(String tenant, String subjectId) {
    if (grants == null) {
      grants = new HashMap<>(4);
    }
    return grants.computeIfAbsent(
        tenant + '\u0000' + subjectId, k -> live.grant(tenant, subjectId));
  }
}
