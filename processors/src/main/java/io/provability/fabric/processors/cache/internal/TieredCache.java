package io.provability.fabric.processors.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.provability.fabric.processors.cache.ByteKey;
import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.cache.CacheSpec;
import io.provability.fabric.processors.cache.SharedTier;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cache of the hot tier: an in-process near cache (Caffeine, bounded by an approximate byte
 * budget) in front of the {@link SharedTier}. Stores go to both (the shared one write-behind);
 * lookups read the near cache, and the shared tier only when a read wait is configured.
 *
 * <p>Entries are keyed by a digest of everything their value depends on, so the value under a key
 * never changes except by its validity interval; that is why near caches need no coherence protocol
 * beyond dropping entries (which only frees memory) and receiving other instances' stores.
 */
public final class TieredCache<V> {
  private static final Logger LOG = LoggerFactory.getLogger(TieredCache.class);

  private final CacheName name;
  private final CacheSpec spec;
  private final CacheEntry.Codec<V> codec;
  private final SharedTier shared;
  private final Duration readWait;
  private final Cache<ByteKey, CacheEntry<V>> near;

  /**
   * @param readWait how long a near miss waits for the shared tier (zero: never; see
   *     docs/caches.md)
   */
  public TieredCache(
      CacheName name,
      CacheSpec spec,
      CacheEntry.Codec<V> codec,
      SharedTier shared,
      Duration readWait) {
    this(name, spec, codec, shared, readWait, Ticker.systemTicker());
  }

  /**
   * @param readWait how long a near miss waits for the shared tier (zero: never; see
   *     docs/caches.md)
   * @param ticker the time the near cache's TTL runs on
   */
  public TieredCache(
      CacheName name,
      CacheSpec spec,
      CacheEntry.Codec<V> codec,
      SharedTier shared,
      Duration readWait,
      Ticker ticker) {
    this.name = name;
    this.spec = spec;
    this.codec = codec;
    this.shared = shared;
    this.readWait = readWait;
    this.near =
        Caffeine.newBuilder()
            .maximumWeight(Math.max(1, spec.nearMaxBytes()))
            .weigher((ByteKey k, CacheEntry<V> e) -> 96 + k.length() + codec.weigh(e.value()))
            // memory only: validity is checked against the caller's time on every lookup
            .expireAfterWrite(spec.ttl())
            .ticker(ticker)
            .executor(Runnable::run)
            .build();
  }

  public CacheName name() {
    return name;
  }

  /**
   * The entry under {@code key}: from the near cache, or (when a read wait is configured) from the
   * shared tier. The caller checks {@link CacheEntry#validAt}.
   */
  public CacheEntry<V> get(ByteKey key) {
    CacheEntry<V> e = near.getIfPresent(key);
    if (e != null || readWait.isZero()) {
      return e;
    }
    byte[] bytes = shared.fetch(name, key, readWait);
    if (bytes == null) {
      return null;
    }
    e = decodeOrNull(bytes);
    if (e != null) {
      near.put(key, e);
    }
    return e;
  }

  /**
   * Stores {@code entry} near and (write-behind) shared, for at most the TTL and never past its
   * validity.
   */
  public void put(ByteKey key, CacheEntry<V> entry, Instant now) {
    near.put(key, entry);
    long ttl = spec.ttl().toMillis();
    if (entry.validUntil().isBefore(Instant.MAX)) {
      ttl = Math.min(ttl, Duration.between(now, entry.validUntil()).toMillis());
    }
    if (ttl > 0) {
      shared.store(name, key, entry.encode(codec), ttl);
    }
  }

  /** An entry another instance stored. */
  public void accept(ByteKey key, byte[] bytes) {
    CacheEntry<V> e = decodeOrNull(bytes);
    if (e != null) {
      near.put(key, e);
    }
  }

  private CacheEntry<V> decodeOrNull(byte[] bytes) {
    try {
      return CacheEntry.decode(bytes, codec);
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "{}: an entry from the shared tier cannot be decoded ({}); ignored",
          name.configName(),
          e.toString());
      return null;
    }
  }

  /** Drops the near entries that match; returns how many. */
  public long invalidateIf(Predicate<CacheEntry<V>> dependsOnChange) {
    long[] n = new long[1];
    near.asMap()
        .values()
        .removeIf(
            e -> {
              boolean drop = dependsOnChange.test(e);
              if (drop) {
                n[0]++;
              }
              return drop;
            });
    return n[0];
  }

  /** Near entries held now (approximate). */
  public long size() {
    near.cleanUp();
    return near.estimatedSize();
  }
}
