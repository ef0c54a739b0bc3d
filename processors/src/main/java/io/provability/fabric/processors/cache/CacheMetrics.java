package io.provability.fabric.processors.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hot tier's meters, on an injected {@link MeterRegistry} (a {@link SimpleMeterRegistry} when
 * none is given). Names (Prometheus spelling in brackets):
 *
 * <ul>
 *   <li>{@code fabric.cache.lookups} [{@code fabric_cache_lookups_total}], tags {@code cache} and
 *       {@code outcome}: {@code hit_exact}, {@code hit_normalised}, {@code hit_pattern}, {@code
 *       miss}, {@code bypass} (the request could not be keyed: evaluated afresh); the {@code
 *       tokens}, {@code egress.verdicts} and {@code retrieval.sessions} caches count {@code
 *       hit_exact} and {@code miss} only;
 *   <li>{@code fabric.cache.invalidations}, tags {@code cache}, {@code cause} ({@code revocation},
 *       {@code grant}, {@code policy_version}; {@code task_closed} for the {@code
 *       retrieval.sessions} cache of a task that closed): near-cache entries dropped; {@code
 *       fabric.cache.policy.changes}, tag {@code cause}: policy-state changes applied;
 *   <li>{@code fabric.cache.shadow.checks} / {@code fabric.cache.shadow.mismatches}: hits
 *       re-evaluated afresh, and those that differed (must stay 0);
 *   <li>{@code fabric.cache.redis.operations}, tags {@code op}, {@code result} ({@code ok}, {@code
 *       error}, {@code dropped}): every Redis command, and work dropped without being sent (queue
 *       full, or Redis not connected);
 *   <li>{@code fabric.cache.redis.replicated}, tag {@code cache}: entries received from other
 *       instances; {@code fabric.cache.redis.rejected}: received entries whose MAC did not verify.
 * </ul>
 */
public final class CacheMetrics {
  /** Outcome of one lookup. */
  public enum Outcome {
    HIT_EXACT("hit_exact"),
    HIT_NORMALISED("hit_normalised"),
    HIT_PATTERN("hit_pattern"),
    MISS("miss"),
    BYPASS("bypass");

    private final String tag;

    Outcome(String tag) {
      this.tag = tag;
    }

    /** True for the three hit tiers. */
    public boolean isHit() {
      return this == HIT_EXACT || this == HIT_NORMALISED || this == HIT_PATTERN;
    }
  }

  private final MeterRegistry registry;
  private final Map<CacheName, Map<Outcome, Counter>> lookups = new EnumMap<>(CacheName.class);
  private final Map<String, Counter> others = new ConcurrentHashMap<>();
  private final Counter shadowChecks;
  private final Counter shadowMismatches;

  public CacheMetrics(MeterRegistry registry) {
    this.registry = registry == null ? new SimpleMeterRegistry() : registry;
    for (CacheName c : CacheName.values()) {
      Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
      for (Outcome o : Outcome.values()) {
        byOutcome.put(
            o,
            Counter.builder("fabric.cache.lookups")
                .tag("cache", c.configName())
                .tag("outcome", o.tag)
                .description("hot-tier lookups by outcome")
                .register(this.registry));
      }
      lookups.put(c, byOutcome);
    }
    shadowChecks =
        Counter.builder("fabric.cache.shadow.checks")
            .description("cache hits re-evaluated afresh")
            .register(this.registry);
    shadowMismatches =
        Counter.builder("fabric.cache.shadow.mismatches")
            .description("cache hits that differed from a fresh evaluation (must be 0)")
            .register(this.registry);
  }

  /** A registry-less instance for tests and programs. */
  public static CacheMetrics simple() {
    return new CacheMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Records one lookup of {@code cache} with {@code outcome} (called by the caches of this module).
   */
  public void lookup(CacheName cache, Outcome outcome) {
    lookups.get(cache).get(outcome).increment();
  }

  /** Lookups of {@code cache} with {@code outcome} so far. */
  public long lookups(CacheName cache, Outcome outcome) {
    return (long) lookups.get(cache).get(outcome).count();
  }

  void invalidated(CacheName cache, String cause, long entries) {
    counter("fabric.cache.invalidations", "cache", cache.configName(), "cause", cause)
        .increment(entries);
  }

  /** Near-cache entries of {@code cache} dropped for {@code cause} so far. */
  public long invalidations(CacheName cache, String cause) {
    return (long)
        counter("fabric.cache.invalidations", "cache", cache.configName(), "cause", cause).count();
  }

  void policyChange(String cause) {
    counter("fabric.cache.policy.changes", "cause", cause, null, null).increment();
  }

  /** Policy-state changes of {@code cause} this instance has applied to its caches. */
  public long policyChanges(String cause) {
    return (long) counter("fabric.cache.policy.changes", "cause", cause, null, null).count();
  }

  /** Records one shadow check, a mismatch if {@code mismatch} (called by the cached kernel). */
  public void shadowCheck(boolean mismatch) {
    shadowChecks.increment();
    if (mismatch) {
      shadowMismatches.increment();
    }
  }

  public long shadowChecks() {
    return (long) shadowChecks.count();
  }

  public long shadowMismatches() {
    return (long) shadowMismatches.count();
  }

  void redis(String op, String result, long n) {
    counter("fabric.cache.redis.operations", "op", op, "result", result).increment(n);
  }

  /**
   * Redis operations {@code op} ({@code get}, {@code set}, {@code publish}, {@code connect}) with
   * {@code result}.
   */
  public long redis(String op, String result) {
    return (long) counter("fabric.cache.redis.operations", "op", op, "result", result).count();
  }

  void countReplicated(CacheName cache) {
    counter("fabric.cache.redis.replicated", "cache", cache.configName(), null, null).increment();
  }

  public long replicated(CacheName cache) {
    return (long)
        counter("fabric.cache.redis.replicated", "cache", cache.configName(), null, null).count();
  }

  void countRejected() {
    counter("fabric.cache.redis.rejected", null, null, null, null).increment();
  }

  public long rejected() {
    return (long) counter("fabric.cache.redis.rejected", null, null, null, null).count();
  }

  private Counter counter(String name, String k1, String v1, String k2, String v2) {
    String id = name + '|' + v1 + '|' + v2;
    return others.computeIfAbsent(
        id,
        x -> {
          Counter.Builder b = Counter.builder(name);
          if (k1 != null) {
            b.tag(k1, v1);
          }
          if (k2 != null) {
            b.tag(k2, v2);
          }
          return b.register(registry);
        });
  }
}
