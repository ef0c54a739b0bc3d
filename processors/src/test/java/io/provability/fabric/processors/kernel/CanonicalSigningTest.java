package io.provability.fabric.processors.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.crypto.internal.CanonicalSigning;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shared signing rule, pinned on capability tokens. */
class CanonicalSigningTest {
  private static final CanonicalSigning<CapabilityToken> RULE =
      new CanonicalSigning<>(
          CapabilityToken::getSignature,
          (t, sig) -> CapabilityToken.newBuilder(t).setSignature(sig).build());

  @Test
  void signsTheCanonicalEncodingWithTheSignatureBlanked() {
    CapabilityToken unsigned = PlanFixtures.tokenBuilder().build();
    CapabilityToken signed = RULE.sign(unsigned, PlanFixtures.ISSUER);

    byte[] covered = CanonicalEncoding.encode(unsigned);
    assertThat(RULE.signedBytes(signed)).isEqualTo(covered);
    assertThat(RULE.signatureOf(signed)).isEqualTo(PlanFixtures.ISSUER.sign(covered));
    assertThat(signed).isEqualTo(TokenSigning.sign(unsigned, PlanFixtures.ISSUER));
  }

  @Test
  void verifiesUnderTheKeyAndLeavesTheSignatureBufferWhereItWas() {
    CapabilityToken signed = RULE.sign(PlanFixtures.tokenBuilder().build(), PlanFixtures.ISSUER);
    KeyRing ring = KeyRing.of(Map.of("issuer-1", PlanFixtures.ISSUER.publicKey()));
    ByteBuffer sig = signed.getSignature();
    int position = sig.position();

    assertThat(RULE.verify(signed, PlanFixtures.ISSUER.publicKey())).isTrue();
    assertThat(RULE.verify(signed, "issuer-1", ring)).isTrue();
    assertThat(RULE.verify(signed, "other", ring)).isFalse();
    assertThat(sig.position()).isEqualTo(position);

    CapabilityToken tampered = CapabilityToken.newBuilder(signed).setTenant("evil").build();
    assertThat(RULE.verify(tampered, PlanFixtures.ISSUER.publicKey())).isFalse();
    byte[] otherKey = Ed25519.SigningKey.fromSeed("other", new byte[32]).publicKey();
    otherKey[0] ^= 1;
    assertThat(RULE.verify(signed, otherKey)).isFalse();
    assertThat(RULE.verify(signed, new byte[3])).isFalse();
  }

  @Test
  void noSignatureReadsAsEmpty() {
    CapabilityToken none = PlanFixtures.tokenBuilder().build();
    assertThat(RULE.signatureOf(none)).isEmpty();
  }
}
