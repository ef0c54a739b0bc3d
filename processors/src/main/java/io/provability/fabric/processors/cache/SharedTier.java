package io.provability.fabric.processors.cache;

import java.time.Duration;

/**
 * The shared tier behind the near caches (Redis). Every method returns at once or within the
 * caller's deadline: the stream thread never waits on a network round trip it did not ask for, and
 * a failing shared tier only costs hits (every failure is counted in {@link CacheMetrics}).
 */
public interface SharedTier extends AutoCloseable {
  /** Receives entries other instances stored (authenticity already checked). */
  interface Receiver {
    void received(CacheName cache, ByteKey key, byte[] value);
  }

  /**
   * Stores {@code value} for {@code ttlMillis}, later (write-behind), and tells the other
   * instances.
   */
  void store(CacheName cache, ByteKey key, byte[] value, long ttlMillis);

  /** The stored value, or null if absent, failed, or not there within {@code wait}. */
  byte[] fetch(CacheName cache, ByteKey key, Duration wait);

  /** Where entries stored by other instances go. */
  void setReceiver(Receiver receiver);

  @Override
  void close();

  /** No shared tier: near caches only. */
  SharedTier NONE =
      new SharedTier() {
        @Override
        public void store(CacheName cache, ByteKey key, byte[] value, long ttlMillis) {}

        @Override
        public byte[] fetch(CacheName cache, ByteKey key, Duration wait) {
          return null;
        }

        @Override
        public void setReceiver(Receiver receiver) {}

        @Override
        public void close() {}
      };
}
