package io.provability.fabric.processors.kernel;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Capability tokens as JWS compact serializations (a JWT signed with EdDSA over Ed25519), parsed
 * and verified with nimbus-jose-jwt.
 *
 * <p>A JWS token is mapped onto the {@link CapabilityToken} record so that every rule, cache and
 * decision field works on one shape: the claims fill the record's fields ({@code jti} → token_id,
 * {@code tenant} → tenant, {@code sub} → subject_id, {@code caps} → capabilities, {@code iat},
 * {@code nbf}, {@code exp} → issued_at, not_before, expires_at, {@code iss} → issuer, the header's
 * {@code kid} → key_id) and the record's signature field holds the whole compact JWS. Verification
 * ({@link #verify}) then requires: the header's algorithm is EdDSA (so {@code none} and HMAC are
 * refused before any key is touched), its key id is trusted, the signature verifies under that key,
 * and the record's fields are exactly what the verified claims map to (a record that borrowed a
 * valid JWS but changed a field does not verify). Cache keys over the record's canonical encoding
 * therefore cover the whole JWS and its key id.
 *
 * <p>Times in JWT are whole seconds (NumericDate): a JWS token's instants are multiples of 1,000
 * ms.
 */
public final class JwsTokens {
  /** Private claim: the tenant the token is for. */
  public static final String TENANT_CLAIM = "tenant";

  /** Private claim: the capabilities, each {@code {"name", "effect", "resources": [globs]}}. */
  public static final String CAPS_CLAIM = "caps";

  private JwsTokens() {}

  /** A JWS that cannot be a capability token; the message says why. */
  public static final class InvalidJwsException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * @param message why the JWS cannot be a capability token
     */
    public InvalidJwsException(String message) {
      super(message);
    }
  }

  /**
   * Maps a compact JWS onto a token record without verifying it ({@link #verify} does).
   *
   * @param compact {@code header.payload.signature}, base64url
   * @return the record (signature field: the compact JWS's bytes)
   * @throws InvalidJwsException if it does not parse, is not EdDSA, has no key id or lacks a claim
   */
  public static CapabilityToken toToken(String compact) throws InvalidJwsException {
    SignedJWT jws = parse(compact);
    JWTClaimsSet claims;
    try {
      claims = jws.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new InvalidJwsException("JWS payload is not a JWT claims set: " + e.getMessage());
    }
    try {
      return CapabilityToken.newBuilder()
          .setTokenId(required(claims.getJWTID(), "jti"))
          .setTenant(required(claims.getStringClaim(TENANT_CLAIM), TENANT_CLAIM))
          .setSubjectId(required(claims.getSubject(), "sub"))
          .setCapabilities(capabilities(claims))
          .setIssuedAt(instant(claims.getIssueTime(), "iat"))
          .setNotBefore(instant(claims.getNotBeforeTime(), "nbf"))
          .setExpiresAt(instant(claims.getExpirationTime(), "exp"))
          .setIssuer(required(claims.getIssuer(), "iss"))
          .setKeyId(jws.getHeader().getKeyID())
          .setSignature(ByteBuffer.wrap(compact.getBytes(StandardCharsets.US_ASCII)))
          .build();
    } catch (ParseException e) {
      throw new InvalidJwsException("JWT claim of the wrong type: " + e.getMessage());
    }
  }

  /**
   * Whether {@code token}'s signature field holds a compact JWS (as {@link #toToken} makes) rather
   * than a raw 64-byte Ed25519 signature.
   */
  public static boolean isJws(CapabilityToken token) {
    ByteBuffer sig = token.getSignature();
    // a compact JWS starts with the base64url of '{"', which is "eyJ"; a raw signature is 64 bytes
    return sig != null
        && sig.remaining() > Ed25519.SIGNATURE_BYTES
        && sig.get(sig.position()) == 'e'
        && sig.get(sig.position() + 1) == 'y'
        && sig.get(sig.position() + 2) == 'J';
  }

  /**
   * Verifies a token record made by {@link #toToken}: EdDSA only, trusted key id, signature valid
   * under that key, and every record field equal to what the signed claims map to.
   */
  public static boolean verify(CapabilityToken token, KeyRing trustedIssuers) {
    String compact = new String(TokenSigning.signatureOf(token), StandardCharsets.US_ASCII);
    SignedJWT jws;
    CapabilityToken claimed;
    try {
      jws = parse(compact);
      claimed = toToken(compact);
    } catch (InvalidJwsException e) {
      return false;
    }
    String kid = jws.getHeader().getKeyID();
    Optional<byte[]> key = trustedIssuers.publicKey(kid);
    if (key.isEmpty() || !kid.equals(token.getKeyId())) {
      return false;
    }
    try {
      OctetKeyPair jwk =
          new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(key.get())).keyID(kid).build();
      return jws.verify(new Ed25519Verifier(jwk)) && claimed.equals(token);
    } catch (JOSEException | IllegalStateException e) {
      return false;
    }
  }

  /**
   * Signs the fields of {@code token} (all but signature and key id) as a compact JWS with {@code
   * key}: header {@code {"alg":"EdDSA","kid":<key id>,"typ":"JWT"}}. For issuers, the CLI and
   * tests. Instants are truncated to whole seconds, as JWT requires.
   */
  public static String sign(CapabilityToken token, Ed25519.SigningKey key) {
    Map<String, Object> caps;
    List<Object> capList = new ArrayList<>();
    for (Capability c : token.getCapabilities()) {
      caps = new LinkedHashMap<>();
      caps.put("name", c.getName());
      caps.put("effect", c.getEffect().name());
      caps.put("resources", List.copyOf(c.getResources()));
      capList.add(caps);
    }
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .jwtID(token.getTokenId())
            .issuer(token.getIssuer())
            .subject(token.getSubjectId())
            .claim(TENANT_CLAIM, token.getTenant())
            .claim(CAPS_CLAIM, capList)
            .issueTime(Date.from(token.getIssuedAt()))
            .notBeforeTime(Date.from(token.getNotBefore()))
            .expirationTime(Date.from(token.getExpiresAt()))
            .build();
    JWSHeader header =
        new JWSHeader.Builder(JWSAlgorithm.EdDSA)
            .keyID(key.keyId())
            .type(JOSEObjectType.JWT)
            .build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      OctetKeyPair jwk =
          new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(key.publicKey()))
              .d(Base64URL.encode(key.seed()))
              .keyID(key.keyId())
              .build();
      jwt.sign(new Ed25519Signer(jwk));
    } catch (JOSEException e) {
      throw new IllegalStateException(
          "cannot sign a JWS with key " + key.keyId() + ": " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  private static SignedJWT parse(String compact) throws InvalidJwsException {
    SignedJWT jws;
    try {
      jws = SignedJWT.parse(compact);
    } catch (ParseException e) {
      throw new InvalidJwsException("not a JWS compact serialization: " + e.getMessage());
    }
    JWSHeader header = jws.getHeader();
    if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
      throw new InvalidJwsException(
          "JWS algorithm " + header.getAlgorithm() + " is not accepted (only EdDSA)");
    }
    if (header.getKeyID() == null || header.getKeyID().isBlank()) {
      throw new InvalidJwsException("JWS header has no kid");
    }
    return jws;
  }

  private static List<Capability> capabilities(JWTClaimsSet claims)
      throws InvalidJwsException, ParseException {
    Object raw = claims.getClaim(CAPS_CLAIM);
    if (!(raw instanceof List<?> list)) {
      throw new InvalidJwsException("JWT claim '" + CAPS_CLAIM + "' is missing or not an array");
    }
    List<Capability> out = new ArrayList<>(list.size());
    for (Object item : list) {
      if (!(item instanceof Map<?, ?> cap)
          || !(cap.get("name") instanceof String name)
          || !(cap.get("effect") instanceof String effect)
          || !(cap.get("resources") instanceof List<?> resources)) {
        throw new InvalidJwsException(
            "each '" + CAPS_CLAIM + "' entry needs name, effect and resources");
      }
      List<String> globs = new ArrayList<>(resources.size());
      for (Object r : resources) {
        if (!(r instanceof String glob)) {
          throw new InvalidJwsException("resources of capability '" + name + "' must be strings");
        }
        globs.add(glob);
      }
      out.add(
          Capability.newBuilder()
              .setName(name)
              .setEffect(effect(effect))
              .setResources(globs)
              .build());
    }
    return out;
  }

  /**
   * An effect this version does not know becomes UNKNOWN, which matches nothing (as Avro's reader
   * default).
   */
  private static EffectKind effect(String name) {
    for (EffectKind k : EffectKind.values()) {
      if (k.name().equals(name)) {
        return k;
      }
    }
    return EffectKind.UNKNOWN;
  }

  private static String required(String value, String claim) throws InvalidJwsException {
    if (value == null) {
      throw new InvalidJwsException("JWT claim '" + claim + "' is missing");
    }
    return value;
  }

  private static Instant instant(Date date, String claim) throws InvalidJwsException {
    if (date == null) {
      throw new InvalidJwsException("JWT claim '" + claim + "' is missing");
    }
    return date.toInstant();
  }
}
