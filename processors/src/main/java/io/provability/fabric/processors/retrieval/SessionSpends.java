package io.provability.fabric.processors.retrieval;

import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The privacy spend of sessions as one stream task reads and writes it: a view of that task's
 * {@code privacy-budgets} store partition, possibly with a near cache in front of it.
 *
 * <p>Open one per task in the processor's {@code init()} and close it in {@code close()}. Every
 * write to the store must go through {@link #record}: a cached view is only sound while it sees
 * every write (docs/caches.md, "retrieval session data").
 */
public interface SessionSpends extends AutoCloseable {
  /**
   * What {@code sessionId} has spent so far ({@link PrivacySpend#ZERO} for a session never seen).
   */
  PrivacySpend spent(String sessionId);

  /**
   * Stores {@code total} as the spend of {@code sessionId}, in the caller's step (same
   * transaction).
   */
  void record(String sessionId, PrivacySpend total);

  /** Removes the spend of {@code key} from the store (an expired session), in the caller's step. */
  void forget(String key);

  /** Drops whatever this view holds; the store is untouched. */
  @Override
  void close();

  /** Opens a view per task. */
  @FunctionalInterface
  interface Factory {
    /**
     * @param read the store's get: the stored spend, or null when the session has none
     * @param write the store's put (a null spend deletes the entry)
     * @param clockMillis the task's wall clock (entries expire by it)
     */
    SessionSpends open(
        Function<String, PrivacySpend> read,
        BiConsumer<String, PrivacySpend> write,
        LongSupplier clockMillis);
  }

  /** No cache: every read goes to the store. */
  Factory UNCACHED =
      (read, write, clock) ->
          new SessionSpends() {
            @Override
            public PrivacySpend spent(String sessionId) {
              PrivacySpend s = read.apply(sessionId);
              return s == null ? PrivacySpend.ZERO : s;
            }

            @Override
            public void record(String sessionId, PrivacySpend total) {
              write.accept(sessionId, total);
            }

            @Override
            public void forget(String key) {
              write.accept(key, null);
            }

            @Override
            public void close() {
              // nothing held
            }
          };
}
