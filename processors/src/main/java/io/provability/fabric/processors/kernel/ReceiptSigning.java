package io.provability.fabric.processors.kernel;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import java.nio.ByteBuffer;

/**
 * What an access receipt's signature covers: the canonical encoding of the receipt with its
 * signature field set to empty bytes (the same rule as {@link TokenSigning}). The retrieval gateway
 * signs these bytes; the kernel verifies them under its receipt key ring.
 */
public final class ReceiptSigning {
  /** The only signature algorithm a receipt may name. */
  public static final String ALGORITHM = "ed25519";

  private static final ByteBuffer NO_SIGNATURE = ByteBuffer.allocate(0);

  private ReceiptSigning() {}

  /** The bytes the gateway signs. */
  public static byte[] signedBytes(AccessReceipt receipt) {
    AccessReceipt unsigned =
        AccessReceipt.newBuilder(receipt).setSignature(NO_SIGNATURE.duplicate()).build();
    return CanonicalEncoding.encode(unsigned);
  }

  /** Returns a copy of {@code receipt} signed by {@code key}, with its key id and algorithm set. */
  public static AccessReceipt sign(AccessReceipt receipt, Ed25519.SigningKey key) {
    AccessReceipt withKey =
        AccessReceipt.newBuilder(receipt).setKeyId(key.keyId()).setSignAlg(ALGORITHM).build();
    byte[] signature = key.sign(signedBytes(withKey));
    return AccessReceipt.newBuilder(withKey).setSignature(ByteBuffer.wrap(signature)).build();
  }

  /** The receipt's signature as an array (the Avro buffer is left untouched). */
  public static byte[] signatureOf(AccessReceipt receipt) {
    return TokenSigning.bytesOf(receipt.getSignature());
  }
}
