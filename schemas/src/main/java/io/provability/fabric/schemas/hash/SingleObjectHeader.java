package io.provability.fabric.schemas.hash;

/**
 * Avro single-object encoding's 10-byte header: the marker {@code C3 01}, then the writer schema's
 * CRC-64-AVRO fingerprint, little-endian. One place for its layout: {@code EventCodec} reads it,
 * {@link CanonicalEncoding} writes it, and the deduplication store rebuilds it from a one-byte tag.
 */
public final class SingleObjectHeader {
  /** Bytes in the header. */
  public static final int LENGTH = 10;

  private static final byte MAGIC_0 = (byte) 0xC3;
  private static final byte MAGIC_1 = (byte) 0x01;

  private SingleObjectHeader() {}

  /** The header for a writer schema with this fingerprint. */
  public static byte[] of(long fingerprint) {
    byte[] header = new byte[LENGTH];
    header[0] = MAGIC_0;
    header[1] = MAGIC_1;
    for (int i = 0; i < Long.BYTES; i++) {
      header[2 + i] = (byte) (fingerprint >>> (8 * i));
    }
    return header;
  }

  /** Whether {@code bytes} is long enough and starts with the {@code C3 01} marker. */
  public static boolean isPresent(byte[] bytes) {
    return bytes.length >= LENGTH && bytes[0] == MAGIC_0 && bytes[1] == MAGIC_1;
  }

  /** Whether {@code b} is the header's first byte (no one-byte tag may equal it). */
  public static boolean isFirstByte(byte b) {
    return b == MAGIC_0;
  }

  /**
   * The writer schema fingerprint of a header at the start of {@code bytes} (checked by {@link
   * #isPresent}).
   */
  public static long fingerprint(byte[] bytes) {
    long f = 0;
    for (int i = 0; i < Long.BYTES; i++) {
      f |= (bytes[2 + i] & 0xffL) << (8 * i);
    }
    return f;
  }
}
