package io.provability.fabric.schemas.evidence;

import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.function.Function;

/**
 * One entry of the evidence log: a decision's canonical bytes and the canonical bytes of the
 * request it answered, each either inline or as a reference to a content-addressed object.
 *
 * <pre>
 * offset  size  field
 * 0       1     version = 0x01
 * 1       1     flags: bit 0 = decision is a reference, bit 1 = request is a reference; bits 2-7 are 0
 * 2       4     D = length of the decision's canonical bytes, unsigned 32-bit big-endian
 * 6       …     decision: inline, the D bytes; reference, the 32-byte SHA-256 of those D bytes
 * …       4     R = length of the request's canonical bytes, unsigned 32-bit big-endian
 * …       …     request: inline, the R bytes; reference, the 32-byte SHA-256 of those R bytes
 * </pre>
 *
 * <p>No trailing bytes. The decider always emits the <em>inline</em> form (one Kafka record, up to
 * the topic's maximum message size); the sequencer {@linkplain #forLog() turns it into the log
 * form}, which must fit the tile format's 65,535 bytes: when the inline form does not fit, the
 * request becomes a reference, and if that still does not fit (an egress decision's redacted text
 * can be as large as its request), the decision too. A reference's bytes are stored under their
 * SHA-256 as an immutable object. The choice depends only on the bytes, so a restarted sequencer
 * makes the same entry.
 */
public final class LogEntry {
  /** The format version this class writes and reads. */
  public static final int VERSION = 1;

  /** Largest entry an entry bundle can hold (a big-endian uint16 length prefix). */
  public static final int MAX_LOG_ENTRY_BYTES = 65_535;

  private static final int DECISION_REF = 1;
  private static final int REQUEST_REF = 2;

  private final byte[] decision;
  private final byte[] decisionHash;
  private final int decisionLength;
  private final byte[] request;
  private final byte[] requestHash;
  private final int requestLength;

  private LogEntry(
      byte[] decision,
      byte[] decisionHash,
      int decisionLength,
      byte[] request,
      byte[] requestHash,
      int requestLength) {
    this.decision = decision;
    this.decisionHash = decisionHash;
    this.decisionLength = decisionLength;
    this.request = request;
    this.requestHash = requestHash;
    this.requestLength = requestLength;
  }

  /** The inline entry of a decision and its request (both canonical encodings, not copied). */
  public static LogEntry inline(byte[] decisionBytes, byte[] requestBytes) {
    return new LogEntry(
        decisionBytes, null, decisionBytes.length, requestBytes, null, requestBytes.length);
  }

  /**
   * The form the log stores: inline when it fits {@link #MAX_LOG_ENTRY_BYTES}, else with the
   * request and, if needed, the decision as references. The bytes a reference names are the inline
   * entry's.
   */
  public LogEntry forLog() {
    if (encodedLength() <= MAX_LOG_ENTRY_BYTES) {
      return this;
    }
    byte[] reqHash = requestHash != null ? requestHash : Sha256.digest(request);
    LogEntry withRequestRef =
        new LogEntry(decision, decisionHash, decisionLength, request, reqHash, requestLength);
    if (withRequestRef.encodedLength() <= MAX_LOG_ENTRY_BYTES) {
      return withRequestRef;
    }
    byte[] decHash = decisionHash != null ? decisionHash : Sha256.digest(decision);
    return new LogEntry(decision, decHash, decisionLength, request, reqHash, requestLength);
  }

  /** The encoded entry. */
  public byte[] encode() {
    ByteBuffer out = ByteBuffer.allocate(encodedLength());
    out.put((byte) VERSION);
    out.put(
        (byte)
            ((decisionIsReference() ? DECISION_REF : 0)
                | (requestIsReference() ? REQUEST_REF : 0)));
    out.putInt(decisionLength);
    out.put(decisionIsReference() ? decisionHash : decision);
    out.putInt(requestLength);
    out.put(requestIsReference() ? requestHash : request);
    return out.array();
  }

  private int encodedLength() {
    return 10
        + (decisionIsReference() ? Sha256.LENGTH : decisionLength)
        + (requestIsReference() ? Sha256.LENGTH : requestLength);
  }

  /**
   * Decodes an entry.
   *
   * @throws IllegalArgumentException with the reason when the bytes are not an entry of this
   *     version
   */
  public static LogEntry decode(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      int version = in.get() & 0xFF;
      if (version != VERSION) {
        throw new IllegalArgumentException("entry version " + version + ", expected " + VERSION);
      }
      int flags = in.get() & 0xFF;
      if ((flags & ~(DECISION_REF | REQUEST_REF)) != 0) {
        throw new IllegalArgumentException(
            "entry flags 0x" + Integer.toHexString(flags) + " have unknown bits set");
      }
      int dLen = length(in, "decision");
      byte[] d = new byte[(flags & DECISION_REF) != 0 ? Sha256.LENGTH : dLen];
      in.get(d);
      int rLen = length(in, "request");
      byte[] r = new byte[(flags & REQUEST_REF) != 0 ? Sha256.LENGTH : rLen];
      in.get(r);
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " trailing byte(s) after the entry");
      }
      return new LogEntry(
          (flags & DECISION_REF) != 0 ? null : d,
          (flags & DECISION_REF) != 0 ? d : null,
          dLen,
          (flags & REQUEST_REF) != 0 ? null : r,
          (flags & REQUEST_REF) != 0 ? r : null,
          rLen);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("entry truncated (" + bytes.length + " bytes)");
    }
  }

  private static int length(ByteBuffer in, String what) {
    int n = in.getInt();
    if (n < 0) {
      throw new IllegalArgumentException(
          what + " length " + Integer.toUnsignedString(n) + " is out of range");
    }
    return n;
  }

  /** True when the decision is stored as an object, not in the entry. */
  public boolean decisionIsReference() {
    return decisionHash != null;
  }

  /** True when the request is stored as an object, not in the entry. */
  public boolean requestIsReference() {
    return requestHash != null;
  }

  /** The decision's canonical bytes, or null when the entry holds only its hash. */
  public byte[] decisionBytes() {
    return decision;
  }

  /** The request's canonical bytes, or null when the entry holds only its hash. */
  public byte[] requestBytes() {
    return request;
  }

  /** SHA-256 of the decision's bytes when it is a reference, else null. */
  public byte[] decisionReference() {
    return decisionHash;
  }

  /** SHA-256 of the request's bytes when it is a reference, else null. */
  public byte[] requestReference() {
    return requestHash;
  }

  /** Length of the decision's canonical bytes (inline or referenced). */
  public int decisionLength() {
    return decisionLength;
  }

  /** Length of the request's canonical bytes (inline or referenced). */
  public int requestLength() {
    return requestLength;
  }

  /**
   * Fills in a referenced part from its object's bytes, after checking them against the hash and
   * the length the entry records.
   *
   * @return the entry with both parts inline
   * @throws IllegalArgumentException naming the part whose object does not match
   */
  public LogEntry resolve(Function<byte[], byte[]> objectByHash) {
    byte[] d = decision;
    byte[] r = request;
    if (decisionIsReference()) {
      d = checked("decision", objectByHash.apply(decisionHash), decisionHash, decisionLength);
    }
    if (requestIsReference()) {
      r = checked("request", objectByHash.apply(requestHash), requestHash, requestLength);
    }
    return inline(d, r);
  }

  private static byte[] checked(String what, byte[] bytes, byte[] hash, int length) {
    if (bytes == null) {
      throw new IllegalArgumentException(what + " object " + Hex.encode(hash) + " is missing");
    }
    if (bytes.length != length || !MessageDigest.isEqual(Sha256.digest(bytes), hash)) {
      throw new IllegalArgumentException(
          what
              + " object "
              + Hex.encode(hash)
              + " does not hash to its name ("
              + bytes.length
              + " bytes, entry says "
              + length
              + ")");
    }
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogEntry e && Arrays.equals(encode(), e.encode());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encode());
  }
}
