package io.provability.fabric.processors.stream;

import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.PolicyVersion;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventDecodeException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's view of the global policy-state store. Reads go to the store on every call, so a
 * record applied to the global store is seen by the next decision; decoded grants are memoised by
 * their exact bytes only, never by time.
 */
public final class PolicyStateView implements PolicyView {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyStateView.class);

  private final ReadOnlyKeyValueStore<String, byte[]> store;
  private final EventCodec codec;
  private byte[] lastVersionBytes;
  private long lastVersion;
  private final Map<String, DecodedGrant> grants = new HashMap<>();

  private record DecodedGrant(byte[] bytes, CapabilityGrant grant) {}

  public PolicyStateView(ReadOnlyKeyValueStore<String, byte[]> store, EventCodec codec) {
    this.store = store;
    this.codec = codec;
  }

  @Override
  public boolean isRevoked(String tokenId) {
    return tokenId != null && store.get(PolicyStateKeys.revocation(tokenId)) != null;
  }

  @Override
  public Optional<CapabilityGrant> grant(String tenant, String subjectId) {
    String key = PolicyStateKeys.grant(tenant, subjectId);
    byte[] bytes = store.get(key);
    if (bytes == null) {
      grants.remove(key);
      return Optional.empty();
    }
    DecodedGrant cached = grants.get(key);
    if (cached != null && Arrays.equals(cached.bytes(), bytes)) {
      return Optional.of(cached.grant());
    }
    CapabilityGrant grant;
    try {
      grant = codec.decode(bytes, CapabilityGrant.class);
      if (!tenant.equals(grant.getTenant()) || !subjectId.equals(grant.getSubjectId())) {
        LOG.error(
            "grant record under key {} names {}:{}; treating it as granting nothing",
            key,
            grant.getTenant(),
            grant.getSubjectId());
        grant = nothingGranted(tenant, subjectId);
      }
    } catch (EventDecodeException e) {
      // an unreadable grant must narrow, never widen: the subject gets nothing until it is fixed
      LOG.error(
          "grant record under key {} is undecodable ({}); treating it as granting nothing",
          key,
          e.getMessage());
      grant = nothingGranted(tenant, subjectId);
    }
    if (grants.size() > 10_000) {
      // a memo, not state: dropping it only costs re-decoding, and keeps a task's memory bounded
      grants.clear();
    }
    grants.put(key, new DecodedGrant(bytes, grant));
    return Optional.of(grant);
  }

  private static CapabilityGrant nothingGranted(String tenant, String subjectId) {
    return CapabilityGrant.newBuilder()
        .setGrantId("unreadable")
        .setTenant(tenant)
        .setSubjectId(subjectId)
        .setCapabilities(List.of())
        .setPolicyVersion(-1L)
        .setGrantedAt(Instant.EPOCH)
        .build();
  }

  @Override
  public long policyVersion() {
    byte[] bytes = store.get(PolicyStateKeys.POLICY_VERSION);
    if (bytes == null) {
      return 0L;
    }
    if (!Arrays.equals(bytes, lastVersionBytes)) {
      try {
        lastVersion = codec.decode(bytes, PolicyVersion.class).getVersion();
      } catch (EventDecodeException e) {
        // a bad policy record must not make every decision fail; it is visible in the log
        LOG.error(
            "policy version record is undecodable ({}); keeping version {}",
            e.getMessage(),
            lastVersion);
      }
      lastVersionBytes = bytes;
    }
    return lastVersion;
  }
}
