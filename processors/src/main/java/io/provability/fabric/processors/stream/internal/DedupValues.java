package io.provability.fabric.processors.stream.internal;

import io.provability.fabric.processors.decide.internal.DecisionIds;
import io.provability.fabric.processors.stream.StoreNames;
import io.provability.fabric.schemas.hash.SingleObjectHeader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * The value the {@value StoreNames#DECIDED_REQUESTS} store keeps for a request id: the decision's
 * encoded bytes without its first two fields, {@code decision_id} and {@code request_id}, and with
 * its 10-byte single-object header shortened to a one-byte format tag. Both ids are functions of
 * the store's key (the request id is the key, and the decision id is {@link DecisionIds#forRequest
 * derived from it}), and the tag names the writer schema's fingerprint, so {@link #restore} gives
 * back the decision's bytes exactly. The store keeps every decision for the deduplication window
 * (24 h by default); this saves each entry the two ids (~55 bytes with the load generator's request
 * ids) and 9 header bytes.
 *
 * <p>Layouts, told apart by the first byte:
 *
 * <ul>
 *   <li>{@code C3 01}: the single-object header (magic, then the 8-byte fingerprint of the writer
 *       schema), then the Avro record. Either a whole decision (the oldest layout; a non-empty
 *       {@code decision_id}) or one whose two ids are empty strings (the layout still written for a
 *       writer schema that has no tag yet). Returned as they are, or with the ids put back.
 *   <li>a tag from {@link #TAGGED_SCHEMAS} (never {@code C3}): the Avro record from its third field
 *       on. A tag is never reused: when {@code Decision}'s schema changes, the new fingerprint gets
 *       a new tag and the old tags stay, so values written before the change still read ({@code
 *       DedupValuesTest} fails until the new fingerprint is given one).
 * </ul>
 */
public final class DedupValues {
  private static final int HEADER = SingleObjectHeader.LENGTH;

  /**
   * Format tag → the writer schema's CRC-64-AVRO fingerprint (as it appears in the single-object
   * header, little-endian). Append only.
   */
  static final Map<Byte, Long> TAGGED_SCHEMAS =
      Map.of(
          (byte) 1, 0x075f9d01a860e5b2L, // Decision before Reason's structured fields
          // (history/Decision.v1.avsc)
          (byte) 2, 0x7485cdc0621aa12eL); // Reason with capability, resource, label, receipt_id

  private DedupValues() {}

  /**
   * The stored form of a decision's bytes (single-object encoded): both ids out, the header as a
   * tag.
   */
  public static byte[] compact(byte[] decision) {
    if (!SingleObjectHeader.isPresent(decision)) {
      throw new IllegalArgumentException("not an encoded decision: no single-object header");
    }
    int rest = skipString(decision, skipString(decision, HEADER));
    Byte tag = tagOf(SingleObjectHeader.fingerprint(decision));
    if (tag == null) {
      // a writer schema without a tag: keep its header (readable by any later version), empty the
      // ids
      byte[] out = new byte[HEADER + 2 + decision.length - rest];
      System.arraycopy(decision, 0, out, 0, HEADER);
      // out[HEADER] and out[HEADER + 1] stay 0: the zig-zag varint of length 0, two empty strings
      System.arraycopy(decision, rest, out, HEADER + 2, decision.length - rest);
      return out;
    }
    byte[] out = new byte[1 + decision.length - rest];
    out[0] = tag;
    System.arraycopy(decision, rest, out, 1, decision.length - rest);
    return out;
  }

  /**
   * The decision's bytes as they were encoded, from what {@link #compact} stored under {@code
   * requestId}.
   */
  public static byte[] restore(String requestId, byte[] stored) {
    if (stored.length == 0) {
      throw new IllegalArgumentException("not a stored decision: empty");
    }
    byte[] header;
    int body;
    if (SingleObjectHeader.isFirstByte(stored[0])) {
      if (stored.length < HEADER + 2 || stored[HEADER] != 0 || stored[HEADER + 1] != 0) {
        return stored; // a whole decision: the oldest layout
      }
      header = Arrays.copyOf(stored, HEADER);
      body = HEADER + 2;
    } else {
      Long fingerprint = TAGGED_SCHEMAS.get(stored[0]);
      if (fingerprint == null) {
        throw new IllegalArgumentException(
            "not a stored decision: unknown format tag "
                + (stored[0] & 0xff)
                + " (written by a newer version?)");
      }
      header = SingleObjectHeader.of(fingerprint);
      body = 1;
    }
    byte[] decisionId = DecisionIds.forRequest(requestId).getBytes(StandardCharsets.UTF_8);
    byte[] request = requestId.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(stored.length + HEADER + decisionId.length + request.length + 8);
    out.write(header, 0, HEADER);
    writeString(out, decisionId);
    writeString(out, request);
    out.write(stored, body, stored.length - body);
    return out.toByteArray();
  }

  private static Byte tagOf(long fingerprint) {
    for (Map.Entry<Byte, Long> e : TAGGED_SCHEMAS.entrySet()) {
      if (e.getValue() == fingerprint) {
        return e.getKey();
      }
    }
    return null;
  }

  /** The offset just past the Avro string at {@code offset}. */
  private static int skipString(byte[] b, int offset) {
    long zigzag = 0;
    int shift = 0;
    int i = offset;
    while (true) {
      if (i >= b.length || shift > 28) {
        throw new IllegalArgumentException(
            "not an encoded decision: bad string length at offset " + offset);
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
      throw new IllegalArgumentException(
          "not an encoded decision: string of " + length + " bytes at offset " + offset);
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
