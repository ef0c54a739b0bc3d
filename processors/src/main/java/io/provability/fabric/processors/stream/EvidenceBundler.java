package io.provability.fabric.processors.stream;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.events.LeafKind;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.schemas.evidence.BundleStatement;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.merkle.MerkleTree;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Collects the evidence of each session into bundles and emits a bundle, with its RFC 6962 root,
 * when its window closes or it reaches its size bound.
 *
 * <p>Leaves are kept one per store entry (not as one growing value) so appending costs the same
 * at the first leaf and the five-hundredth. Bundles due to close are found by an ordered scan of a
 * deadline index, so a punctuation touches only due bundles however many sessions are open.
 * Everything lives in changelogged stores: under exactly-once a bundle is emitted once, and open
 * bundles survive a restart.
 */
public final class EvidenceBundler implements Processor<String, Evidence, String, EvidenceBundle> {
  private static final char SEP = '\u0000';

  private final Settings settings;
  private final Ed25519.SigningKey signingKey;
  private ProcessorContext<String, EvidenceBundle> context;
  private KeyValueStore<String, EvidenceLeaf> leaves;
  private KeyValueStore<String, BundleHeader> open;
  private KeyValueStore<String, String> deadlines;

  /**
   * Bounds of one bundle.
   *
   * @param window how long a bundle stays open after its first leaf
   * @param maxLeaves leaves at which a bundle closes early
   * @param maxBodyBytes total leaf bytes at which a bundle closes early (keeps records under the
   *     broker's message size limit)
   * @param punctuateEvery how often due bundles are looked for (wall-clock)
   */
  public record Settings(Duration window, int maxLeaves, long maxBodyBytes, Duration punctuateEvery) {
    public Settings {
      if (window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException("evidence window must be positive");
      }
      if (maxLeaves < 2) {
        throw new IllegalArgumentException("evidence max leaves must be at least 2");
      }
    }
  }

  /** @param signingKey signs each bundle root; null leaves bundles unsigned */
  public EvidenceBundler(Settings settings, Ed25519.SigningKey signingKey) {
    this.settings = settings;
    this.signingKey = signingKey;
  }

  @Override
  public void init(ProcessorContext<String, EvidenceBundle> context) {
    this.context = context;
    this.leaves = context.getStateStore(StoreNames.EVIDENCE_LEAVES);
    this.open = context.getStateStore(StoreNames.OPEN_BUNDLES);
    this.deadlines = context.getStateStore(StoreNames.BUNDLE_DEADLINES);
    context.schedule(settings.punctuateEvery(), PunctuationType.WALL_CLOCK_TIME, this::closeDue);
  }

  @Override
  public void process(Record<String, Evidence> record) {
    String session = record.key();
    Decision decision = record.value().decision();
    List<EvidenceLeaf> add = leavesOf(record.value());
    long addBytes = add.stream().mapToLong(l -> l.getBody().remaining()).sum();

    BundleHeader header = open.get(session);
    if (header != null && !header.tenant().equals(decision.getTenant())) {
      close(session, header);
      header = null;
    }
    long now = context.currentSystemTimeMs();
    if (header == null) {
      header = new BundleHeader(now, now + settings.window().toMillis(), 0, 0L, decision.getTenant());
      deadlines.put(deadlineKey(header.deadline(), session), "");
    }
    for (EvidenceLeaf leaf : add) {
      leaves.put(leafKey(session, header.leafCount()), leaf);
      header = header.plus(1, 0L);
    }
    header = header.plus(0, addBytes);
    open.put(session, header);
    if (header.leafCount() >= settings.maxLeaves() || header.bodyBytes() >= settings.maxBodyBytes()) {
      close(session, header);
    }
  }

  private void closeDue(long now) {
    List<KeyValue<String, BundleHeader>> due = new ArrayList<>();
    try (KeyValueIterator<String, String> it = deadlines.all()) {
      while (it.hasNext()) {
        String key = it.next().key;
        long deadline = Long.parseLong(key.substring(0, 19));
        if (deadline > now) {
          break;
        }
        String session = key.substring(20);
        BundleHeader header = open.get(session);
        if (header == null || header.deadline() != deadline) {
          deadlines.delete(key);
        } else {
          due.add(KeyValue.pair(session, header));
        }
      }
    }
    for (KeyValue<String, BundleHeader> kv : due) {
      close(kv.key, kv.value);
    }
  }

  private void close(String session, BundleHeader header) {
    List<EvidenceLeaf> bundleLeaves = new ArrayList<>(header.leafCount());
    List<byte[]> bodies = new ArrayList<>(header.leafCount());
    String prefix = session + SEP;
    List<String> keys = new ArrayList<>(header.leafCount());
    try (KeyValueIterator<String, EvidenceLeaf> it = leaves.prefixScan(prefix, Serdes.String().serializer())) {
      while (it.hasNext()) {
        KeyValue<String, EvidenceLeaf> kv = it.next();
        keys.add(kv.key);
        bundleLeaves.add(kv.value);
        bodies.add(bytesOf(kv.value.getBody()));
      }
    }
    for (String key : keys) {
      leaves.delete(key);
    }
    open.delete(session);
    deadlines.delete(deadlineKey(header.deadline(), session));
    if (bundleLeaves.isEmpty()) {
      return;
    }
    byte[] root = MerkleTree.fromLeaves(bodies).root();
    long now = context.currentSystemTimeMs();
    EvidenceBundle unsigned = EvidenceBundle.newBuilder()
        .setSessionId(session)
        .setTenant(header.tenant())
        .setWindowStart(Instant.ofEpochMilli(header.windowStart()))
        .setWindowEnd(Instant.ofEpochMilli(Math.max(header.windowStart(), now)))
        .setLeaves(bundleLeaves)
        .setRoot(ByteBuffer.wrap(root))
        .setCreatedAt(Instant.ofEpochMilli(now))
        .setKeyId(null)
        .setSignature(null)
        .build();
    EvidenceBundle bundle = signingKey == null ? unsigned : EvidenceBundle.newBuilder(unsigned)
        .setKeyId(signingKey.keyId())
        .setSignature(ByteBuffer.wrap(signingKey.sign(BundleStatement.of(unsigned))))
        .build();
    context.forward(new Record<>(session, bundle, now));
  }

  private static List<EvidenceLeaf> leavesOf(Evidence evidence) {
    Decision d = evidence.decision();
    List<EvidenceLeaf> out = new ArrayList<>(4);
    out.add(leaf(LeafKind.REQUEST, d, CanonicalEncoding.encode(evidence.request())));
    out.add(leaf(LeafKind.DECISION, d, CanonicalEncoding.encode(d)));
    if (d.getReceipt() != null) {
      out.add(leaf(LeafKind.RECEIPT, d, CanonicalEncoding.encode(d.getReceipt())));
    }
    if (d.getCertificate() != null) {
      out.add(leaf(LeafKind.CERTIFICATE, d, CanonicalEncoding.encode(d.getCertificate())));
    }
    return out;
  }

  private static EvidenceLeaf leaf(LeafKind kind, Decision d, byte[] body) {
    return EvidenceLeaf.newBuilder()
        .setKind(kind)
        .setDecisionId(d.getDecisionId())
        .setRequestId(d.getRequestId())
        .setBody(ByteBuffer.wrap(body))
        .build();
  }

  private static byte[] bytesOf(ByteBuffer buffer) {
    ByteBuffer view = buffer.duplicate();
    byte[] out = new byte[view.remaining()];
    view.get(out);
    return out;
  }

  static String leafKey(String session, int seq) {
    return session + SEP + String.format("%010d", seq);
  }

  static String deadlineKey(long deadline, String session) {
    return String.format("%019d", deadline) + SEP + session;
  }
}
