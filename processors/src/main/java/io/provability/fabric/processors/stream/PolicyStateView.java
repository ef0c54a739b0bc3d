package io.provability.fabric.processors.stream;

import io.provability.fabric.events.PolicyVersion;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventDecodeException;
import java.util.Arrays;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The kernel's view of the global policy-state store. */
public final class PolicyStateView implements PolicyView {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyStateView.class);

  private final ReadOnlyKeyValueStore<String, byte[]> store;
  private final EventCodec codec;
  private byte[] lastVersionBytes;
  private long lastVersion;

  public PolicyStateView(ReadOnlyKeyValueStore<String, byte[]> store, EventCodec codec) {
    this.store = store;
    this.codec = codec;
  }

  @Override
  public boolean isRevoked(String tokenId) {
    return tokenId != null && store.get(PolicyStateKeys.revocation(tokenId)) != null;
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
        LOG.error("policy version record is undecodable ({}); keeping version {}", e.getMessage(), lastVersion);
      }
      lastVersionBytes = bytes;
    }
    return lastVersion;
  }
}
