package io.provability.fabric.processors.cache;

import java.util.EnumMap;
import java.util.Map;

/**
 * Settings of the hot tier: each cache's limits, and whether every cache hit is re-evaluated afresh
 * and compared (the shadow check: it costs the evaluation the cache saves, so it is for tests,
 * canaries and audits, not for throughput).
 *
 * @param enabled false decides everything afresh and touches no cache
 * @param specs limits per cache; a missing cache gets its defaults
 * @param shadowCheck evaluate afresh on every hit and count (and log) any difference
 */
public record HotTierSettings(
    boolean enabled, Map<CacheName, CacheSpec> specs, boolean shadowCheck) {
  /** Every cache with the seed's defaults, no shadow check. */
  public static final HotTierSettings DEFAULTS = new HotTierSettings(true, Map.of(), false);

  /** No caching at all. */
  public static final HotTierSettings DISABLED = new HotTierSettings(false, Map.of(), false);

  public HotTierSettings {
    EnumMap<CacheName, CacheSpec> all = new EnumMap<>(CacheName.class);
    for (CacheName c : CacheName.values()) {
      all.put(c, specs.getOrDefault(c, c.defaults()));
    }
    specs = Map.copyOf(all);
  }

  /** The limits of {@code cache}. */
  public CacheSpec spec(CacheName cache) {
    return specs.get(cache);
  }

  /** The same settings with the shadow check on or off. */
  public HotTierSettings withShadowCheck(boolean on) {
    return new HotTierSettings(enabled, specs, on);
  }
}
