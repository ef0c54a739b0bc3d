package io.provability.fabric.processors.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.Verdict;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class VerifiedTokenCacheTest {
  private final ScenarioPlan.Inputs base = new ScenarioPlan().build();
  private final CapabilityToken token = base.plan().getSubject().getToken();

  @Test
  void aVerifiedTokenIsRememberedOnce() {
    VerifiedTokenCache cache = new VerifiedTokenCache(100);
    assertThat(base.evaluate(cache).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(base.evaluate(cache).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(cache.size()).isEqualTo(1);
    assertThat(cache.isVerified(cache.keyOf(token), ScenarioPlan.NOW)).isTrue();
  }

  @Test
  void aFailedVerificationIsNeverCached() {
    VerifiedTokenCache cache = new VerifiedTokenCache(100);
    ScenarioPlan.Inputs forged = new ScenarioPlan().apply("token.signer=forger").build();
    assertThat(forged.evaluate(cache).codes()).containsExactly("TOKEN_INVALID_SIGNATURE");
    assertThat(cache.size()).isZero();
  }

  @Test
  void aCachedTokenWithAnotherSignatureIsADifferentEntry() {
    VerifiedTokenCache cache = new VerifiedTokenCache(100);
    base.evaluate(cache);
    CapabilityToken resigned =
        CapabilityToken.newBuilder(token)
            .setSignature(ByteBuffer.wrap(ScenarioPlan.flip(TokenSigning.signatureOf(token), 0)))
            .build();
    assertThat(cache.isVerified(cache.keyOf(resigned), ScenarioPlan.NOW)).isFalse();
    PlanRequest plan =
        PlanRequest.newBuilder(base.plan())
            .setSubject(Subject.newBuilder(base.plan().getSubject()).setToken(resigned).build())
            .build();
    KernelResult r =
        new ScenarioPlan.Inputs(plan, base.policy(), base.issuers(), base.receiptSigners())
            .evaluate(cache);
    assertThat(r.codes()).containsExactly("TOKEN_INVALID_SIGNATURE");
  }

  @Test
  void anEntryIsNeverServedAtOrAfterTheTokensExpiry() {
    VerifiedTokenCache cache = new VerifiedTokenCache(100);
    base.evaluate(cache);
    VerifiedTokenCache.Key key = cache.keyOf(token);
    assertThat(cache.isVerified(key, token.getExpiresAt().minusMillis(1))).isTrue();
    assertThat(cache.isVerified(key, token.getExpiresAt())).isFalse();
    assertThat(cache.size()).isZero();
    cache.recordVerified(
        key, token.getExpiresAt(), token.getExpiresAt().plus(Duration.ofSeconds(1)));
    assertThat(cache.size()).as("an expired token is not stored").isZero();
  }

  @Test
  void aDisabledCacheRemembersNothing() {
    VerifiedTokenCache cache = VerifiedTokenCache.disabled();
    assertThat(base.evaluate(cache).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(cache.size()).isZero();
  }

  @Test
  void rotationOldAndNewTrustedThenOldRemoved() {
    // one cache per key ring: dropping the old key means a new engine, and the old token fails
    ScenarioPlan.Inputs both = new ScenarioPlan().apply("ring=issuer-1,issuer-2").build();
    ScenarioPlan.Inputs newOnly = new ScenarioPlan().apply("ring=issuer-2").build();
    ScenarioPlan.Inputs newToken =
        new ScenarioPlan().apply("ring=issuer-2;token.signer=issuer-2").build();
    assertThat(both.evaluate(new VerifiedTokenCache(10)).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(newOnly.evaluate(new VerifiedTokenCache(10)).codes())
        .containsExactly("TOKEN_INVALID_SIGNATURE");
    assertThat(newToken.evaluate(new VerifiedTokenCache(10)).verdict()).isEqualTo(Verdict.ALLOW);
  }
}
