package io.provability.fabric.processors.cache;

import java.time.Duration;

/**
 * The hot tier's caches, with the seed's defaults (DESIGN.md §4). Each has its own TTL, its own
 * in-process (near) memory budget and its own Redis memory budget; see {@code docs/caches.md} for
 * how a Redis budget maps onto {@code maxmemory}.
 */
public enum CacheName {
  /**
   * Verified capability tokens: 1 h, never past the token's expiry. Seed: part of the kernel's 4
   * GB.
   */
  TOKENS("tokens", 't', Duration.ofHours(1), 16L << 20, 1L << 30),
  /** Kernel decisions of plans: 1 h, never past the moment the decision would change. */
  DECISIONS("decisions", 'd', Duration.ofHours(1), 64L << 20, 3L << 30),
  /** Egress scan results by content hash: 30 min. Seed: 4 GB. */
  EGRESS_VERDICTS("egress.verdicts", 'e', Duration.ofMinutes(30), 32L << 20, 4L << 30),
  /**
   * Retrieval session data: each session's privacy spend, in a near cache per stream task in front
   * of its {@code privacy-budgets} store (5 min; the near budget is per task). Never in Redis (no
   * Redis budget, no Redis settings): the spend changes in the decision's exactly-once transaction.
   */
  RETRIEVAL_SESSIONS("retrieval.sessions", 's', Duration.ofMinutes(5), 8L << 20, 0L);

  private final String configName;
  private final char tag;
  private final Duration defaultTtl;
  private final long defaultNearMaxBytes;
  private final long defaultRedisMaxBytes;

  CacheName(
      String configName,
      char tag,
      Duration defaultTtl,
      long defaultNearMaxBytes,
      long defaultRedisMaxBytes) {
    this.configName = configName;
    this.tag = tag;
    this.defaultTtl = defaultTtl;
    this.defaultNearMaxBytes = defaultNearMaxBytes;
    this.defaultRedisMaxBytes = defaultRedisMaxBytes;
  }

  /** The name in configuration keys ({@code cache.<name>.ttl.ms}) and metric tags. */
  public String configName() {
    return configName;
  }

  /** One byte that tells the caches apart in Redis keys and replication messages. */
  public byte tag() {
    return (byte) tag;
  }

  /** The cache with {@link #tag()}, or null. */
  public static CacheName ofTag(byte tag) {
    for (CacheName c : values()) {
      if (c.tag() == tag) {
        return c;
      }
    }
    return null;
  }

  public Duration defaultTtl() {
    return defaultTtl;
  }

  public long defaultNearMaxBytes() {
    return defaultNearMaxBytes;
  }

  public long defaultRedisMaxBytes() {
    return defaultRedisMaxBytes;
  }

  /** False for a cache that never goes through Redis (it has no Redis settings). */
  public boolean sharedThroughRedis() {
    return this != RETRIEVAL_SESSIONS;
  }

  /** The defaults as a spec. */
  public CacheSpec defaults() {
    return new CacheSpec(defaultTtl, defaultNearMaxBytes, defaultRedisMaxBytes);
  }
}
