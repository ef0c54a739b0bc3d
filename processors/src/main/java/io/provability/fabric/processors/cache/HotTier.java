package io.provability.fabric.processors.cache;

import io.provability.fabric.processors.cache.internal.CacheEntry;
import io.provability.fabric.processors.cache.internal.CachedKernel;
import io.provability.fabric.processors.cache.internal.EgressScanCache;
import io.provability.fabric.processors.cache.internal.PlanKeys;
import io.provability.fabric.processors.cache.internal.TieredCache;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.egress.Finding;
import io.provability.fabric.processors.kernel.KernelLimits;
import io.provability.fabric.processors.kernel.KernelResult;
import io.provability.fabric.processors.kernel.PlanEvaluator;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import io.provability.fabric.processors.retrieval.SessionSpends;
import io.provability.fabric.processors.stream.PolicyChangeListener;
import io.provability.fabric.processors.stream.PolicyStateKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hot tier of one application instance: the caches, the shared tier they share entries through,
 * their metrics, and the policy-change hook that drops what a change makes unreachable.
 *
 * <p>Build one per instance, hand {@link #tokenCache}, {@link #planEvaluator}, {@link
 * #sessionSpends} and {@link #policyListener} to the topology, close it with the instance (it owns
 * the shared tier).
 */
public final class HotTier implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HotTier.class);

  private final HotTierSettings settings;
  private final SharedTier shared;
  private final CacheMetrics metrics;
  private final Map<CacheName, Duration> readWaits;
  private volatile CachedKernel decisions;
  private volatile VerifiedTokenCache tokens;
  private volatile byte[] tokenRing;
  private volatile TieredCache<List<Finding>> egress;

  /**
   * @param shared the shared tier (this hot tier closes it); {@link SharedTier#NONE} for near
   *     caches only
   * @param readWaits how long a near miss of each cache may wait for the shared tier (absent:
   *     never)
   */
  public HotTier(
      HotTierSettings settings,
      SharedTier shared,
      CacheMetrics metrics,
      Map<CacheName, Duration> readWaits) {
    this.settings = settings;
    this.shared = settings.enabled() ? shared : SharedTier.NONE;
    this.metrics = metrics;
    this.readWaits = new EnumMap<>(CacheName.class);
    for (CacheName c : CacheName.values()) {
      this.readWaits.put(c, readWaits.getOrDefault(c, Duration.ZERO));
    }
    this.shared.setReceiver(this::received);
  }

  /** No caching: every request is evaluated afresh, nothing is shared. */
  public static HotTier disabled() {
    return new HotTier(HotTierSettings.DISABLED, SharedTier.NONE, CacheMetrics.simple(), Map.of());
  }

  /** Near caches only, with the given settings. */
  public static HotTier inProcess(HotTierSettings settings, CacheMetrics metrics) {
    return new HotTier(settings, SharedTier.NONE, metrics, Map.of());
  }

  public CacheMetrics metrics() {
    return metrics;
  }

  public HotTierSettings settings() {
    return settings;
  }

  /**
   * The verified-token cache of this instance: tokens verified here are shared (namespaced by the
   * issuer ring, so instances trusting other keys never see them), and tokens others verified under
   * the same ring are accepted into it.
   */
  public VerifiedTokenCache tokenCache(long maximumSize, KeyRing trustedIssuers) {
    if (!settings.enabled()) {
      return new VerifiedTokenCache(maximumSize);
    }
    byte[] ring = trustedIssuers.fingerprint();
    Duration ttl = settings.spec(CacheName.TOKENS).ttl();
    VerifiedTokenCache cache =
        new VerifiedTokenCache(
            maximumSize,
            ttl,
            new VerifiedTokenCache.Sharing() {
              @Override
              public void verified(byte[] digest, String keyId, Instant expiresAt, Instant now) {
                long ttlMillis =
                    Math.min(ttl.toMillis(), Duration.between(now, expiresAt).toMillis());
                if (ttlMillis > 0) {
                  shared.store(
                      CacheName.TOKENS,
                      tokenKey(ring, digest, keyId),
                      encodeToken(ring, digest, keyId, expiresAt),
                      ttlMillis);
                }
              }

              @Override
              public void looked(boolean hit) {
                metrics.lookup(
                    CacheName.TOKENS,
                    hit ? CacheMetrics.Outcome.HIT_EXACT : CacheMetrics.Outcome.MISS);
              }
            });
    this.tokenRing = ring;
    this.tokens = cache;
    return cache;
  }

  /**
   * The kernel behind the decision cache (or the kernel itself when caching is off).
   *
   * @param receiptSigners the receipt ring the kernel trusts (part of every key)
   * @param limits the kernel's limits (part of every key)
   */
  public PlanEvaluator planEvaluator(
      PlanEvaluator kernel, KeyRing trustedIssuers, KeyRing receiptSigners, KernelLimits limits) {
    if (!settings.enabled()) {
      return kernel;
    }
    byte[] deployment =
        PlanKeys.deploymentDigest(
            trustedIssuers.fingerprint(),
            receiptSigners.fingerprint(),
            limits.toString().getBytes(StandardCharsets.UTF_8));
    CacheSpec spec = settings.spec(CacheName.DECISIONS);
    TieredCache<KernelResult> cache =
        new TieredCache<>(
            CacheName.DECISIONS,
            spec,
            new CachedKernel.ResultCodec(),
            shared,
            readWaits.get(CacheName.DECISIONS));
    CachedKernel cached =
        new CachedKernel(
            kernel, new PlanKeys(deployment), cache, spec.ttl(), metrics, settings.shadowCheck());
    this.decisions = cached;
    return cached;
  }

  /**
   * The egress firewall's scanner behind the scan cache by content hash (or the scanner itself when
   * caching is off).
   */
  public Function<String, List<Finding>> egressScanner(Function<String, List<Finding>> scanner) {
    if (!settings.enabled()) {
      return scanner;
    }
    TieredCache<List<Finding>> cache =
        new TieredCache<>(
            CacheName.EGRESS_VERDICTS,
            settings.spec(CacheName.EGRESS_VERDICTS),
            new EgressScanCache.FindingsCodec(),
            shared,
            readWaits.get(CacheName.EGRESS_VERDICTS));
    this.egress = cache;
    return new EgressScanCache(scanner, cache, metrics);
  }

  /**
   * The per-task view of the session privacy spends: a {@link SessionSpendCache} per task (or the
   * store itself when caching is off).
   */
  public SessionSpends.Factory sessionSpends() {
    if (!settings.enabled()) {
      return SessionSpends.UNCACHED;
    }
    CacheSpec spec = settings.spec(CacheName.RETRIEVAL_SESSIONS);
    return (read, write, clock) ->
        new SessionSpendCache(
            read, write, spec.ttl(), spec.nearMaxBytes(), clock, metrics, settings.shadowCheck());
  }

  /** The hook for the policy-state updater. */
  public PolicyChangeListener policyListener() {
    return this::policyChanged;
  }

  private void policyChanged(String key) {
    CachedKernel d = decisions;
    if (key.startsWith("revocation:")) {
      metrics.policyChange("revocation");
      if (d != null) {
        metrics.invalidated(
            CacheName.DECISIONS,
            "revocation",
            d.invalidateToken(key.substring("revocation:".length())));
      }
    } else if (key.startsWith("grant:")) {
      metrics.policyChange("grant");
      if (d != null) {
        metrics.invalidated(
            CacheName.DECISIONS, "grant", d.invalidateSubject(key.substring("grant:".length())));
      }
    } else if (key.equals(PolicyStateKeys.POLICY_VERSION)) {
      metrics.policyChange("policy_version");
      if (d != null) {
        metrics.invalidated(CacheName.DECISIONS, "policy_version", d.invalidateAll());
      }
    }
  }

  private void received(CacheName cache, ByteKey key, byte[] value) {
    try {
      if (cache == CacheName.DECISIONS) {
        CachedKernel d = decisions;
        if (d != null) {
          d.cache().accept(key, value);
        }
      } else if (cache == CacheName.EGRESS_VERDICTS) {
        TieredCache<List<Finding>> e = egress;
        if (e != null) {
          e.accept(key, value);
        }
      } else if (cache == CacheName.TOKENS) {
        VerifiedTokenCache t = tokens;
        if (t != null) {
          acceptToken(t, value);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "hot tier: a shared {} entry was not accepted ({})", cache.configName(), e.toString());
    }
  }

  private void acceptToken(VerifiedTokenCache t, byte[] value) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(value));
    byte[] ring = in.readNBytes(32);
    byte[] digest = in.readNBytes(32);
    String keyId = CacheEntry.readString(in);
    Instant expiresAt = CacheEntry.readInstant(in);
    if (Arrays.equals(ring, tokenRing)) {
      t.acceptShared(digest, keyId, expiresAt);
    }
  }

  private static ByteKey tokenKey(byte[] ring, byte[] digest, String keyId) {
    return new ByteKey(
        PlanKeys.deploymentDigest(
            ring, digest, keyId == null ? new byte[0] : keyId.getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] encodeToken(byte[] ring, byte[] digest, String keyId, Instant expiresAt) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(ring);
      out.write(digest);
      CacheEntry.writeString(out, keyId);
      CacheEntry.writeInstant(out, expiresAt);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Near entries of the decision cache (approximate); 0 when caching is off. */
  public long decisionEntries() {
    CachedKernel d = decisions;
    return d == null ? 0 : d.cache().size();
  }

  /** Closes the shared tier. */
  @Override
  public void close() {
    shared.close();
  }
}
