package io.provability.fabric.processors.kernel;

import static io.provability.fabric.processors.kernel.PlanFixtures.ISSUER;
import static io.provability.fabric.processors.kernel.PlanFixtures.NOW;
import static io.provability.fabric.processors.kernel.PlanFixtures.planBuilder;
import static io.provability.fabric.processors.kernel.PlanFixtures.signed;
import static io.provability.fabric.processors.kernel.PlanFixtures.step;
import static io.provability.fabric.processors.kernel.PlanFixtures.tokenBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class KernelEngineTest {
  private final KernelEngine kernel =
      new KernelEngine(KeyRing.of(Map.of(ISSUER.keyId(), ISSUER.publicKey())));

  private KernelResult eval(PlanRequest plan) {
    return kernel.evaluate(plan, PolicyView.empty(), NOW);
  }

  @Test
  void allowsAPlanWhoseEveryStepTheTokenGrants() {
    KernelResult r = eval(PlanFixtures.validPlan());
    assertThat(r.verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(r.reasons()).isEmpty();
    assertThat(r.matchedCapabilities()).containsExactly("read_docs", "send_email");
    assertThat(r.tokenId()).isEqualTo("tok-1");
  }

  @Test
  void deniesAMissingCapabilityNamingTheStep() {
    PlanRequest plan =
        planBuilder(
                signed(tokenBuilder()),
                step("read_docs", EffectKind.READ, "acme/docs/a"),
                step("delete_docs", EffectKind.WRITE, "acme/docs/a"))
            .build();
    KernelResult r = eval(plan);
    assertThat(r.verdict()).isEqualTo(Verdict.DENY);
    assertThat(r.reasons())
        .extracting(Reason::getCode, Reason::getStep)
        .containsExactly(Tuple.tuple("CAP_MISS", 1));
    assertThat(r.matchedCapabilities()).isEmpty();
  }

  @Test
  void deniesATokenOfAnotherTenant() {
    KernelResult r =
        eval(
            planBuilder(
                    signed(tokenBuilder().setTenant("globex")),
                    step("read_docs", EffectKind.READ, "acme/docs/a"))
                .build());
    assertThat(r.codes()).contains("INVALID_TENANT");
    assertThat(r.verdict()).isEqualTo(Verdict.DENY);
  }

  @Test
  void deniesAResourceInAnotherTenantEvenIfAPatternWouldMatch() {
    CapabilityToken wide =
        signed(
            tokenBuilder()
                .setCapabilities(
                    List.of(
                        Capability.newBuilder()
                            .setName("read_docs")
                            .setEffect(EffectKind.READ)
                            .setResources(List.of("**"))
                            .build())));
    KernelResult r =
        eval(planBuilder(wide, step("read_docs", EffectKind.READ, "globex/docs/a")).build());
    assertThat(r.codes()).containsExactly("INVALID_TENANT");
  }

  @Test
  void expiryIsExclusiveAtTheExactInstant() {
    KernelResult atExpiry =
        eval(
            planBuilder(
                    signed(tokenBuilder().setExpiresAt(NOW)),
                    step("read_docs", EffectKind.READ, "acme/docs/a"))
                .build());
    assertThat(atExpiry.codes()).containsExactly("TOKEN_EXPIRED");
    KernelResult justBefore =
        eval(
            planBuilder(
                    signed(tokenBuilder().setExpiresAt(NOW.plusMillis(1))),
                    step("read_docs", EffectKind.READ, "acme/docs/a"))
                .build());
    assertThat(justBefore.verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void deniesATokenNotYetValid() {
    KernelResult r =
        eval(
            planBuilder(
                    signed(tokenBuilder().setNotBefore(NOW.plusSeconds(1))),
                    step("read_docs", EffectKind.READ, "acme/docs/a"))
                .build());
    assertThat(r.codes()).containsExactly("TOKEN_NOT_YET_VALID");
  }

  @Test
  void deniesARevokedToken() {
    PolicyView revoked =
        new PolicyView() {
          @Override
          public boolean isRevoked(String tokenId) {
            return tokenId.equals("tok-1");
          }

          @Override
          public long policyVersion() {
            return 3;
          }
        };
    KernelResult r = kernel.evaluate(PlanFixtures.validPlan(), revoked, NOW);
    assertThat(r.codes()).containsExactly("TOKEN_REVOKED");
  }

  @Test
  void aTamperedTokenGrantsNothing() {
    CapabilityToken token = signed(tokenBuilder());
    // widen the resource pattern after signing: the signature must no longer verify
    CapabilityToken tampered =
        CapabilityToken.newBuilder(token)
            .setCapabilities(
                List.of(
                    Capability.newBuilder()
                        .setName("read_docs")
                        .setEffect(EffectKind.READ)
                        .setResources(List.of("acme/**"))
                        .build()))
            .build();
    KernelResult r =
        eval(planBuilder(tampered, step("read_docs", EffectKind.READ, "acme/secrets/a")).build());
    assertThat(r.verdict()).isEqualTo(Verdict.DENY);
    assertThat(r.codes()).containsExactly("TOKEN_INVALID_SIGNATURE");
  }

  @Test
  void everySingleFlippedSignatureBitIsRejected() {
    CapabilityToken token = signed(tokenBuilder());
    byte[] sig = TokenSigning.signatureOf(token);
    for (int bit = 0; bit < sig.length * 8; bit++) {
      byte[] flipped = sig.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      CapabilityToken bad =
          CapabilityToken.newBuilder(token).setSignature(ByteBuffer.wrap(flipped)).build();
      KernelResult r =
          eval(planBuilder(bad, step("read_docs", EffectKind.READ, "acme/docs/a")).build());
      assertThat(r.verdict()).as("bit %d", bit).isEqualTo(Verdict.DENY);
    }
  }

  @Test
  void aTokenSignedByAnUntrustedKeyIsRejected() {
    Ed25519.SigningKey other =
        Ed25519.SigningKey.fromSeed(
            "issuer-1",
            new byte[] {
              1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
              25, 26, 27, 28, 29, 30, 31, 32
            });
    CapabilityToken forged = TokenSigning.sign(tokenBuilder().build(), other);
    KernelResult r =
        eval(planBuilder(forged, step("read_docs", EffectKind.READ, "acme/docs/a")).build());
    assertThat(r.codes()).containsExactly("TOKEN_INVALID_SIGNATURE");
  }

  @Test
  void listsAllFailingCodesInAStableOrder() {
    PlanRequest plan =
        planBuilder(
                signed(tokenBuilder().setExpiresAt(NOW.minusSeconds(1)).setTenant("globex")),
                step("write_reports", EffectKind.WRITE, "acme/reports/x"),
                step("read_docs", EffectKind.READ, "acme/secrets/a"))
            .setExpiresAt(NOW.minus(Duration.ofSeconds(1)))
            .build();
    KernelResult r = eval(plan);
    assertThat(r.codes())
        .containsExactly(
            "TOKEN_EXPIRED", "INVALID_TENANT", "PLAN_EXPIRED", "CAP_MISS", "RESOURCE_OUT_OF_SCOPE");
    assertThat(eval(plan).reasons()).isEqualTo(r.reasons());
  }

  @Test
  void deniesNoTokenAndUndeclaredEffectsAndEmptyPlans() {
    assertThat(
            eval(planBuilder(null, step("read_docs", EffectKind.READ, "acme/docs/a")).build())
                .codes())
        .containsExactly("TOKEN_MISSING");
    assertThat(
            eval(planBuilder(
                        signed(tokenBuilder()),
                        step("read_docs", EffectKind.UNKNOWN, "acme/docs/a"))
                    .build())
                .codes())
        .containsExactly("EFFECT_MISMATCH");
    assertThat(eval(planBuilder(signed(tokenBuilder())).build()).codes())
        .containsExactly("PLAN_EMPTY");
  }

  @Test
  void refusesNonCanonicalResources() {
    for (String resource :
        new String[] {
          "acme/docs/../secrets/a",
          "acme/docs//a",
          "acme/docs/%2e%2e/a",
          "/acme/docs/a",
          "acme/docs/a/",
          "acme\\docs\\a"
        }) {
      KernelResult r =
          eval(
              planBuilder(signed(tokenBuilder()), step("read_docs", EffectKind.READ, resource))
                  .build());
      assertThat(r.codes()).as(resource).containsExactly("RESOURCE_OUT_OF_SCOPE");
    }
  }
}
