package io.provability.fabric.processors.egress;

import io.provability.fabric.events.EgressCertificate;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.internal.CanonicalSigning;

/**
 * What an egress certificate's signature covers: the canonical encoding of the certificate with its
 * signature field set to empty bytes and its key id set ({@link CanonicalSigning}, the same rule as
 * the kernel's {@code TokenSigning} and {@code ReceiptSigning}). Verify with {@code
 * Ed25519.verify(publicKey, signedBytes(c), signatureOf(c))}.
 */
public final class CertificateSigning {
  private static final CanonicalSigning<EgressCertificate> RULE =
      new CanonicalSigning<>(
          EgressCertificate::getSignature,
          (c, sig) -> EgressCertificate.newBuilder(c).setSignature(sig).build());

  private CertificateSigning() {}

  /** The bytes the firewall signs. */
  public static byte[] signedBytes(EgressCertificate certificate) {
    return RULE.signedBytes(certificate);
  }

  /** Returns a copy of {@code certificate} with {@code key}'s id set, signed by {@code key}. */
  public static EgressCertificate sign(EgressCertificate certificate, Ed25519.SigningKey key) {
    return RULE.sign(EgressCertificate.newBuilder(certificate).setKeyId(key.keyId()).build(), key);
  }

  /** The certificate's signature as an array (the Avro buffer is left untouched). */
  public static byte[] signatureOf(EgressCertificate certificate) {
    return RULE.signatureOf(certificate);
  }

  /** Whether {@code certificate}'s signature verifies under the raw Ed25519 {@code publicKey}. */
  public static boolean verify(EgressCertificate certificate, byte[] publicKey) {
    return RULE.verify(certificate, publicKey);
  }
}
