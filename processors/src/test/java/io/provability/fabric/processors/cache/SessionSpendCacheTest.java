package io.provability.fabric.processors.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.processors.retrieval.SessionSpends;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The per-task near cache of session privacy spends: read-through, write-through, bounded, dropped
 * on close.
 */
class SessionSpendCacheTest {
  private static final Duration TTL = Duration.ofMinutes(5);
  private final Map<String, PrivacySpend> store = new HashMap<>();
  private final Map<String, Integer> storeReads = new HashMap<>();
  private final AtomicLong clock = new AtomicLong(1_000_000L);
  private final CacheMetrics metrics = CacheMetrics.simple();

  private SessionSpendCache cache(long maxBytes, boolean shadow) {
    return new SessionSpendCache(
        id -> {
          storeReads.merge(id, 1, Integer::sum);
          return store.get(id);
        },
        store::put,
        TTL,
        maxBytes,
        clock::get,
        metrics,
        shadow);
  }

  private long hits() {
    return metrics.lookups(CacheName.RETRIEVAL_SESSIONS, CacheMetrics.Outcome.HIT_EXACT);
  }

  private long misses() {
    return metrics.lookups(CacheName.RETRIEVAL_SESSIONS, CacheMetrics.Outcome.MISS);
  }

  @Test
  void readsThroughOnceThenServesFromMemoryIncludingSessionsNeverSeen() {
    store.put("s1", new PrivacySpend(0.25, 1e-7));
    SessionSpendCache c = cache(1 << 20, false);
    assertThat(c.spent("s1")).isEqualTo(new PrivacySpend(0.25, 1e-7));
    assertThat(c.spent("s1")).isEqualTo(new PrivacySpend(0.25, 1e-7));
    assertThat(c.spent("new")).isEqualTo(PrivacySpend.ZERO);
    assertThat(c.spent("new")).isEqualTo(PrivacySpend.ZERO);
    assertThat(storeReads).containsEntry("s1", 1).containsEntry("new", 1);
    assertThat(hits()).isEqualTo(2);
    assertThat(misses()).isEqualTo(2);
  }

  @Test
  void aRecordedSpendReachesTheStoreAndIsWhatTheNextReadReturns() {
    SessionSpendCache c = cache(1 << 20, false);
    assertThat(c.spent("s1")).isEqualTo(PrivacySpend.ZERO);
    c.record("s1", new PrivacySpend(0.4, 2e-9));
    assertThat(store).containsEntry("s1", new PrivacySpend(0.4, 2e-9));
    assertThat(c.spent("s1")).isEqualTo(new PrivacySpend(0.4, 2e-9));
    assertThat(storeReads).containsEntry("s1", 1);
  }

  @Test
  void aStoreWriteThatFailsLeavesNoCopyOfTheOldValue() {
    store.put("s1", new PrivacySpend(0.1, 0));
    SessionSpendCache c =
        new SessionSpendCache(
            store::get,
            (id, v) -> {
              throw new IllegalStateException("store closed");
            },
            TTL,
            1 << 20,
            clock::get,
            metrics,
            false);
    assertThat(c.spent("s1")).isEqualTo(new PrivacySpend(0.1, 0));
    assertThatThrownBy(() -> c.record("s1", new PrivacySpend(0.9, 0)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(c.size()).isZero();
    store.put("s1", new PrivacySpend(0.3, 0));
    assertThat(c.spent("s1")).as("read from the store again").isEqualTo(new PrivacySpend(0.3, 0));
  }

  @Test
  void anEntryLivesAtMostTheTtlAndAClockThatGoesBackExpiresIt() {
    store.put("s1", new PrivacySpend(0.1, 0));
    SessionSpendCache c = cache(1 << 20, false);
    c.spent("s1");
    clock.addAndGet(TTL.toMillis() - 1);
    c.spent("s1");
    assertThat(storeReads).containsEntry("s1", 1);
    clock.addAndGet(1);
    c.spent("s1");
    assertThat(storeReads).as("expired at exactly the TTL").containsEntry("s1", 2);
    clock.addAndGet(-1);
    c.spent("s1");
    assertThat(storeReads).as("loaded in the future of the clock").containsEntry("s1", 3);
  }

  @Test
  void idleEntriesAreDroppedOnceExpiredSoMemoryFollowsTheTtl() {
    SessionSpendCache c = cache(1 << 20, false);
    for (int i = 0; i < 100; i++) {
      c.spent("s" + i);
    }
    assertThat(c.size()).isEqualTo(100);
    clock.addAndGet(TTL.toMillis());
    c.spent("other");
    assertThat(c.size()).isEqualTo(1);
    assertThat(c.bytes()).isEqualTo(SessionSpendCache.weight("other"));
  }

  @Test
  void theByteBudgetEvictsTheOldestAndZeroKeepsNothing() {
    long two = SessionSpendCache.weight("s1") * 2;
    SessionSpendCache c = cache(two, false);
    c.spent("s1");
    c.spent("s2");
    c.spent("s3");
    assertThat(c.size()).isEqualTo(2);
    assertThat(c.bytes()).isLessThanOrEqualTo(two);
    c.spent("s1");
    assertThat(storeReads).as("s1 was evicted").containsEntry("s1", 2);

    SessionSpendCache none = cache(0, false);
    none.record("s9", new PrivacySpend(0.5, 0));
    assertThat(none.size()).isZero();
    assertThat(none.spent("s9")).isEqualTo(new PrivacySpend(0.5, 0));
    assertThat(store).containsEntry("s9", new PrivacySpend(0.5, 0));
  }

  @Test
  void closeDropsEverythingCountsItAndRefusesLaterUse() {
    SessionSpendCache c = cache(1 << 20, false);
    c.spent("s1");
    c.record("s2", new PrivacySpend(0.2, 0));
    c.close();
    c.close();
    assertThat(c.size()).isZero();
    assertThat(metrics.invalidations(CacheName.RETRIEVAL_SESSIONS, "task_closed")).isEqualTo(2);
    assertThatThrownBy(() -> c.spent("s1")).isInstanceOf(IllegalStateException.class);
    assertThat(store).containsEntry("s2", new PrivacySpend(0.2, 0));
  }

  @Test
  void theShadowCheckComparesEveryHitWithTheStoreAndCatchesAWriteThatBypassedTheCache() {
    SessionSpendCache c = cache(1 << 20, true);
    c.record("s1", new PrivacySpend(0.2, 0));
    c.spent("s1");
    c.spent("s1");
    assertThat(metrics.shadowChecks()).isEqualTo(2);
    assertThat(metrics.shadowMismatches()).isZero();
    store.put("s1", new PrivacySpend(0.7, 0));
    assertThat(c.spent("s1"))
        .as("a write around the cache makes it stale")
        .isEqualTo(new PrivacySpend(0.2, 0));
    assertThat(metrics.shadowMismatches()).isEqualTo(1);
  }

  @Test
  void theHotTierGivesEachTaskItsOwnCacheWithTheConfiguredTtlOrNoneWhenDisabled() {
    HotTierSettings settings =
        new HotTierSettings(
            true,
            Map.of(CacheName.RETRIEVAL_SESSIONS, new CacheSpec(Duration.ofSeconds(30), 1 << 20, 0)),
            false);
    try (HotTier tier = HotTier.inProcess(settings, metrics);
        HotTier off = HotTier.disabled()) {
      SessionSpends a = tier.sessionSpends().open(store::get, store::put, clock::get);
      SessionSpends b = tier.sessionSpends().open(store::get, store::put, clock::get);
      assertThat(a).isInstanceOf(SessionSpendCache.class).isNotSameAs(b);
      a.spent("s1");
      clock.addAndGet(Duration.ofSeconds(30).toMillis());
      a.spent("s1");
      assertThat(misses()).as("30 s TTL from the settings").isEqualTo(2);
      assertThat(off.sessionSpends()).isSameAs(SessionSpends.UNCACHED);
    }
    assertThat(CacheName.RETRIEVAL_SESSIONS.defaultTtl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(CacheName.RETRIEVAL_SESSIONS.sharedThroughRedis()).isFalse();
  }
}
