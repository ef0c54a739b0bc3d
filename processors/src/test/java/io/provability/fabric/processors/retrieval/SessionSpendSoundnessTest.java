package io.provability.fabric.processors.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.cache.CacheMetrics;
import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.cache.SessionSpendCache;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.TokenSigning;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Soundness of the per-task near cache of session privacy spends: every retrieval is decided twice,
 * once with the spend the cache returns and once with the spend read afresh from the store, and the
 * two outcomes (verdict, reasons, new spend, signed receipt) must be equal. Interleaved: spends
 * (the budget runs out in many sessions), commits, exactly-once aborts that rewind the store to the
 * last commit (the task closes, its processor re-initialises with a new cache), clock jumps forward
 * and back, TTL expiry and evictions (a small byte budget).
 *
 * <p>The same harness with the cache deliberately broken must find differences: a cache that
 * survives an abort, and a write that goes around the cache. A longer run is the {@link #main}
 * program: {@code SessionSpendSoundnessTest <requests> <seed> [breakage]}.
 */
class SessionSpendSoundnessTest {
  private static final Duration TTL = Duration.ofSeconds(60);

  /** How the harness may deliberately break the cache's contract. */
  enum Breakage {
    NONE,
    /** The processor keeps its cache when the task is closed dirty and re-initialised. */
    CACHE_SURVIVES_ABORT,
    /** Spends are written to the store directly, not through the cache. */
    WRITE_AROUND_CACHE
  }

  record Report(
      long requests,
      long hits,
      long differences,
      long allowed,
      long budgetDenied,
      long commits,
      long aborts,
      long clockJumps) {}

  static Report run(long seed, int requests, Breakage breakage) {
    SplittableRandom rnd = new SplittableRandom(seed);
    // tokens verified once (the gateway's cache in production too): the run measures spends, not
    // signatures
    RetrievalGateway gateway =
        new RetrievalGateway(
            RetrievalFixtures.ISSUERS,
            RetrievalFixtures.GATEWAY,
            RetrievalFixtures.BUDGET,
            new VerifiedTokenCache(16));
    CapabilityToken token =
        TokenSigning.sign(
            RetrievalFixtures.tokenBuilder(
                    RetrievalFixtures.capabilities("retrieve,read_pii,read_financial"))
                .setExpiresAt(RetrievalFixtures.NOW.plus(Duration.ofDays(30)))
                .build(),
            RetrievalFixtures.ISSUER);
    PolicyView policy = PolicyView.empty();
    CacheMetrics metrics = CacheMetrics.simple();
    Map<String, PrivacySpend> store = new HashMap<>();
    Map<String, PrivacySpend> committed = new HashMap<>();
    AtomicLong clock = new AtomicLong(RetrievalFixtures.NOW.toEpochMilli());
    // room for ~48 sessions out of a few hundred live ones: evictions happen all the time
    long maxBytes = 48 * SessionSpendCache.weight("s-000000-000");
    SessionSpends cache = open(store, clock, metrics, maxBytes);
    long differences = 0;
    long allowed = 0;
    long budgetDenied = 0;
    long commits = 0;
    long aborts = 0;
    long jumps = 0;
    int nextCommit = 1 + rnd.nextInt(40);
    List<List<String>> labelSets =
        List.of(
            List.of("public"),
            List.of("pii"),
            List.of("financial", "public"),
            List.of("pii", "private"),
            List.of("secret"));
    double[] epsilons = {0.0, 0.02, 0.05, 0.1, 0.2};
    double[] deltas = {0.0, 1e-7, 3e-6};

    for (int i = 0; i < requests; i++) {
      clock.addAndGet(rnd.nextInt(50));
      if (rnd.nextInt(400) == 0) {
        // forward past the TTL, or back (a wall clock that was corrected)
        clock.addAndGet(
            rnd.nextBoolean() ? 30_000 + rnd.nextInt(60_000) : -(1_000 + rnd.nextInt(60_000)));
        jumps++;
      }
      if (--nextCommit == 0) {
        committed = new HashMap<>(store);
        commits++;
        nextCommit = 1 + rnd.nextInt(40);
      }
      if (rnd.nextInt(300) == 0) {
        // an exactly-once abort: the store is rewound to the last commit, the task closed and
        // re-initialised
        store.clear();
        store.putAll(committed);
        aborts++;
        if (breakage != Breakage.CACHE_SURVIVES_ABORT) {
          cache.close();
          cache = open(store, clock, metrics, maxBytes);
        }
      }
      // sessions come and go: a few hundred live at a time, a few hot ones
      int live = rnd.nextInt(4) == 0 ? rnd.nextInt(300) : rnd.nextInt(8);
      String session = String.format("s-%06d-%03d", i / 1_500, live);
      RetrievalRequest request =
          RetrievalFixtures.request(token, labelSets.get(rnd.nextInt(labelSets.size())))
              .setRequestId("r-" + seed + "-" + i)
              .setSessionId(session)
              .setRequestedAt(Instant.ofEpochMilli(clock.get()))
              .setDpEpsilon(epsilons[rnd.nextInt(epsilons.length)])
              .setDpDelta(deltas[rnd.nextInt(deltas.length)])
              .build();
      Instant now = Instant.ofEpochMilli(clock.get());

      PrivacySpend cached = cache.spent(session);
      PrivacySpend stored = store.get(session);
      PrivacySpend fresh = stored == null ? PrivacySpend.ZERO : stored;
      RetrievalOutcome served = gateway.decide(request, policy, cached, now);
      RetrievalOutcome afresh = gateway.decide(request, policy, fresh, now);
      if (!served.equals(afresh)) {
        differences++;
      }
      if (served.verdict() == Verdict.ALLOW) {
        allowed++;
      } else if (served.codes().contains("BUDGET_EXHAUSTED")) {
        budgetDenied++;
      }
      // what DecisionProcessor does with the served outcome
      if (!served.sessionSpend().equals(cached)) {
        if (breakage == Breakage.WRITE_AROUND_CACHE) {
          store.put(session, served.sessionSpend());
        } else {
          cache.record(session, served.sessionSpend());
        }
      }
    }
    cache.close();
    long hits = metrics.lookups(CacheName.RETRIEVAL_SESSIONS, CacheMetrics.Outcome.HIT_EXACT);
    return new Report(requests, hits, differences, allowed, budgetDenied, commits, aborts, jumps);
  }

  private static SessionSpends open(
      Map<String, PrivacySpend> store, AtomicLong clock, CacheMetrics metrics, long maxBytes) {
    return new SessionSpendCache(store::get, store::put, TTL, maxBytes, clock::get, metrics, false);
  }

  @Test
  void cachedSpendsGiveTheSameDecisionsAsFreshReadsOver20000Retrievals() {
    Report r = run(42, 20_000, Breakage.NONE);
    assertThat(r.differences()).as(r.toString()).isZero();
    // the run must exercise what it claims to
    assertThat(r.hits()).as(r.toString()).isGreaterThan(r.requests() / 2);
    assertThat(r.allowed()).isGreaterThan(1_000);
    assertThat(r.budgetDenied()).isGreaterThan(1_000);
    assertThat(r.aborts()).isGreaterThan(30);
    assertThat(r.clockJumps()).isGreaterThan(20);
  }

  @Test
  void theCheckFindsACacheThatSurvivesAnAbort() {
    Report r = run(42, 6_000, Breakage.CACHE_SURVIVES_ABORT);
    assertThat(r.differences()).as(r.toString()).isPositive();
  }

  @Test
  void theCheckFindsAWriteThatGoesAroundTheCache() {
    Report r = run(42, 6_000, Breakage.WRITE_AROUND_CACHE);
    assertThat(r.differences()).as(r.toString()).isPositive();
  }

  /** The longer run: {@code <requests> <seed> [breakage]}. */
  public static void main(String[] args) {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 250_000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 7L;
    Breakage breakage = args.length > 2 ? Breakage.valueOf(args[2]) : Breakage.NONE;
    long started = System.nanoTime();
    Report r = run(seed, requests, breakage);
    System.out.printf(
        "%s%nbreakage %s, %.1f s%n", r, breakage, (System.nanoTime() - started) / 1e9);
    if (breakage == Breakage.NONE && r.differences() != 0) {
      System.exit(1);
    }
  }
}
