package io.provability.fabric.processors.stream;

import io.provability.fabric.events.LeafKind;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The evidence of one decision waiting in an open bundle: its leaves (request, decision, and a
 * receipt or certificate when it has one) and the bundle's window and tenant.
 *
 * <p>One store entry per decision, not per leaf, so a decision costs one changelog record when it is
 * added and one when its bundle closes. Every entry repeats its bundle's window and tenant, so the
 * open bundles can be rebuilt from the store alone after a restart (the bundler keeps no other state).
 *
 * @param windowStart when the bundle opened (epoch ms, wall clock)
 * @param deadline when the bundle must close (epoch ms)
 * @param tenant the bundle's tenant
 * @param decisionId the decision these leaves belong to
 * @param requestId the request it decided
 * @param leaves the leaves, in bundle order
 */
public record PendingEvidence(long windowStart, long deadline, String tenant, String decisionId, String requestId,
                              List<Leaf> leaves) {

  /** Format byte of the serialized form; a value written by another format is refused, never guessed at. */
  static final byte FORMAT = 1;

  /**
   * One leaf.
   *
   * @param kind what the body is
   * @param body its canonical bytes (not to be modified)
   */
  public record Leaf(LeafKind kind, byte[] body) {
    public Leaf {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(body, "body");
    }
  }

  public PendingEvidence {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(decisionId, "decisionId");
    Objects.requireNonNull(requestId, "requestId");
    leaves = List.copyOf(leaves);
  }

  /** @return total bytes of the leaf bodies */
  public long bodyBytes() {
    long n = 0;
    for (Leaf leaf : leaves) {
      n += leaf.body().length;
    }
    return n;
  }

  /**
   * The store serde: a format byte, the two times, three length-prefixed UTF-8 strings, the leaf count,
   * then each leaf's kind ordinal and length-prefixed body. About 60 bytes beside the bodies.
   */
  public static Serde<PendingEvidence> serde() {
    Serializer<PendingEvidence> ser = (topic, p) -> p == null ? null : p.toBytes();
    Deserializer<PendingEvidence> de = (topic, bytes) -> bytes == null ? null : fromBytes(bytes);
    return Serdes.serdeFrom(ser, de);
  }

  byte[] toBytes() {
    byte[] t = tenant.getBytes(StandardCharsets.UTF_8);
    byte[] d = decisionId.getBytes(StandardCharsets.UTF_8);
    byte[] r = requestId.getBytes(StandardCharsets.UTF_8);
    int size = 1 + 8 + 8 + 4 + t.length + 4 + d.length + 4 + r.length + 4;
    for (Leaf leaf : leaves) {
      size += 1 + 4 + leaf.body().length;
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put(FORMAT).putLong(windowStart).putLong(deadline);
    out.putInt(t.length).put(t).putInt(d.length).put(d).putInt(r.length).put(r);
    out.putInt(leaves.size());
    for (Leaf leaf : leaves) {
      out.put((byte) leaf.kind().ordinal()).putInt(leaf.body().length).put(leaf.body());
    }
    return out.array();
  }

  static PendingEvidence fromBytes(byte[] bytes) {
    try {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      byte format = in.get();
      if (format != FORMAT) {
        throw new IllegalStateException("pending-evidence value has format " + format + ", this build reads " + FORMAT);
      }
      long windowStart = in.getLong();
      long deadline = in.getLong();
      String tenant = string(in);
      String decisionId = string(in);
      String requestId = string(in);
      int count = in.getInt();
      if (count < 0 || count > in.remaining() / 5) {
        throw new IllegalStateException("pending-evidence value claims " + count + " leaves");
      }
      LeafKind[] kinds = LeafKind.values();
      List<Leaf> leaves = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int kind = in.get();
        if (kind < 0 || kind >= kinds.length) {
          throw new IllegalStateException("pending-evidence value has leaf kind " + kind);
        }
        leaves.add(new Leaf(kinds[kind], bytes(in)));
      }
      if (in.hasRemaining()) {
        throw new IllegalStateException("pending-evidence value has " + in.remaining() + " trailing bytes");
      }
      return new PendingEvidence(windowStart, deadline, tenant, decisionId, requestId, leaves);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new IllegalStateException("pending-evidence value is truncated or malformed", e);
    }
  }

  private static String string(ByteBuffer in) {
    return new String(bytes(in), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new IllegalArgumentException("length " + n + " with " + in.remaining() + " bytes left");
    }
    byte[] out = new byte[n];
    in.get(out);
    return out;
  }
}
