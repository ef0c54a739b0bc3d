package io.provability.fabric.processors.cache;

import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.processors.retrieval.SessionSpends;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-through, write-through near cache of one stream task's {@code privacy-budgets} store: the
 * hot tier's "retrieval session data" (docs/caches.md).
 *
 * <p><b>Why it is never wrong.</b> The store is written by one processor only, on the task's stream
 * thread, and every write goes through {@link #record} (drop the copy, write the store, copy the
 * value written). So while this cache exists its entries equal the store. What rewinds the store —
 * an exactly-once abort, a task migration, a restore from the changelog — closes the task (dirty)
 * and re-initialises its processor, which opens a new, empty cache: the cache never outlives the
 * store contents it mirrors. Nothing of it goes to Redis: the spend changes with every allowed
 * retrieval, in the same transaction as the decision, and a copy outside that transaction could
 * only be stale.
 *
 * <p>Bounded by an approximate byte budget and by a TTL (an entry lives at most the TTL after it
 * was read from or written to the store, measured by the task's clock; a clock that goes back
 * expires it too). Both only bound memory: an expired or evicted session is read from the store
 * again.
 *
 * <p>Not thread-safe: one task, one stream thread.
 */
public final class SessionSpendCache implements SessionSpends {
  private static final Logger LOG = LoggerFactory.getLogger(SessionSpendCache.class);

  /**
   * Approximate bytes of one entry besides its session id's characters (map node, holder, spend).
   */
  static final long ENTRY_OVERHEAD_BYTES = 136;

  private final Function<String, PrivacySpend> read;
  private final BiConsumer<String, PrivacySpend> write;
  private final long ttlMillis;
  private final long maxBytes;
  private final LongSupplier clockMillis;
  private final CacheMetrics metrics;
  private final boolean shadowCheck;
  // insertion order = order of the last load or write = order of expiry, so expired entries are
  // purged from the head
  private final LinkedHashMap<String, Held> entries = new LinkedHashMap<>(256);
  private long bytes;
  private boolean closed;

  private record Held(PrivacySpend spend, long since) {}

  /**
   * @param read the store's get (null: the session has spent nothing)
   * @param write the store's put
   * @param ttl longest time an entry is kept after it was loaded or written
   * @param maxBytes approximate memory budget of this cache (one task's)
   * @param clockMillis the task's wall clock
   * @param shadowCheck read the store on every hit too and count differences
   */
  public SessionSpendCache(
      Function<String, PrivacySpend> read,
      BiConsumer<String, PrivacySpend> write,
      Duration ttl,
      long maxBytes,
      LongSupplier clockMillis,
      CacheMetrics metrics,
      boolean shadowCheck) {
    if (ttl.isNegative() || ttl.isZero() || maxBytes < 0) {
      throw new IllegalArgumentException(
          "ttl must be positive and maxBytes >= 0, were " + ttl + ", " + maxBytes);
    }
    this.read = read;
    this.write = write;
    this.ttlMillis = ttl.toMillis();
    this.maxBytes = maxBytes;
    this.clockMillis = clockMillis;
    this.metrics = metrics;
    this.shadowCheck = shadowCheck;
  }

  @Override
  public PrivacySpend spent(String sessionId) {
    ensureOpen();
    long now = clockMillis.getAsLong();
    purgeExpired(now);
    Held held = entries.get(sessionId);
    if (held != null && live(held, now)) {
      metrics.lookup(CacheName.RETRIEVAL_SESSIONS, CacheMetrics.Outcome.HIT_EXACT);
      if (shadowCheck) {
        PrivacySpend fresh = load(sessionId);
        boolean differs = !fresh.equals(held.spend());
        metrics.shadowCheck(differs);
        if (differs) {
          LOG.error(
              "session spend cache: session {} cached {} but the store holds {}",
              sessionId,
              held.spend(),
              fresh);
        }
      }
      return held.spend();
    }
    if (held != null) {
      remove(sessionId);
    }
    metrics.lookup(CacheName.RETRIEVAL_SESSIONS, CacheMetrics.Outcome.MISS);
    PrivacySpend stored = load(sessionId);
    keep(sessionId, stored, now);
    return stored;
  }

  @Override
  public void record(String sessionId, PrivacySpend total) {
    ensureOpen();
    // dropped first: if the store write throws, no copy of the old value is left behind
    remove(sessionId);
    write.accept(sessionId, total);
    keep(sessionId, total, clockMillis.getAsLong());
  }

  @Override
  public void forget(String key) {
    ensureOpen();
    // dropped first, as in record: the store and this copy never disagree
    remove(key);
    write.accept(key, null);
  }

  @Override
  public void close() {
    if (!closed) {
      metrics.invalidated(CacheName.RETRIEVAL_SESSIONS, "task_closed", entries.size());
      entries.clear();
      bytes = 0;
      closed = true;
    }
  }

  /** Entries held now. */
  public int size() {
    return entries.size();
  }

  /** Approximate bytes held now. */
  public long bytes() {
    return bytes;
  }

  private PrivacySpend load(String sessionId) {
    PrivacySpend s = read.apply(sessionId);
    return s == null ? PrivacySpend.ZERO : s;
  }

  private boolean live(Held held, long now) {
    return now >= held.since() && now - held.since() < ttlMillis;
  }

  private void keep(String sessionId, PrivacySpend spend, long now) {
    long weight = weight(sessionId);
    if (weight > maxBytes) {
      return;
    }
    Held old = entries.remove(sessionId);
    if (old != null) {
      bytes -= weight;
    }
    entries.put(sessionId, new Held(spend, now));
    bytes += weight;
    Iterator<Map.Entry<String, Held>> it = entries.entrySet().iterator();
    while (bytes > maxBytes && it.hasNext()) {
      Map.Entry<String, Held> eldest = it.next();
      bytes -= weight(eldest.getKey());
      it.remove();
    }
  }

  private void remove(String sessionId) {
    if (entries.remove(sessionId) != null) {
      bytes -= weight(sessionId);
    }
  }

  private void purgeExpired(long now) {
    Iterator<Map.Entry<String, Held>> it = entries.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Held> eldest = it.next();
      // a clock that went back leaves "since" in the future: such entries are dropped on lookup
      // instead
      if (now - eldest.getValue().since() < ttlMillis) {
        return;
      }
      bytes -= weight(eldest.getKey());
      it.remove();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("session spend cache used after its task closed it");
    }
  }

  /** Approximate bytes one entry of {@code sessionId} takes, as the budget counts it. */
  public static long weight(String sessionId) {
    return ENTRY_OVERHEAD_BYTES + 2L * sessionId.length();
  }
}
