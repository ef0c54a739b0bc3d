package io.provability.fabric.processors.kernel;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.crypto.internal.CanonicalSigning;

/**
 * What a capability token's signature covers: the canonical encoding of the token with its
 * signature field set to empty bytes ({@link CanonicalSigning}). Issuers and the kernel must agree
 * on exactly these bytes.
 */
public final class TokenSigning {
  private static final CanonicalSigning<CapabilityToken> RULE =
      new CanonicalSigning<>(
          CapabilityToken::getSignature,
          (t, sig) -> CapabilityToken.newBuilder(t).setSignature(sig).build());

  private TokenSigning() {}

  /** The bytes the issuer signs. */
  public static byte[] signedBytes(CapabilityToken token) {
    return RULE.signedBytes(token);
  }

  /** Returns a copy of {@code token} signed by {@code key}, with its key id set. */
  public static CapabilityToken sign(CapabilityToken token, Ed25519.SigningKey key) {
    return RULE.sign(CapabilityToken.newBuilder(token).setKeyId(key.keyId()).build(), key);
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
    return RULE.verify(token, token.getKeyId(), trustedIssuers);
  }

  /** The token's signature as an array (the Avro buffer is left untouched). */
  public static byte[] signatureOf(CapabilityToken token) {
    return RULE.signatureOf(token);
  }
}
