package io.provability.fabric.processors.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each cache's entries go to its own tier, and entries from every tier reach the receiver. */
class RoutingSharedTierTest {
  private static final class Recording implements SharedTier {
    final List<CacheName> stored = new ArrayList<>();
    Receiver receiver;
    boolean closed;

    @Override
    public void store(CacheName cache, ByteKey key, byte[] value, long ttlMillis) {
      stored.add(cache);
    }

    @Override
    public byte[] fetch(CacheName cache, ByteKey key, Duration wait) {
      return new byte[] {cache.tag()};
    }

    @Override
    public void setReceiver(Receiver receiver) {
      this.receiver = receiver;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void routesByCache() {
    Recording shared = new Recording();
    Recording decisions = new Recording();
    RoutingSharedTier tier =
        new RoutingSharedTier(
            Map.of(
                CacheName.TOKENS,
                shared,
                CacheName.EGRESS_VERDICTS,
                shared,
                CacheName.DECISIONS,
                decisions));
    ByteKey key = new ByteKey(new byte[32]);
    tier.store(CacheName.DECISIONS, key, new byte[1], 10);
    tier.store(CacheName.TOKENS, key, new byte[1], 10);
    tier.store(CacheName.EGRESS_VERDICTS, key, new byte[1], 10);
    assertThat(decisions.stored).containsExactly(CacheName.DECISIONS);
    assertThat(shared.stored).containsExactly(CacheName.TOKENS, CacheName.EGRESS_VERDICTS);
    assertThat(tier.fetch(CacheName.DECISIONS, key, Duration.ZERO))
        .containsExactly(CacheName.DECISIONS.tag());

    List<CacheName> received = new ArrayList<>();
    tier.setReceiver((c, k, v) -> received.add(c));
    shared.receiver.received(CacheName.TOKENS, key, new byte[0]);
    decisions.receiver.received(CacheName.DECISIONS, key, new byte[0]);
    assertThat(received).containsExactly(CacheName.TOKENS, CacheName.DECISIONS);
    tier.close();
    assertThat(shared.closed && decisions.closed).isTrue();
  }
}
