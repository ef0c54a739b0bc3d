package io.provability.fabric.processors.kernel;

import static io.provability.fabric.processors.kernel.PlanFixtures.ISSUER;
import static io.provability.fabric.processors.kernel.PlanFixtures.NOW;
import static io.provability.fabric.processors.kernel.PlanFixtures.planBuilder;
import static io.provability.fabric.processors.kernel.PlanFixtures.step;
import static io.provability.fabric.processors.kernel.PlanFixtures.tokenBuilder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.SignedJWT;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.decide.RequestDecider;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * JWS (EdDSA) capability tokens: claim mapping, every signature check, and decisions through the
 * decider.
 */
class JwsTokensTest {
  private final KeyRing ring = KeyRing.of(Map.of(ISSUER.keyId(), ISSUER.publicKey()));

  private static String jws() {
    return JwsTokens.sign(tokenBuilder().build(), ISSUER);
  }

  @Test
  void theClaimsMapOntoTheTokenRecord() throws Exception {
    CapabilityToken t = JwsTokens.toToken(jws());
    CapabilityToken avro = tokenBuilder().build();

    assertThat(t.getTokenId()).isEqualTo(avro.getTokenId());
    assertThat(t.getTenant()).isEqualTo("acme");
    assertThat(t.getSubjectId()).isEqualTo("agent-7");
    assertThat(t.getCapabilities()).isEqualTo(avro.getCapabilities());
    assertThat(t.getNotBefore()).isEqualTo(avro.getNotBefore());
    assertThat(t.getExpiresAt()).isEqualTo(avro.getExpiresAt());
    assertThat(t.getIssuer()).isEqualTo("test-issuer");
    assertThat(t.getKeyId()).isEqualTo(ISSUER.keyId());
    assertThat(JwsTokens.isJws(t)).isTrue();
  }

  @Test
  void aTrustedEdDsaTokenVerifiesAndAnAvroTokenStillDoes() throws Exception {
    assertThat(TokenSigning.verify(JwsTokens.toToken(jws()), ring)).isTrue();
    assertThat(TokenSigning.verify(TokenSigning.sign(tokenBuilder().build(), ISSUER), ring))
        .isTrue();
  }

  @Test
  void aKeyIdNotTrustedDoesNotVerify() throws Exception {
    Ed25519.SigningKey stranger = Ed25519.SigningKey.fromSeed("stranger", new byte[32]);
    String compact = JwsTokens.sign(tokenBuilder().build(), stranger);

    assertThat(TokenSigning.verify(JwsTokens.toToken(compact), ring)).isFalse();
  }

  @Test
  void aTrustedKeyIdWithAnotherKeysSignatureDoesNotVerify() throws Exception {
    byte[] otherSeed = new byte[32];
    otherSeed[0] = 1;
    String compact =
        JwsTokens.sign(
            tokenBuilder().build(), Ed25519.SigningKey.fromSeed(ISSUER.keyId(), otherSeed));

    assertThat(TokenSigning.verify(JwsTokens.toToken(compact), ring)).isFalse();
  }

  @Test
  void aChangedPayloadDoesNotVerify() throws Exception {
    String[] parts = jws().split("\\.");
    String payload =
        new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
            .replace("acme/docs/**", "acme/**");
    String forged =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];

    assertThat(TokenSigning.verify(JwsTokens.toToken(forged), ring)).isFalse();
  }

  @Test
  void aRecordThatBorrowsAValidJwsButChangesAFieldDoesNotVerify() throws Exception {
    CapabilityToken real = JwsTokens.toToken(jws());
    CapabilityToken widened = CapabilityToken.newBuilder(real).setTenant("globex").build();

    assertThat(TokenSigning.verify(widened, ring)).isFalse();
  }

  @Test
  void hmacAndNoneAreRefusedBeforeAnyKeyIsUsed() throws Exception {
    // HMAC keyed with the issuer's public key: the classic algorithm-confusion forgery
    SignedJWT hmac =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(ISSUER.keyId()).build(),
            SignedJWT.parse(jws()).getJWTClaimsSet());
    byte[] secret = new byte[32];
    System.arraycopy(ISSUER.publicKey(), 0, secret, 0, 32);
    hmac.sign(new MACSigner(secret));
    String[] parts = jws().split("\\.");
    String none =
        Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    ("{\"alg\":\"none\",\"kid\":\"" + ISSUER.keyId() + "\"}")
                        .getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[1]
            + ".";

    assertThatThrownBy(() -> JwsTokens.toToken(hmac.serialize()))
        .hasMessageContaining("only EdDSA");
    assertThatThrownBy(() -> JwsTokens.toToken(none))
        .isInstanceOf(JwsTokens.InvalidJwsException.class);
  }

  @Test
  void aTokenWithoutKidOrAClaimIsInvalid() {
    String noTenant = JwsTokens.sign(tokenBuilder().build(), ISSUER);
    String[] parts = noTenant.split("\\.");
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}";
    String noKid =
        Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[1]
            + "."
            + parts[2];

    assertThatThrownBy(() -> JwsTokens.toToken(noKid)).hasMessageContaining("kid");
    assertThatThrownBy(() -> JwsTokens.toToken("not.a.jws"))
        .isInstanceOf(JwsTokens.InvalidJwsException.class);
  }

  @Test
  void differentJwsTokensHaveDifferentCacheKeysAndTheSameOneHitsTheCache() throws Exception {
    VerifiedTokenCache cache = new VerifiedTokenCache(100);
    CapabilityToken a = JwsTokens.toToken(jws());
    CapabilityToken b =
        JwsTokens.toToken(JwsTokens.sign(tokenBuilder().setTokenId("tok-2").build(), ISSUER));

    assertThat(cache.keyOf(a)).isNotEqualTo(cache.keyOf(b));
    assertThat(cache.signatureVerifies(a, ring, NOW)).isTrue();
    assertThat(cache.isVerified(cache.keyOf(a), NOW)).isTrue();
    assertThat(cache.isVerified(cache.keyOf(b), NOW)).isFalse();
  }

  @Test
  void aPlanWithAJwsTokenIsAllowedLikeOneWithTheAvroToken() {
    RequestDecider decider = new RequestDecider(new KernelEngine(ring));
    PlanRequest plan = withJws(jws());

    Decision d = decider.decide(plan, PolicyView.empty(), id -> null, NOW).decision();

    assertThat(d.getVerdict()).isEqualTo(Verdict.ALLOW);
    assertThat(d.getTokenId()).isEqualTo("tok-1");
    assertThat(d.getMatchedCapabilities()).containsExactly("read_docs");
  }

  @Test
  void aPlanWithAnUnparseableOrDoubleTokenIsDenied() throws Exception {
    RequestDecider decider = new RequestDecider(new KernelEngine(ring));
    PlanRequest garbage = withJws("eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln");
    PlanRequest both =
        PlanRequest.newBuilder(withJws(jws()))
            .setSubject(
                Subject.newBuilder(withJws(jws()).getSubject())
                    .setToken(TokenSigning.sign(tokenBuilder().build(), ISSUER))
                    .build())
            .build();

    for (PlanRequest p : new PlanRequest[] {garbage, both}) {
      Decision d = decider.decide(p, PolicyView.empty(), id -> null, NOW).decision();
      assertThat(d.getVerdict()).isEqualTo(Verdict.DENY);
      assertThat(d.getReasons())
          .extracting(Reason::getCode)
          .containsExactly("TOKEN_INVALID_SIGNATURE");
    }
  }

  @Test
  void aPlanWithAnUntrustedJwsIsDeniedWithTheSignatureReason() {
    RequestDecider decider = new RequestDecider(new KernelEngine(KeyRing.empty()));

    Decision d = decider.decide(withJws(jws()), PolicyView.empty(), id -> null, NOW).decision();

    assertThat(d.getVerdict()).isEqualTo(Verdict.DENY);
    assertThat(d.getReasons()).extracting(Reason::getCode).contains("TOKEN_INVALID_SIGNATURE");
  }

  private static PlanRequest withJws(String compact) {
    PlanRequest plan = planBuilder(null, step("read_docs", EffectKind.READ, "acme/docs/a")).build();
    return PlanRequest.newBuilder(plan)
        .setSubject(
            Subject.newBuilder(plan.getSubject()).setToken(null).setTokenJws(compact).build())
        .build();
  }
}
