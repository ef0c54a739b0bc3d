package io.provability.fabric.processors.kernel;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Constraints;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.InputChannels;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.SystemChannel;
import io.provability.fabric.processors.crypto.Ed25519;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Plans and tokens for kernel tests: one valid baseline that each test breaks in one way. */
final class PlanFixtures {
  static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  static final Ed25519.SigningKey ISSUER = Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]);

  private PlanFixtures() {}

  static CapabilityToken.Builder tokenBuilder() {
    return CapabilityToken.newBuilder()
        .setTokenId("tok-1")
        .setTenant("acme")
        .setSubjectId("agent-7")
        .setCapabilities(
            List.of(
                Capability.newBuilder()
                    .setName("read_docs")
                    .setEffect(EffectKind.READ)
                    .setResources(List.of("acme/docs/**"))
                    .build(),
                Capability.newBuilder()
                    .setName("send_email")
                    .setEffect(EffectKind.SEND)
                    .setResources(List.of("acme/mail/*"))
                    .build()))
        .setIssuedAt(NOW.minus(Duration.ofMinutes(10)))
        .setNotBefore(NOW.minus(Duration.ofMinutes(10)))
        .setExpiresAt(NOW.plus(Duration.ofHours(1)))
        .setIssuer("test-issuer")
        .setKeyId(ISSUER.keyId())
        .setSignature(ByteBuffer.allocate(0));
  }

  static CapabilityToken signed(CapabilityToken.Builder b) {
    return TokenSigning.sign(b.build(), ISSUER);
  }

  static PlanStep step(String cap, EffectKind effect, String resource) {
    return PlanStep.newBuilder()
        .setTool("tool-" + cap)
        .setArgs(Map.of())
        .setCapsRequired(List.of(cap))
        .setResource(resource)
        .setEffect(effect)
        .build();
  }

  static PlanRequest.Builder planBuilder(CapabilityToken token, PlanStep... steps) {
    String h = "a".repeat(64);
    return PlanRequest.newBuilder()
        .setRequestId("req-1")
        .setSessionId("sess-1")
        .setRequestedAt(NOW)
        .setPlanId("plan-1")
        .setTenant("acme")
        .setSubject(Subject.newBuilder().setId("agent-7").setToken(token).build())
        .setSteps(List.of(steps))
        .setInputChannels(
            InputChannels.newBuilder()
                .setSystem(SystemChannel.newBuilder().setHash(h).setPolicyHash(h).build())
                .build())
        .setConstraints(
            Constraints.newBuilder()
                .setBudget(1)
                .setPii(false)
                .setDpEpsilon(0.1)
                .setDpDelta(1e-6)
                .setLatencyMax(30)
                .build())
        .setSystemPromptHash(h)
        .setCreatedAt(NOW.minusSeconds(1))
        .setExpiresAt(NOW.plus(Duration.ofMinutes(5)));
  }

  static PlanRequest validPlan() {
    return planBuilder(
            signed(tokenBuilder()),
            step("read_docs", EffectKind.READ, "acme/docs/handbook/intro"),
            step("send_email", EffectKind.SEND, "acme/mail/outbox"))
        .build();
  }
}
