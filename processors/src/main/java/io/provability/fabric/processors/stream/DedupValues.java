package io.provability.fabric.processors.stream;

import io.provability.fabric.processors.decide.DecisionIds;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The value the {@value StoreNames#DECIDED_REQUESTS} store keeps for a request id: the decision's
 * encoded bytes with its first two fields, {@code decision_id} and {@code request_id}, written as
 * empty strings. Both are functions of the store's key (the request id is the key, and the decision id
 * is {@link DecisionIds#forRequest derived from it}), so {@link #restore} gives back the decision's bytes
 * exactly. The store keeps every decision for the deduplication window (24 h by default), and this
 * saves each entry the two ids (~55 bytes with the load generator's request ids, a sixth of an entry).
 *
 * <p>Values written before this format (whole decisions, with their ids) are recognised by a non-empty
 * {@code decision_id}, which every real decision has, and returned as they are.
 *
 * <p>Layout: the 10-byte single-object header (its schema fingerprint lets a later schema version read
 * an older value), then the Avro binary record, whose first two fields are strings (a zig-zag varint
 * length, then UTF-8 bytes).
 */
final class DedupValues {
  private static final int HEADER = 10;

  private DedupValues() {}

  /** The stored form of a decision's bytes: both ids emptied. */
  static byte[] compact(byte[] decision) {
    int rest = skipString(decision, skipString(decision, HEADER));
    byte[] out = new byte[HEADER + 2 + decision.length - rest];
    System.arraycopy(decision, 0, out, 0, HEADER);
    // out[HEADER] and out[HEADER + 1] stay 0: the zig-zag varint of length 0, two empty strings
    System.arraycopy(decision, rest, out, HEADER + 2, decision.length - rest);
    return out;
  }

  /** The decision's bytes as they were encoded, from what {@link #compact} stored under {@code requestId}. */
  static byte[] restore(String requestId, byte[] stored) {
    if (stored.length < HEADER + 2 || stored[HEADER] != 0 || stored[HEADER + 1] != 0) {
      return stored; // a whole decision, written before this format
    }
    byte[] decisionId = DecisionIds.forRequest(requestId).getBytes(StandardCharsets.UTF_8);
    byte[] request = requestId.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(stored.length + decisionId.length + request.length + 8);
    out.write(stored, 0, HEADER);
    writeString(out, decisionId);
    writeString(out, request);
    out.write(stored, HEADER + 2, stored.length - HEADER - 2);
    return out.toByteArray();
  }

  /** The offset just past the Avro string at {@code offset}. */
  private static int skipString(byte[] b, int offset) {
    long zigzag = 0;
    int shift = 0;
    int i = offset;
    while (true) {
      if (i >= b.length || shift > 28) {
        throw new IllegalArgumentException("not an encoded decision: bad string length at offset " + offset);
      }
      int x = b[i++];
      zigzag |= (long) (x & 0x7f) << shift;
      if (x >= 0) {
        break;
      }
      shift += 7;
    }
    long length = (zigzag >>> 1) ^ -(zigzag & 1);
    if (length < 0 || length > b.length - i) {
      throw new IllegalArgumentException("not an encoded decision: string of " + length + " bytes at offset " + offset);
    }
    return i + (int) length;
  }

  private static void writeString(ByteArrayOutputStream out, byte[] utf8) {
    long zigzag = (long) utf8.length << 1; // a length is never negative
    while ((zigzag & ~0x7fL) != 0) {
      out.write((int) ((zigzag & 0x7f) | 0x80));
      zigzag >>>= 7;
    }
    out.write((int) zigzag);
    out.write(utf8, 0, utf8.length);
  }
}
