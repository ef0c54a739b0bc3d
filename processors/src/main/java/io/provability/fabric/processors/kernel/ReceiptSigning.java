package io.provability.fabric.processors.kernel;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.crypto.internal.CanonicalSigning;

/**
 * What an access receipt's signature covers: the canonical encoding of the receipt with its
 * signature field set to empty bytes ({@link CanonicalSigning}, the same rule as {@link
 * TokenSigning}). The retrieval gateway signs these bytes; the kernel verifies them under its
 * receipt key ring.
 */
public final class ReceiptSigning {
  /** The only signature algorithm a receipt may name. */
  public static final String ALGORITHM = "ed25519";

  private static final CanonicalSigning<AccessReceipt> RULE =
      new CanonicalSigning<>(
          AccessReceipt::getSignature,
          (r, sig) -> AccessReceipt.newBuilder(r).setSignature(sig).build());

  private ReceiptSigning() {}

  /** The bytes the gateway signs. */
  public static byte[] signedBytes(AccessReceipt receipt) {
    return RULE.signedBytes(receipt);
  }

  /** Returns a copy of {@code receipt} signed by {@code key}, with its key id and algorithm set. */
  public static AccessReceipt sign(AccessReceipt receipt, Ed25519.SigningKey key) {
    return RULE.sign(
        AccessReceipt.newBuilder(receipt).setKeyId(key.keyId()).setSignAlg(ALGORITHM).build(), key);
  }

  /** Whether {@code receipt}'s signature verifies under its key id in {@code signers}. */
  public static boolean verify(AccessReceipt receipt, KeyRing signers) {
    return RULE.verify(receipt, receipt.getKeyId(), signers);
  }

  /** The receipt's signature as an array (the Avro buffer is left untouched). */
  public static byte[] signatureOf(AccessReceipt receipt) {
    return RULE.signatureOf(receipt);
  }
}
