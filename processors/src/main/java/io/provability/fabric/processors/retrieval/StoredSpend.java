package io.provability.fabric.processors.retrieval;

import java.nio.ByteBuffer;

/**
 * What the {@code privacy-budgets} store keeps per session: the spend so far and when it last grew
 * (the decide processor's clock, epoch milliseconds). The expiry sweep removes entries whose last
 * spend is older than the configured idle time ({@link PrivacyBudget#sessionIdleExpiry()}).
 *
 * <p>Stored as 24 bytes: epsilon, delta (big-endian IEEE doubles), last spend (big-endian long). A
 * 16-byte value (written by builds before the expiry, without a time) reads as last spent at the
 * epoch, so the first sweep removes it.
 *
 * @param spend epsilon and delta spent so far
 * @param lastSpentMillis when the spend was last recorded
 */
public record StoredSpend(PrivacySpend spend, long lastSpentMillis) {
  private static final int BYTES = 2 * Double.BYTES + Long.BYTES;
  private static final int LEGACY_BYTES = 2 * Double.BYTES;

  /** The stored form. */
  public byte[] toBytes() {
    return ByteBuffer.allocate(BYTES)
        .putDouble(spend.epsilon())
        .putDouble(spend.delta())
        .putLong(lastSpentMillis)
        .array();
  }

  /** Reads the stored form (24 bytes, or 16 of an earlier build); anything else is rejected. */
  public static StoredSpend fromBytes(byte[] bytes) {
    if (bytes.length == LEGACY_BYTES) {
      return new StoredSpend(PrivacySpend.fromBytes(bytes), 0L);
    }
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException(
          "a stored privacy spend has " + BYTES + " bytes, not " + bytes.length);
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    return new StoredSpend(new PrivacySpend(buf.getDouble(), buf.getDouble()), buf.getLong());
  }
}
