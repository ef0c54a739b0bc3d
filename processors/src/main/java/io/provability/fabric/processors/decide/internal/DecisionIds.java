package io.provability.fabric.processors.decide.internal;

import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import java.nio.charset.StandardCharsets;

/**
 * Decision ids are derived from request ids, so a retried or replayed request maps to the same
 * decision id and every sink can be idempotent on it.
 */
public final class DecisionIds {
  private DecisionIds() {}

  /** "dec-" + the first 128 bits of SHA-256("decision|" + requestId), in hex. */
  public static String forRequest(String requestId) {
    byte[] digest = Sha256.digest(("decision|" + requestId).getBytes(StandardCharsets.UTF_8));
    return "dec-" + Hex.encode(digest).substring(0, 32);
  }
}
