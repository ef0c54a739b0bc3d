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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
 * <p>The only state is the changelogged {@value StoreNames#EVIDENCE_PENDING} store: one entry per
 * decision (its leaves, and its bundle's window and tenant), keyed by session and position. A
 * decision therefore costs one changelog record when it arrives and one (a tombstone) when its
 * bundle closes. What is open and when it is due is an index kept in memory and rebuilt from the
 * store in {@link #init}, which Kafka Streams calls once the store is restored — after a restart, a
 * move to another instance, or an exactly-once abort (which closes the task and restores it). Under
 * exactly-once a bundle is emitted once, and open bundles survive a restart.
 */
public final class EvidenceBundler implements Processor<String, Evidence, String, EvidenceBundle> {
  private static final char SEP = '\u0000';

  private final Settings settings;
  private final Ed25519.SigningKey signingKey;
  private ProcessorContext<String, EvidenceBundle> context;
  private KeyValueStore<String, PendingEvidence> pending;
  /** Open bundles of this task by session: derived from {@link #pending}, never stored. */
  private final Map<String, OpenBundle> open = new HashMap<>();
  /** The open bundles ordered by deadline, so a punctuation touches only the due ones. */
  private final TreeSet<OpenBundle> byDeadline = new TreeSet<>();

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

  /** One open bundle: its window, tenant and how much it holds so far. */
  private static final class OpenBundle implements Comparable<OpenBundle> {
    final String session;
    final long windowStart;
    final long deadline;
    final String tenant;
    /** Decisions in the bundle; entries sit at positions 0 .. {@link #nextPosition} - 1. */
    int decisions;
    int nextPosition;
    int leafCount;
    long bodyBytes;

    OpenBundle(String session, long windowStart, long deadline, String tenant) {
      this.session = session;
      this.windowStart = windowStart;
      this.deadline = deadline;
      this.tenant = tenant;
    }

    void add(int position, PendingEvidence entry) {
      decisions++;
      nextPosition = Math.max(nextPosition, position + 1);
      leafCount += entry.leaves().size();
      bodyBytes += entry.bodyBytes();
    }

    @Override
    public int compareTo(OpenBundle other) {
      int c = Long.compare(deadline, other.deadline);
      return c != 0 ? c : session.compareTo(other.session);
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
    this.pending = context.getStateStore(StoreNames.EVIDENCE_PENDING);
    rebuildIndex();
    context.schedule(settings.punctuateEvery(), PunctuationType.WALL_CLOCK_TIME, this::closeDue);
  }

  /**
   * The open bundles as the restored store holds them. The store need not iterate in order (the
   * topology's is a hash store): every entry carries its bundle's window and tenant, and its key its
   * position.
   */
  private void rebuildIndex() {
    open.clear();
    byDeadline.clear();
    try (KeyValueIterator<String, PendingEvidence> it = pending.all()) {
      while (it.hasNext()) {
        KeyValue<String, PendingEvidence> kv = it.next();
        int sep = kv.key.lastIndexOf(SEP);
        String session = kv.key.substring(0, sep);
        int position = Integer.parseInt(kv.key, sep + 1, kv.key.length(), 10);
        OpenBundle bundle = open.get(session);
        if (bundle == null) {
          bundle = new OpenBundle(session, kv.value.windowStart(), kv.value.deadline(), kv.value.tenant());
          open.put(session, bundle);
          byDeadline.add(bundle);
        }
        bundle.add(position, kv.value);
      }
    }
  }

  @Override
  public void process(Record<String, Evidence> record) {
    String session = record.key();
    Evidence evidence = record.value();
    Decision decision = evidence.decision();

    OpenBundle bundle = open.get(session);
    if (bundle != null && !bundle.tenant.equals(decision.getTenant())) {
      close(bundle);
      bundle = null;
    }
    if (bundle == null) {
      long now = context.currentSystemTimeMs();
      bundle = new OpenBundle(session, now, now + settings.window().toMillis(), decision.getTenant());
      open.put(session, bundle);
      byDeadline.add(bundle);
    }
    PendingEvidence entry = new PendingEvidence(bundle.windowStart, bundle.deadline, bundle.tenant,
        decision.getDecisionId(), decision.getRequestId(), leavesOf(evidence));
    int position = bundle.nextPosition;
    pending.put(entryKey(session, position), entry);
    bundle.add(position, entry);
    if (bundle.leafCount >= settings.maxLeaves() || bundle.bodyBytes >= settings.maxBodyBytes()) {
      close(bundle);
    }
  }

  private void closeDue(long now) {
    while (!byDeadline.isEmpty() && byDeadline.first().deadline <= now) {
      close(byDeadline.first());
    }
  }

  private void close(OpenBundle bundle) {
    open.remove(bundle.session);
    byDeadline.remove(bundle);
    List<EvidenceLeaf> bundleLeaves = new ArrayList<>(bundle.leafCount);
    List<byte[]> bodies = new ArrayList<>(bundle.leafCount);
    // by key, in position order: no ordered scan, so the store can be a hash store
    for (int position = 0; position < bundle.nextPosition; position++) {
      String key = entryKey(bundle.session, position);
      PendingEvidence entry = pending.delete(key);
      if (entry == null) {
        continue; // only after an at-least-once crash in the middle of an earlier close
      }
      for (PendingEvidence.Leaf leaf : entry.leaves()) {
        bundleLeaves.add(EvidenceLeaf.newBuilder()
            .setKind(leaf.kind())
            .setDecisionId(entry.decisionId())
            .setRequestId(entry.requestId())
            .setBody(ByteBuffer.wrap(leaf.body()))
            .build());
        bodies.add(leaf.body());
      }
    }
    if (bundleLeaves.isEmpty()) {
      return;
    }
    byte[] root = MerkleTree.fromLeaves(bodies).root();
    long now = context.currentSystemTimeMs();
    EvidenceBundle unsigned = EvidenceBundle.newBuilder()
        .setSessionId(bundle.session)
        .setTenant(bundle.tenant)
        .setWindowStart(Instant.ofEpochMilli(bundle.windowStart))
        .setWindowEnd(Instant.ofEpochMilli(Math.max(bundle.windowStart, now)))
        .setLeaves(bundleLeaves)
        .setRoot(ByteBuffer.wrap(root))
        .setCreatedAt(Instant.ofEpochMilli(now))
        .setKeyId(null)
        .setSignature(null)
        .build();
    EvidenceBundle signed = signingKey == null ? unsigned : EvidenceBundle.newBuilder(unsigned)
        .setKeyId(signingKey.keyId())
        .setSignature(ByteBuffer.wrap(signingKey.sign(BundleStatement.of(unsigned))))
        .build();
    context.forward(new Record<>(bundle.session, signed, now));
  }

  private static List<PendingEvidence.Leaf> leavesOf(Evidence evidence) {
    Decision d = evidence.decision();
    List<PendingEvidence.Leaf> out = new ArrayList<>(4);
    out.add(new PendingEvidence.Leaf(LeafKind.REQUEST, evidence.requestBytes()));
    out.add(new PendingEvidence.Leaf(LeafKind.DECISION, evidence.decisionBytes()));
    if (d.getReceipt() != null) {
      out.add(new PendingEvidence.Leaf(LeafKind.RECEIPT, CanonicalEncoding.encode(d.getReceipt())));
    }
    if (d.getCertificate() != null) {
      out.add(new PendingEvidence.Leaf(LeafKind.CERTIFICATE, CanonicalEncoding.encode(d.getCertificate())));
    }
    return out;
  }

  /** Session, separator, position as ten zero-padded digits (so keys sort by position); no Formatter on the hot path. */
  static String entryKey(String session, int position) {
    String digits = Integer.toString(position);
    StringBuilder key = new StringBuilder(session.length() + 11).append(session).append(SEP);
    for (int i = digits.length(); i < 10; i++) {
      key.append('0');
    }
    return key.append(digits).toString();
  }
}
