package io.provability.fabric.processors.cache.internal;

import io.provability.fabric.processors.cache.ByteKey;
import io.provability.fabric.processors.cache.CacheMetrics;
import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.egress.Finding;
import io.provability.fabric.processors.egress.FindingType;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The egress firewall's scan results by content hash: the findings of a text depend on the text and
 * on the detectors only, so they are keyed by SHA-256 of the text (its UTF-16 code units, so text
 * that is not well-formed Unicode is keyed too) and the detector version, and never expire early.
 * The verdict is still computed per request from the findings and the request's policy, and every
 * certificate is still signed per request; what a hit saves is the scan, which is linear in the
 * text and the costly part for long texts.
 *
 * <p>Hazard: instances sharing a Redis must run the same detectors; a change of the detectors must
 * change {@link #DETECTORS_VERSION}.
 */
public final class EgressScanCache implements Function<String, List<Finding>> {
  /** Part of every key: bump it when a detector changes. */
  static final String DETECTORS_VERSION = "fabric/egress-detectors/v2";

  private final Function<String, List<Finding>> scanner;
  private final TieredCache<List<Finding>> cache;
  private final CacheMetrics metrics;
  private final Clock clock;

  public EgressScanCache(
      Function<String, List<Finding>> scanner,
      TieredCache<List<Finding>> cache,
      CacheMetrics metrics) {
    this(scanner, cache, metrics, Clock.systemUTC());
  }

  /**
   * @param clock the time a hit is checked at and an entry stored at
   */
  public EgressScanCache(
      Function<String, List<Finding>> scanner,
      TieredCache<List<Finding>> cache,
      CacheMetrics metrics,
      Clock clock) {
    this.scanner = scanner;
    this.cache = cache;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public List<Finding> apply(String text) {
    ByteKey key = key(text);
    Instant now = clock.instant();
    CacheEntry<List<Finding>> hit = cache.get(key);
    if (hit != null && hit.validAt(now)) {
      metrics.lookup(CacheName.EGRESS_VERDICTS, CacheMetrics.Outcome.HIT_EXACT);
      return hit.value();
    }
    metrics.lookup(CacheName.EGRESS_VERDICTS, CacheMetrics.Outcome.MISS);
    List<Finding> findings = List.copyOf(scanner.apply(text));
    cache.put(key, new CacheEntry<>(findings, Instant.MIN, Instant.MAX, null, null, 0, 0), now);
    return findings;
  }

  public static ByteKey key(String text) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    md.update(DETECTORS_VERSION.getBytes(StandardCharsets.US_ASCII));
    md.update((byte) 0);
    md.update(text.getBytes(StandardCharsets.UTF_16BE));
    return new ByteKey(md.digest());
  }

  /** Writes findings into cache entries. */
  public static final class FindingsCodec implements CacheEntry.Codec<List<Finding>> {
    @Override
    public void write(List<Finding> findings, DataOutputStream out) throws IOException {
      out.writeInt(findings.size());
      for (Finding f : findings) {
        out.writeUTF(f.type().name());
        out.writeInt(f.start());
        out.writeInt(f.end());
        out.writeInt(f.codePointStart());
        out.writeInt(f.codePointEnd());
        out.writeDouble(f.confidence());
      }
    }

    @Override
    public List<Finding> read(DataInputStream in) throws IOException {
      int n = in.readInt();
      if (n < 0 || n > 10_000_000) {
        throw new IOException("bad finding count " + n);
      }
      List<Finding> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(
            new Finding(
                FindingType.valueOf(in.readUTF()),
                in.readInt(),
                in.readInt(),
                in.readInt(),
                in.readInt(),
                in.readDouble()));
      }
      return List.copyOf(out);
    }

    @Override
    public int weigh(List<Finding> findings) {
      return 32 + 48 * findings.size();
    }
  }
}
