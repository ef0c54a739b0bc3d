package io.provability.fabric.processors.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Constraints;
import io.provability.fabric.events.ContentRef;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.InputChannels;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.RetrievedContent;
import io.provability.fabric.events.Subject;
import io.provability.fabric.processors.cache.internal.PlanKeys;
import io.provability.fabric.processors.kernel.PolicyView;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The decision key covers what the kernel reads and nothing else: changing a field it reads changes
 * the key, changing one it does not read leaves it, and a resource under the same patterns keeps
 * the pattern key.
 */
class PlanKeysTest {
  private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  private final PlanKeys keys = new PlanKeys(new byte[32]);
  private final PolicyView policy = PolicyView.empty();
  private final PlanRequest base;

  PlanKeysTest() {
    // the key does not verify signatures, so the token's fields can be set freely here
    CapabilityToken token =
        CapabilityToken.newBuilder(SoundnessWorkload.token(new Random(1), 0, NOW))
            .setTenant("acme")
            .setCapabilities(
                List.of(
                    Capability.newBuilder()
                        .setName("read_docs")
                        .setEffect(EffectKind.READ)
                        .setResources(List.of("acme/docs/**"))
                        .build()))
            .build();
    List<CapabilityToken> tokens = List.of(token);
    // a plan with one docs step the token's read_docs glob covers
    PlanRequest p =
        SoundnessWorkload.plan(
            new Random(3), 0, tokens, List.of(SoundnessWorkload.receipt(0, NOW)), NOW);
    PlanStep step =
        PlanStep.newBuilder()
            .setTool("search")
            .setArgs(Map.of("q", "a"))
            .setCapsRequired(List.of("read_docs"))
            .setResource("acme/docs/a")
            .setEffect(EffectKind.READ)
            .setLabelsIn(List.of("public"))
            .setLabelsOut(List.of("public"))
            .setReceipts(List.of())
            .build();
    base =
        PlanRequest.newBuilder(p)
            .setTenant("acme")
            .setSubject(
                Subject.newBuilder()
                    .setId(tokens.get(0).getSubjectId())
                    .setToken(tokens.get(0))
                    .setCaps(List.of())
                    .build())
            .setSteps(List.of(step))
            .setExpiresAt(NOW.plus(Duration.ofMinutes(5)))
            .build();
  }

  private PlanKeys.Keys of(UnaryOperator<PlanRequest.Builder> change) {
    return keys.of(change.apply(PlanRequest.newBuilder(base)).build(), policy, NOW);
  }

  private PlanRequest.Builder step(PlanRequest.Builder b, UnaryOperator<PlanStep.Builder> change) {
    return b.setSteps(List.of(change.apply(PlanStep.newBuilder(base.getSteps().get(0))).build()));
  }

  @Test
  void fieldsTheKernelDoesNotReadLeaveBothKeys() {
    PlanKeys.Keys k = of(b -> b);
    List<UnaryOperator<PlanRequest.Builder>> unread =
        List.of(
            b -> b.setRequestId("other"),
            b -> b.setSessionId("other"),
            b -> b.setPlanId("other"),
            b -> b.setRequestedAt(NOW.minusSeconds(9)),
            b -> b.setCreatedAt(NOW.minusSeconds(9)),
            b -> step(b, s -> s.setArgs(Map.of("q", "b"))),
            b ->
                b.setConstraints(
                    Constraints.newBuilder(base.getConstraints())
                        .setPii(!base.getConstraints().getPii())
                        .build()),
            b -> b.setExpiresAt(NOW.plus(Duration.ofMinutes(7))));
    for (UnaryOperator<PlanRequest.Builder> u : unread) {
      PlanKeys.Keys other = of(u);
      assertThat(other.pattern()).isEqualTo(k.pattern());
    }
  }

  @Test
  void everyFieldTheKernelReadsChangesTheKeys() {
    PlanKeys.Keys k = of(b -> b);
    List<UnaryOperator<PlanRequest.Builder>> read =
        List.of(
            b -> b.setTenant("globex"),
            b -> b.setSubject(Subject.newBuilder(base.getSubject()).setId("someone-else").build()),
            b ->
                b.setSubject(
                    Subject.newBuilder(base.getSubject())
                        .setToken(
                            CapabilityToken.newBuilder(base.getSubject().getToken())
                                .setSignature(ByteBuffer.wrap(new byte[64]))
                                .build())
                        .build()),
            b -> b.setSubject(Subject.newBuilder(base.getSubject()).setToken(null).build()),
            b -> b.setExpiresAt(NOW.minusSeconds(1)),
            b -> b.setSystemPromptHash("b".repeat(64)),
            b ->
                b.setConstraints(
                    Constraints.newBuilder(base.getConstraints()).setBudget(1e6).build()),
            b ->
                b.setInputChannels(
                    InputChannels.newBuilder(base.getInputChannels())
                        .setUser(
                            ContentRef.newBuilder(base.getInputChannels().getUser())
                                .setQuoted(false)
                                .build())
                        .build()),
            b -> step(b, s -> s.setTool("retrieve")),
            b -> step(b, s -> s.setEffect(EffectKind.WRITE)),
            b -> step(b, s -> s.setCapsRequired(List.of("send_email"))),
            b -> step(b, s -> s.setLabelsIn(List.of("private"))),
            b -> step(b, s -> s.setLabelsOut(List.of("public", "secret"))),
            b -> step(b, s -> s.setResource("acme/mail/outbox")));
    for (UnaryOperator<PlanRequest.Builder> r : read) {
      PlanKeys.Keys other = of(r);
      assertThat(other.pattern()).isNotEqualTo(k.pattern());
      assertThat(other.literal()).isNotEqualTo(k.literal());
    }
  }

  @Test
  void retrievedContentHashesArePartOfTheKey() {
    UnaryOperator<PlanRequest.Builder> one =
        b ->
            b.setInputChannels(
                InputChannels.newBuilder(base.getInputChannels())
                    .setRetrieved(
                        List.of(
                            RetrievedContent.newBuilder()
                                .setReceiptId("rcpt-0")
                                .setContentHash("a".repeat(64))
                                .setQuoted(true)
                                .setLabels(List.of("public"))
                                .build()))
                    .build());
    UnaryOperator<PlanRequest.Builder> other =
        b ->
            b.setInputChannels(
                InputChannels.newBuilder(base.getInputChannels())
                    .setRetrieved(
                        List.of(
                            RetrievedContent.newBuilder()
                                .setReceiptId("rcpt-0")
                                .setContentHash("b".repeat(64))
                                .setQuoted(true)
                                .setLabels(List.of("public"))
                                .build()))
                    .build());

    // the kernel compares it with the receipt's result hash
    assertThat(of(one).pattern()).isNotEqualTo(of(other).pattern());
  }

  @Test
  void policyStateIsPartOfTheKey() {
    PlanKeys.Keys k = keys.of(base, policy, NOW);
    PolicyView revoked =
        new PolicyView() {
          @Override
          public boolean isRevoked(String tokenId) {
            return true;
          }

          @Override
          public long policyVersion() {
            return 0;
          }
        };
    PolicyView bumped =
        new PolicyView() {
          @Override
          public boolean isRevoked(String tokenId) {
            return false;
          }

          @Override
          public long policyVersion() {
            return 1;
          }
        };
    assertThat(keys.of(base, revoked, NOW).pattern()).isNotEqualTo(k.pattern());
    assertThat(keys.of(base, bumped, NOW).pattern()).isNotEqualTo(k.pattern());
  }

  @Test
  void aResourceUnderTheSamePatternsKeepsThePatternKeyOnly() {
    PlanKeys.Keys k = of(b -> b);
    PlanKeys.Keys sibling = of(b -> step(b, s -> s.setResource("acme/docs/other/deeper")));
    assertThat(sibling.pattern()).isEqualTo(k.pattern());
    assertThat(sibling.literal()).isNotEqualTo(k.literal());
  }
}
