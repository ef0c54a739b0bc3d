package io.provability.fabric.processors.retrieval;

import java.nio.ByteBuffer;

/**
 * The differential-privacy budget a session has consumed so far (or a retrieval asks for): epsilon
 * and delta, both finite and non-negative. Stored per session in the {@code privacy-budgets} state
 * store as 16 bytes (two big-endian IEEE doubles).
 *
 * @param epsilon epsilon consumed
 * @param delta delta consumed
 */
public record PrivacySpend(double epsilon, double delta) {
  /** Nothing spent: the state of a session the store has never seen. */
  public static final PrivacySpend ZERO = new PrivacySpend(0.0, 0.0);

  private static final int BYTES = 2 * Double.BYTES;

  public PrivacySpend {
    if (!Double.isFinite(epsilon) || epsilon < 0 || !Double.isFinite(delta) || delta < 0) {
      throw new IllegalArgumentException(
          "epsilon and delta must be finite numbers >= 0, were " + epsilon + ", " + delta);
    }
  }

  /** This spend plus {@code other}. */
  public PrivacySpend plus(PrivacySpend other) {
    return new PrivacySpend(epsilon + other.epsilon, delta + other.delta);
  }

  /** The stored form. */
  public byte[] toBytes() {
    return ByteBuffer.allocate(BYTES).putDouble(epsilon).putDouble(delta).array();
  }

  /** Reads the stored form; anything else than 16 bytes of two valid amounts is rejected. */
  public static PrivacySpend fromBytes(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException(
          "a stored privacy spend has " + BYTES + " bytes, not " + bytes.length);
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    return new PrivacySpend(buf.getDouble(), buf.getDouble());
  }
}
