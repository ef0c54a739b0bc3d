package io.provability.fabric.schemas.bytes;

import java.nio.ByteBuffer;

/**
 * Copies between {@link ByteBuffer}s (Avro's {@code bytes} fields) and arrays, written once for
 * every module.
 */
public final class Bytes {
  private Bytes() {}

  /**
   * A copy of the remaining bytes of {@code buffer}, from its position to its limit. The buffer is
   * left untouched: its position, limit and mark do not move, so an Avro record's field can be read
   * any number of times.
   */
  public static byte[] toArray(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }
}
