package io.provability.fabric.processors.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.kernel.KernelEngine;
import io.provability.fabric.processors.kernel.KernelResult;
import io.provability.fabric.processors.kernel.PlanEvaluator;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Whether the decision cache keeps a result under the pattern key (shared by resources under the
 * same globs) or the literal key (this resource only) follows the kernel's structured {@code
 * quotesLiterals} flag, never the wording of a reason.
 */
class DecisionCacheKeyChoiceTest {
  private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  private final PlanRequest base;

  DecisionCacheKeyChoiceTest() {
    CapabilityToken token = SoundnessWorkload.token(new Random(1), 0, NOW);
    PlanStep step =
        PlanStep.newBuilder()
            .setTool("search")
            .setArgs(Map.of())
            .setCapsRequired(List.of("read_docs"))
            .setResource("acme/docs/a")
            .setEffect(EffectKind.READ)
            .setLabelsIn(List.of("public"))
            .setLabelsOut(List.of("public"))
            .setReceipts(List.of())
            .build();
    PlanRequest p =
        SoundnessWorkload.plan(
            new Random(3), 0, List.of(token), List.of(SoundnessWorkload.receipt(0, NOW)), NOW);
    base =
        PlanRequest.newBuilder(p)
            .setTenant(token.getTenant())
            .setSubject(
                Subject.newBuilder()
                    .setId(token.getSubjectId())
                    .setToken(token)
                    .setCaps(List.of())
                    .build())
            .setSteps(List.of(step))
            .setExpiresAt(NOW.plus(Duration.ofMinutes(5)))
            .build();
  }

  private PlanRequest withResource(String resource) {
    return PlanRequest.newBuilder(base)
        .setSteps(
            List.of(PlanStep.newBuilder(base.getSteps().get(0)).setResource(resource).build()))
        .build();
  }

  private static PlanEvaluator cached(PlanEvaluator kernel) {
    HotTierSettings settings =
        new HotTierSettings(
            true,
            Map.of(CacheName.DECISIONS, new CacheSpec(Duration.ofHours(1), 8L << 20, 1L << 30)),
            false);
    HotTier tier =
        new HotTier(
            settings, new SoundnessWorkload.LoopbackShared(), CacheMetrics.simple(), Map.of());
    return tier.planEvaluator(
        kernel,
        SoundnessWorkload.ISSUERS,
        SoundnessWorkload.RECEIPT_RING,
        SoundnessWorkload.LIMITS);
  }

  private static KernelResult deny(String detail, boolean quotesLiterals) {
    Reason r =
        Reason.newBuilder()
            .setCode("CAP_MISS")
            .setStep(0)
            .setDetail(detail)
            .setCapability("read_docs")
            .build();
    return new KernelResult(Verdict.DENY, List.of(r), List.of(), "tok-0", quotesLiterals);
  }

  @Test
  void aResultNotFlaggedIsSharedUnderThePatternKeyWhateverItsDetailSays() {
    AtomicInteger evaluations = new AtomicInteger();
    // the detail happens to contain the resource; the old text search would have keyed it literally
    PlanEvaluator cache =
        cached(
            (plan, policy, now) -> {
              evaluations.incrementAndGet();
              return deny("mentions acme/docs/a in passing", false);
            });

    cache.evaluate(withResource("acme/docs/a"), PolicyView.empty(), NOW);
    cache.evaluate(withResource("acme/docs/other"), PolicyView.empty(), NOW);

    assertThat(evaluations).hasValue(1);
  }

  @Test
  void aResultFlaggedAsQuotingLiteralsServesOnlyItsOwnResourceWhateverItsDetailSays() {
    AtomicInteger evaluations = new AtomicInteger();
    PlanEvaluator cache =
        cached(
            (plan, policy, now) -> {
              evaluations.incrementAndGet();
              return deny("no resource in this text", true);
            });

    cache.evaluate(withResource("acme/docs/a"), PolicyView.empty(), NOW);
    cache.evaluate(withResource("acme/docs/other"), PolicyView.empty(), NOW);
    cache.evaluate(withResource("acme/docs/a"), PolicyView.empty(), NOW);

    assertThat(evaluations).hasValue(2);
  }

  @Test
  void withTheRealKernelAReasonNamingAResourceIsNeverServedForAnother() {
    KernelEngine kernel =
        new KernelEngine(
            SoundnessWorkload.ISSUERS,
            SoundnessWorkload.RECEIPT_RING,
            SoundnessWorkload.LIMITS,
            new VerifiedTokenCache(100));
    PlanEvaluator cache = cached(kernel);
    // two non-canonical resources: the pattern key knows only "not canonical" of either
    KernelResult first = cache.evaluate(withResource("acme/docs/../a"), PolicyView.empty(), NOW);
    KernelResult second = cache.evaluate(withResource("acme/./b"), PolicyView.empty(), NOW);

    assertThat(first.quotesLiterals()).isTrue();
    assertThat(first.reasons()).extracting(Reason::getResource).contains("acme/docs/../a");
    assertThat(second)
        .isEqualTo(kernel.evaluate(withResource("acme/./b"), PolicyView.empty(), NOW));
    assertThat(second.reasons())
        .extracting(Reason::getResource)
        .contains("acme/./b")
        .doesNotContain("acme/docs/../a");
  }
}
