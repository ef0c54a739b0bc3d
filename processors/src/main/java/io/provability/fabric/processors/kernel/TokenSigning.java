package io.provability.fabric.processors.kernel;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import java.nio.ByteBuffer;

/**
 * What a capability token's signature covers: the canonical encoding of the token with its
 * signature field set to empty bytes. Issuers and the kernel must agree on exactly these bytes.
 */
public final class TokenSigning {
  private static final ByteBuffer NO_SIGNATURE = ByteBuffer.allocate(0);

  private TokenSigning() {}

  /** The bytes the issuer signs. */
  public static byte[] signedBytes(CapabilityToken token) {
    CapabilityToken unsigned =
        CapabilityToken.newBuilder(token).setSignature(NO_SIGNATURE.duplicate()).build();
    return CanonicalEncoding.encode(unsigned);
  }

  /** Returns a copy of {@code token} signed by {@code key}, with its key id set. */
  public static CapabilityToken sign(CapabilityToken token, Ed25519.SigningKey key) {
    CapabilityToken withKey = CapabilityToken.newBuilder(token).setKeyId(key.keyId()).build();
    byte[] signature = key.sign(signedBytes(withKey));
    return CapabilityToken.newBuilder(withKey).setSignature(ByteBuffer.wrap(signature)).build();
  }

  /**
   * True only if {@code token}'s signature verifies under a trusted key: for a token that carries a
   * JWS ({@link JwsTokens#isJws}) by {@link JwsTokens#verify}, otherwise as an Avro token's Ed25519
   * signature over {@link #signedBytes}.
   */
  public static boolean verify(CapabilityToken token, KeyRing trustedIssuers) {
    if (JwsTokens.isJws(token)) {
      return JwsTokens.verify(token, trustedIssuers);
    }
    return trustedIssuers.verify(token.getKeyId(), signedBytes(token), signatureOf(token));
  }

  /** The token's signature as an array (the Avro buffer is left untouched). */
  public static byte[] signatureOf(CapabilityToken token) {
    return bytesOf(token.getSignature());
  }

  /**
   * A copy of the remaining bytes of {@code sig} (empty for null); the buffer is left untouched.
   */
  static byte[] bytesOf(ByteBuffer sig) {
    if (sig == null) {
      return new byte[0];
    }
    ByteBuffer view = sig.duplicate();
    byte[] out = new byte[view.remaining()];
    view.get(out);
    return out;
  }
}
