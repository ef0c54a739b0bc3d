package io.provability.fabric.processors.retrieval;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.TokenSigning;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Tokens, requests and keys for retrieval gateway tests. */
final class RetrievalFixtures {
  static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  static final Ed25519.SigningKey ISSUER = Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]);
  static final Ed25519.SigningKey FORGER = Ed25519.SigningKey.fromSeed("issuer-1", filled(7));
  static final Ed25519.SigningKey GATEWAY = Ed25519.SigningKey.fromSeed("gateway-1", filled(3));
  static final KeyRing ISSUERS = KeyRing.of(Map.of(ISSUER.keyId(), ISSUER.publicKey()));
  static final KeyRing RECEIPT_SIGNERS = KeyRing.of(Map.of(GATEWAY.keyId(), GATEWAY.publicKey()));
  static final PrivacyBudget BUDGET = new PrivacyBudget(1.0, 1e-5);

  private RetrievalFixtures() {}

  static byte[] filled(int value) {
    byte[] seed = new byte[32];
    Arrays.fill(seed, (byte) value);
    return seed;
  }

  /** Capabilities from "name[:EFFECT][@glob]" specs; READ and acme/docs-* by default. */
  static List<Capability> capabilities(String specs) {
    List<Capability> out = new ArrayList<>();
    if (specs.isBlank() || specs.equals("-")) {
      return out;
    }
    for (String spec : specs.split(",")) {
      String s = spec.strip();
      String glob = "acme/docs-*";
      int at = s.indexOf('@');
      if (at >= 0) {
        glob = s.substring(at + 1);
        s = s.substring(0, at);
      }
      EffectKind effect = EffectKind.READ;
      int colon = s.indexOf(':');
      if (colon >= 0) {
        effect = EffectKind.valueOf(s.substring(colon + 1));
        s = s.substring(0, colon);
      }
      out.add(
          Capability.newBuilder().setName(s).setEffect(effect).setResources(List.of(glob)).build());
    }
    return out;
  }

  static CapabilityToken.Builder tokenBuilder(List<Capability> caps) {
    return CapabilityToken.newBuilder()
        .setTokenId("tok-1")
        .setTenant("acme")
        .setSubjectId("agent-7")
        .setCapabilities(caps)
        .setIssuedAt(NOW.minus(Duration.ofMinutes(10)))
        .setNotBefore(NOW.minus(Duration.ofMinutes(10)))
        .setExpiresAt(NOW.plus(Duration.ofHours(1)))
        .setIssuer("test-issuer")
        .setKeyId(ISSUER.keyId())
        .setSignature(ByteBuffer.allocate(0));
  }

  static CapabilityToken token(String caps) {
    return TokenSigning.sign(tokenBuilder(capabilities(caps)).build(), ISSUER);
  }

  static RetrievalRequest.Builder request(CapabilityToken token, List<String> labels) {
    return RetrievalRequest.newBuilder()
        .setRequestId("req-r1")
        .setSessionId("sess-1")
        .setRequestedAt(NOW)
        .setTenant("acme")
        .setSubjectId("agent-7")
        .setToken(token)
        .setQuery("quarterly revenue by region")
        .setRequestedLabels(labels)
        .setIndexShard("docs-eu-1")
        .setDpEpsilon(0.0)
        .setDpDelta(0.0);
  }

  static RetrievalGateway gateway() {
    return new RetrievalGateway(ISSUERS, GATEWAY, BUDGET);
  }

  /** A policy state that revokes exactly {@code revokedTokenId} (null: nothing). */
  static PolicyView revoking(String revokedTokenId) {
    return new PolicyView() {
      @Override
      public boolean isRevoked(String tokenId) {
        return tokenId.equals(revokedTokenId);
      }

      @Override
      public long policyVersion() {
        return 3L;
      }
    };
  }
}
