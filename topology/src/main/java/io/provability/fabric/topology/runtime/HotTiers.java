package io.provability.fabric.topology.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.provability.fabric.processors.cache.CacheMetrics;
import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.cache.CacheSpec;
import io.provability.fabric.processors.cache.HotTier;
import io.provability.fabric.processors.cache.HotTierSettings;
import io.provability.fabric.processors.cache.RedisSharedTier;
import io.provability.fabric.processors.cache.RoutingSharedTier;
import io.provability.fabric.processors.cache.SharedTier;
import io.provability.fabric.topology.config.FabricConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds an instance's {@link HotTier} from its configuration: which Redis, which limits. */
public final class HotTiers {
  private static final Logger LOG = LoggerFactory.getLogger(HotTiers.class);

  private HotTiers() {}

  /** The cache settings a configuration describes. */
  public static HotTierSettings settings(FabricConfig cfg) {
    Map<CacheName, CacheSpec> specs = new EnumMap<>(CacheName.class);
    for (CacheName c : CacheName.values()) {
      long nearBytes =
          c == CacheName.TOKENS
              ? c.defaultNearMaxBytes()
              : cfg.getLong(FabricConfig.cacheNearBytesConfig(c));
      long redisBytes =
          c.sharedThroughRedis() ? cfg.getLong(FabricConfig.cacheRedisBytesConfig(c)) : 0L;
      specs.put(
          c,
          new CacheSpec(
              Duration.ofMillis(cfg.getLong(FabricConfig.cacheTtlConfig(c))),
              nearBytes,
              redisBytes));
    }
    return new HotTierSettings(
        cfg.getBoolean(FabricConfig.CACHE_ENABLED_CONFIG),
        specs,
        cfg.getBoolean(FabricConfig.CACHE_SHADOW_CHECK_CONFIG));
  }

  /**
   * The hot tier of one instance.
   *
   * @param redisUri the single Redis node (the embedded one, or {@code redis.uri}); used unless
   *     {@code redis.cluster.uris} is set
   * @param registry where the cache meters go; null: a private {@code SimpleMeterRegistry}
   */
  public static HotTier create(FabricConfig cfg, String redisUri, MeterRegistry registry) {
    HotTierSettings settings = settings(cfg);
    CacheMetrics metrics = new CacheMetrics(registry);
    if (!settings.enabled()) {
      return new HotTier(settings, SharedTier.NONE, metrics, Map.of());
    }
    Map<CacheName, Duration> waits = new EnumMap<>(CacheName.class);
    for (CacheName c : CacheName.values()) {
      if (c != CacheName.TOKENS && c.sharedThroughRedis()) {
        waits.put(c, Duration.ofMillis(cfg.getLong(FabricConfig.cacheReadWaitConfig(c))));
      }
    }
    List<String> cluster = cfg.getList(FabricConfig.REDIS_CLUSTER_URIS_CONFIG);
    boolean haveRedis = !cluster.isEmpty() || (redisUri != null && !redisUri.isBlank());
    String secret = cfg.getPassword(FabricConfig.CACHE_REDIS_MAC_SECRET_CONFIG).value();
    if (!cfg.getBoolean(FabricConfig.CACHE_REDIS_ENABLED_CONFIG)
        || !haveRedis
        || secret.isEmpty()) {
      if (!haveRedis) {
        LOG.warn(
            "hot tier: neither {} nor {} is set; caches stay in-process",
            FabricConfig.REDIS_URI_CONFIG,
            FabricConfig.REDIS_CLUSTER_URIS_CONFIG);
      } else if (secret.isEmpty() && cfg.getBoolean(FabricConfig.CACHE_REDIS_ENABLED_CONFIG)) {
        // an entry taken from Redis can grant (a "verified" token, an ALLOW): never without
        // authentication
        LOG.info(
            "hot tier: {} is empty, so nothing is shared through Redis; caches stay in-process",
            FabricConfig.CACHE_REDIS_MAC_SECRET_CONFIG);
      }
      return new HotTier(settings, SharedTier.NONE, metrics, waits);
    }
    byte[] macKey = secret.getBytes(StandardCharsets.UTF_8);
    Map<String, SharedTier> byUri = new HashMap<>();
    Map<CacheName, SharedTier> byCache = new EnumMap<>(CacheName.class);
    for (CacheName c : CacheName.values()) {
      if (!c.sharedThroughRedis()) {
        continue;
      }
      String own = cfg.getString(FabricConfig.cacheRedisUriConfig(c));
      String uri = own.isBlank() ? "" : own.strip();
      byCache.put(
          c,
          byUri.computeIfAbsent(
              uri,
              u ->
                  new RedisSharedTier(
                      new RedisSharedTier.Settings(
                          u.isEmpty() ? redisUri : u,
                          u.isEmpty() ? cluster : List.of(),
                          Duration.ofMillis(cfg.getLong(FabricConfig.CACHE_REDIS_TIMEOUT_CONFIG)),
                          cfg.getInt(FabricConfig.CACHE_REDIS_BATCH_CONFIG),
                          cfg.getInt(FabricConfig.CACHE_REDIS_QUEUE_CONFIG),
                          macKey,
                          cfg.getString(FabricConfig.CACHE_REDIS_CHANNEL_CONFIG)),
                      metrics)));
    }
    SharedTier shared =
        byUri.size() == 1 ? byUri.values().iterator().next() : new RoutingSharedTier(byCache);
    return new HotTier(settings, shared, metrics, waits);
  }
}
