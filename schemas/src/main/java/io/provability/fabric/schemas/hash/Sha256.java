package io.provability.fabric.schemas.hash;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/** SHA-256 of one byte array, or of several concatenated without copying them together. */
public final class Sha256 {

  /** Length of a SHA-256 digest in bytes. */
  public static final int LENGTH = 32;

  private static final String ALGORITHM = "SHA-256";

  // Cloning a prototype skips the provider lookup MessageDigest.getInstance does on every call; the
  // prototype is never updated, so concurrent clones are safe.
  private static final MessageDigest PROTOTYPE = lookUp();

  private Sha256() {}

  /**
   * Returns SHA-256 of {@code data}.
   *
   * @param data the bytes to hash
   * @return the 32-byte digest
   */
  public static byte[] digest(byte[] data) {
    Objects.requireNonNull(data, "data");
    return newDigest().digest(data);
  }

  /**
   * Returns SHA-256 of the concatenation of {@code parts}, in order.
   *
   * @param parts the byte arrays to hash one after the other
   * @return the 32-byte digest
   */
  public static byte[] digest(byte[]... parts) {
    Objects.requireNonNull(parts, "parts");
    MessageDigest digest = newDigest();
    for (byte[] part : parts) {
      digest.update(Objects.requireNonNull(part, "part"));
    }
    return digest.digest();
  }

  private static MessageDigest newDigest() {
    try {
      return (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return lookUp();
    }
  }

  private static MessageDigest lookUp() {
    try {
      return MessageDigest.getInstance(ALGORITHM);
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform is required to provide SHA-256 (MessageDigest Javadoc).
      throw new IllegalStateException("this JVM provides no " + ALGORITHM, e);
    }
  }
}
