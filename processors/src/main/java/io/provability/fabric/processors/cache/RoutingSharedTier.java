package io.provability.fabric.processors.cache;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Several shared tiers, one per cache: how each cache gets its own Redis instance (and so its own
 * {@code maxmemory}, the only way to keep one cache's memory budget from being taken by another).
 */
public final class RoutingSharedTier implements SharedTier {
  private final Map<CacheName, SharedTier> byCache;
  private final Set<SharedTier> distinct;

  /**
   * @param byCache the tier of every cache that goes through Redis (several caches may share one
   *     tier)
   */
  public RoutingSharedTier(Map<CacheName, SharedTier> byCache) {
    this.byCache = new EnumMap<>(byCache);
    for (CacheName c : CacheName.values()) {
      if (c.sharedThroughRedis() && !this.byCache.containsKey(c)) {
        throw new IllegalArgumentException("no shared tier for cache " + c.configName());
      }
    }
    this.distinct = Collections.newSetFromMap(new IdentityHashMap<>());
    distinct.addAll(this.byCache.values());
  }

  @Override
  public void store(CacheName cache, ByteKey key, byte[] value, long ttlMillis) {
    byCache.get(cache).store(cache, key, value, ttlMillis);
  }

  @Override
  public byte[] fetch(CacheName cache, ByteKey key, Duration wait) {
    return byCache.get(cache).fetch(cache, key, wait);
  }

  @Override
  public void setReceiver(Receiver receiver) {
    for (SharedTier t : distinct) {
      t.setReceiver(receiver);
    }
  }

  @Override
  public void close() {
    for (SharedTier t : distinct) {
      t.close();
    }
  }
}
