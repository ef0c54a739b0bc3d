package io.provability.fabric.processors.egress;

import io.provability.fabric.events.EgressCertificate;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import java.nio.ByteBuffer;

/**
 * What an egress certificate's signature covers: the canonical encoding of the certificate with its
 * signature field set to empty bytes and its key id set (the same rule as the kernel's {@code
 * TokenSigning} and {@code ReceiptSigning}). Verify with {@code Ed25519.verify(publicKey,
 * signedBytes(c), signatureOf(c))}.
 */
public final class CertificateSigning {
  private static final ByteBuffer NO_SIGNATURE = ByteBuffer.allocate(0);

  private CertificateSigning() {}

  /** The bytes the firewall signs. */
  public static byte[] signedBytes(EgressCertificate certificate) {
    EgressCertificate unsigned =
        EgressCertificate.newBuilder(certificate).setSignature(NO_SIGNATURE.duplicate()).build();
    return CanonicalEncoding.encode(unsigned);
  }

  /** Returns a copy of {@code certificate} with {@code key}'s id set, signed by {@code key}. */
  public static EgressCertificate sign(EgressCertificate certificate, Ed25519.SigningKey key) {
    EgressCertificate withKey =
        EgressCertificate.newBuilder(certificate).setKeyId(key.keyId()).build();
    byte[] signature = key.sign(signedBytes(withKey));
    return EgressCertificate.newBuilder(withKey).setSignature(ByteBuffer.wrap(signature)).build();
  }

  /** The certificate's signature as an array (the Avro buffer is left untouched). */
  public static byte[] signatureOf(EgressCertificate certificate) {
    ByteBuffer sig = certificate.getSignature();
    if (sig == null) {
      return new byte[0];
    }
    ByteBuffer view = sig.duplicate();
    byte[] out = new byte[view.remaining()];
    view.get(out);
    return out;
  }

  /** Whether {@code certificate}'s signature verifies under the raw Ed25519 {@code publicKey}. */
  public static boolean verify(EgressCertificate certificate, byte[] publicKey) {
    try {
      return Ed25519.verify(publicKey, signedBytes(certificate), signatureOf(certificate));
    } catch (IllegalArgumentException malformed) {
      return false;
    }
  }
}
