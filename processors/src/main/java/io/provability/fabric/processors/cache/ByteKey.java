package io.provability.fabric.processors.cache;

import io.provability.fabric.schemas.hash.Hex;
import java.util.Arrays;

/** An immutable byte-string key (a SHA-256 digest) with a precomputed hash. */
public final class ByteKey {
  private final byte[] bytes;
  private final int hash;

  /** Takes ownership of {@code bytes}: the caller must not change them afterwards. */
  public ByteKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /** A copy of the bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The number of bytes. */
  public int length() {
    return bytes.length;
  }

  byte[] unsafeBytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ByteKey k && hash == k.hash && Arrays.equals(bytes, k.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return Hex.encode(bytes);
  }
}
