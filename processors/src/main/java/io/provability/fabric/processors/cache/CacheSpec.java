package io.provability.fabric.processors.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * One cache's limits.
 *
 * @param ttl longest time an entry is kept or served (an entry is also never served past the moment
 *     its value would change, e.g. a token's expiry)
 * @param nearMaxBytes memory budget of the in-process near cache (approximate entry sizes)
 * @param redisMaxBytes memory budget in Redis; enforced by Redis ({@code maxmemory}), documented
 *     per cache in {@code docs/caches.md}
 */
public record CacheSpec(Duration ttl, long nearMaxBytes, long redisMaxBytes) {
  public CacheSpec {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, was " + ttl);
    }
    if (nearMaxBytes < 0 || redisMaxBytes < 0) {
      throw new IllegalArgumentException("memory budgets must be >= 0");
    }
  }
}
