package io.provability.fabric.processors.cache.internal;

import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.cache.CacheMetrics;
import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.kernel.KernelResult;
import io.provability.fabric.processors.kernel.PlanEvaluator;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.ReasonCode;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel behind the decision cache. A hit returns the {@link KernelResult} a fresh evaluation
 * returned for the same key, inside the interval in which that result holds (see {@link PlanKeys});
 * a miss evaluates afresh and stores the result. Results of malformed requests are never stored,
 * and a request that cannot be keyed is evaluated afresh ({@code bypass}).
 *
 * <p>With the shadow check on, every hit is also evaluated afresh; a difference is counted, logged,
 * and the fresh result is returned.
 */
public final class CachedKernel implements PlanEvaluator {
  private static final Logger LOG = LoggerFactory.getLogger(CachedKernel.class);

  private final PlanEvaluator kernel;
  private final PlanKeys keys;
  private final TieredCache<KernelResult> cache;
  private final Duration ttl;
  private final CacheMetrics metrics;
  private final boolean shadowCheck;

  public CachedKernel(
      PlanEvaluator kernel,
      PlanKeys keys,
      TieredCache<KernelResult> cache,
      Duration ttl,
      CacheMetrics metrics,
      boolean shadowCheck) {
    this.kernel = kernel;
    this.keys = keys;
    this.cache = cache;
    this.ttl = ttl;
    this.metrics = metrics;
    this.shadowCheck = shadowCheck;
  }

  @Override
  public KernelResult evaluate(PlanRequest plan, PolicyView livePolicy, Instant now) {
    // the key and every evaluation below must see the same policy state (see ConsistentPolicyView)
    PolicyView policy = new ConsistentPolicyView(livePolicy);
    PlanKeys.Keys k;
    try {
      k = keys.of(plan, policy, now);
    } catch (RuntimeException unkeyable) {
      metrics.lookup(CacheName.DECISIONS, CacheMetrics.Outcome.BYPASS);
      return kernel.evaluate(plan, policy, now);
    }
    CacheEntry<KernelResult> hit = cache.get(k.pattern());
    CacheMetrics.Outcome outcome;
    if (hit != null && hit.validAt(now)) {
      outcome =
          hit.originResources() != k.resources()
              ? CacheMetrics.Outcome.HIT_PATTERN
              : hit.originExtras() == k.extras()
                  ? CacheMetrics.Outcome.HIT_EXACT
                  : CacheMetrics.Outcome.HIT_NORMALISED;
    } else {
      hit = cache.get(k.literal());
      outcome =
          hit == null || !hit.validAt(now)
              ? CacheMetrics.Outcome.MISS
              : hit.originExtras() == k.extras()
                  ? CacheMetrics.Outcome.HIT_EXACT
                  : CacheMetrics.Outcome.HIT_NORMALISED;
    }
    metrics.lookup(CacheName.DECISIONS, outcome);
    if (outcome.isHit()) {
      if (!shadowCheck) {
        return hit.value();
      }
      KernelResult fresh = kernel.evaluate(plan, policy, now);
      boolean differs = !fresh.equals(hit.value());
      metrics.shadowCheck(differs);
      if (differs) {
        LOG.error(
            "decision cache: plan {} served {} from cache ({}) but a fresh evaluation gives {}",
            plan.getRequestId(),
            hit.value(),
            outcome,
            fresh);
      }
      return fresh;
    }
    KernelResult fresh = kernel.evaluate(plan, policy, now);
    if (!fresh.codes().contains(ReasonCode.MALFORMED_REQUEST.name())) {
      Instant[] validity;
      try {
        validity = PlanKeys.validity(plan, now, ttl);
      } catch (RuntimeException e) {
        return fresh;
      }
      CacheEntry<KernelResult> entry =
          new CacheEntry<>(
              fresh,
              validity[0],
              validity[1],
              k.tokenId(),
              k.subjectTag(),
              k.resources(),
              k.extras());
      // the kernel says whether its reasons name a resource or the plan's expiry (structured, never
      // wording)
      cache.put(fresh.quotesLiterals() ? k.literal() : k.pattern(), entry, now);
    }
    return fresh;
  }

  /** Drops the near entries that depend on {@code tokenId}. */
  public long invalidateToken(String tokenId) {
    return cache.invalidateIf(e -> tokenId.equals(e.tokenTag()));
  }

  /** Drops the near entries of a subject's decisions. */
  public long invalidateSubject(String tenantAndSubject) {
    return cache.invalidateIf(e -> tenantAndSubject.equals(e.subjectTag()));
  }

  public long invalidateAll() {
    return cache.invalidateIf(e -> true);
  }

  public TieredCache<KernelResult> cache() {
    return cache;
  }

  /**
   * Writes kernel results into cache entries: verdict, token id, the literal flag, each reason with
   * every field, the matched capabilities. (Entries of another layout are never read: the format is
   * part of every key, {@code PlanKeys}.)
   */
  public static final class ResultCodec implements CacheEntry.Codec<KernelResult> {
    @Override
    public void write(KernelResult r, DataOutputStream out) throws IOException {
      out.writeUTF(r.verdict().name());
      CacheEntry.writeString(out, r.tokenId());
      out.writeBoolean(r.quotesLiterals());
      out.writeInt(r.reasons().size());
      for (Reason reason : r.reasons()) {
        CacheEntry.writeString(out, reason.getCode());
        out.writeInt(reason.getStep() == null ? -1 : reason.getStep());
        CacheEntry.writeString(out, reason.getDetail());
        CacheEntry.writeString(out, reason.getCapability());
        CacheEntry.writeString(out, reason.getResource());
        CacheEntry.writeString(out, reason.getLabel());
        CacheEntry.writeString(out, reason.getReceiptId());
      }
      out.writeInt(r.matchedCapabilities().size());
      for (String m : r.matchedCapabilities()) {
        CacheEntry.writeString(out, m);
      }
    }

    @Override
    public KernelResult read(DataInputStream in) throws IOException {
      Verdict verdict = Verdict.valueOf(in.readUTF());
      String tokenId = CacheEntry.readString(in);
      boolean quotesLiterals = in.readBoolean();
      int n = in.readInt();
      if (n < 0 || n > 100_000) {
        throw new IOException("bad reason count " + n);
      }
      List<Reason> reasons = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String code = CacheEntry.readString(in);
        int step = in.readInt();
        String detail = CacheEntry.readString(in);
        reasons.add(
            Reason.newBuilder()
                .setCode(code)
                .setStep(step < 0 ? null : step)
                .setDetail(detail)
                .setCapability(CacheEntry.readString(in))
                .setResource(CacheEntry.readString(in))
                .setLabel(CacheEntry.readString(in))
                .setReceiptId(CacheEntry.readString(in))
                .build());
      }
      int m = in.readInt();
      if (m < 0 || m > 100_000) {
        throw new IOException("bad capability count " + m);
      }
      List<String> matched = new ArrayList<>(m);
      for (int i = 0; i < m; i++) {
        matched.add(CacheEntry.readString(in));
      }
      return new KernelResult(verdict, reasons, matched, tokenId, quotesLiterals);
    }

    @Override
    public int weigh(KernelResult r) {
      int w = 64;
      for (Reason reason : r.reasons()) {
        w +=
            48
                + 2
                    * (length(reason.getDetail())
                        + length(reason.getCapability())
                        + length(reason.getResource())
                        + length(reason.getLabel())
                        + length(reason.getReceiptId()));
      }
      return w + 32 * r.matchedCapabilities().size();
    }

    private static int length(String s) {
      return s == null ? 0 : s.length();
    }
  }
}
