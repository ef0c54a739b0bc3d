package io.provability.fabric.processors.crypto;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trusted issuer keys from a JSON Web Key Set (RFC 7517), parsed by nimbus-jose-jwt. Only Ed25519
 * public keys ({@code "kty":"OKP","crv":"Ed25519"}) with a {@code kid} are taken; any other key
 * (RSA, EC, a key without kid, one that holds a private part) is left out and named in {@link
 * Result#skipped()}, because tokens are verified with EdDSA only.
 */
public final class Jwks {

  /** The keys taken, by key id, and a line per key left out. */
  public record Result(Map<String, byte[]> keys, List<String> skipped) {}

  private Jwks() {}

  /** Reads a JWKS file. */
  public static Result read(Path file) throws IOException {
    try {
      return of(JWKSet.load(file.toFile()));
    } catch (ParseException e) {
      throw new IOException(file + " is not a JWK set: " + e.getMessage(), e);
    }
  }

  /** Fetches a JWKS over HTTP(S), once. */
  public static Result fetch(URL url, int timeoutMillis) throws IOException {
    try {
      return of(JWKSet.load(url, timeoutMillis, timeoutMillis, 1024 * 1024));
    } catch (ParseException e) {
      throw new IOException(url + " did not serve a JWK set: " + e.getMessage(), e);
    }
  }

  /** Takes the Ed25519 public keys of a parsed set. */
  public static Result of(JWKSet set) {
    Map<String, byte[]> keys = new LinkedHashMap<>();
    List<String> skipped = new ArrayList<>();
    for (JWK jwk : set.getKeys()) {
      String kid = jwk.getKeyID();
      if (!(jwk instanceof OctetKeyPair okp) || !Curve.Ed25519.equals(okp.getCurve())) {
        skipped.add("key '" + kid + "': " + jwk.getKeyType() + " is not an Ed25519 key");
      } else if (kid == null || kid.isBlank()) {
        skipped.add("an Ed25519 key without kid");
      } else if (okp.isPrivate()) {
        skipped.add("key '" + kid + "' holds a private key: publish only the public part");
      } else {
        byte[] x = okp.getX().decode();
        if (x.length != Ed25519.PUBLIC_KEY_BYTES) {
          skipped.add("key '" + kid + "': x has " + x.length + " bytes, not 32");
        } else {
          keys.put(kid, x);
        }
      }
    }
    return new Result(keys, skipped);
  }
}
