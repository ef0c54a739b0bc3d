package io.provability.fabric.processors.kernel;

import static io.provability.fabric.processors.kernel.PlanFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.KeyRing;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * Label flow by propagation: a step reads only what something before it produced, declares its
 * outputs freely, and what reaches it (with everything its inputs carry) must be cleared for its
 * capabilities. The plan of the documentation: read a report (out: internal) → summarise (in:
 * internal, out: summary) → write (in: summary, internal).
 */
class LabelFlowTest {
  private static final KeyRing ISSUERS =
      KeyRing.of(Map.of(PlanFixtures.ISSUER.keyId(), PlanFixtures.ISSUER.publicKey()));

  private static KernelResult evaluate(String clearances, PlanStep... steps) {
    KernelLimits limits = KernelLimits.DEFAULTS.withClearances(LabelClearances.parse(clearances));
    KernelEngine kernel =
        new KernelEngine(ISSUERS, KeyRing.empty(), limits, VerifiedTokenCache.disabled());
    PlanRequest plan =
        PlanFixtures.planBuilder(
                PlanFixtures.signed(
                    PlanFixtures.tokenBuilder()
                        .setCapabilities(
                            List.of(
                                cap("read_docs", EffectKind.READ, "acme/docs/**"),
                                cap("summarise", EffectKind.EXECUTE, "acme/tools/*"),
                                cap("write_report", EffectKind.WRITE, "acme/reports/*"),
                                cap("send_email", EffectKind.SEND, "acme/mail/*")))),
                steps)
            .build();
    return kernel.evaluate(plan, PolicyView.empty(), NOW);
  }

  private static Capability cap(String name, EffectKind effect, String glob) {
    return Capability.newBuilder()
        .setName(name)
        .setEffect(effect)
        .setResources(List.of(glob))
        .build();
  }

  private static PlanStep step(
      String cap, EffectKind effect, String resource, List<String> in, List<String> out) {
    return PlanStep.newBuilder(PlanFixtures.step(cap, effect, resource))
        .setLabelsIn(in)
        .setLabelsOut(out)
        .build();
  }

  private static PlanStep readReport() {
    return step("read_docs", EffectKind.READ, "acme/docs/q3", List.of(), List.of("internal"));
  }

  private static PlanStep summarise() {
    return step(
        "summarise",
        EffectKind.EXECUTE,
        "acme/tools/summariser",
        List.of("internal"),
        List.of("summary"));
  }

  private static PlanStep write(String cap, EffectKind effect, String resource, List<String> in) {
    return step(cap, effect, resource, in, List.of());
  }

  @Test
  void theDocumentedPlanIsAllowedWithoutRestatingLabels() {
    KernelResult r =
        evaluate(
            "",
            readReport(),
            summarise(),
            write(
                "write_report",
                EffectKind.WRITE,
                "acme/reports/q3",
                List.of("summary", "internal")));

    assertThat(r.verdict()).as(r.reasons().toString()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void theDocumentedPlanIsAllowedWhenTheWritersCapabilityClearsWhatReachesIt() {
    KernelResult r =
        evaluate(
            "write_report:summary,internal",
            readReport(),
            summarise(),
            write(
                "write_report",
                EffectKind.WRITE,
                "acme/reports/q3",
                List.of("summary", "internal")));

    assertThat(r.verdict()).as(r.reasons().toString()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void aSummaryCarriesWhatItWasMadeFromToAStepNotClearedForIt() {
    // send_email clears summaries only; the summary was made from internal data, so internal
    // reaches it
    KernelResult r =
        evaluate(
            "send_email:summary",
            readReport(),
            summarise(),
            write("send_email", EffectKind.SEND, "acme/mail/outbox", List.of("summary")));

    assertThat(r.verdict()).isEqualTo(Verdict.DENY);
    assertThat(r.reasons()).hasSize(1);
    Reason reason = r.reasons().get(0);
    assertThat(reason.getCode()).isEqualTo("LABEL_FLOW");
    assertThat(reason.getStep()).isEqualTo(2);
    assertThat(reason.getLabel()).isEqualTo("internal");
    assertThat(reason.getCapability()).isEqualTo("send_email");
    assertThat(r.quotesLiterals()).isFalse();
  }

  @Test
  void aCapabilityTheClearancesDoNotListIsNotRestricted() {
    KernelResult r =
        evaluate(
            "write_report:public",
            readReport(),
            summarise(),
            write("send_email", EffectKind.SEND, "acme/mail/outbox", List.of("summary")));

    assertThat(r.verdict()).as(r.reasons().toString()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void publicIsClearedForEveryCapability() {
    KernelResult r =
        evaluate(
            "send_email:-",
            write("send_email", EffectKind.SEND, "acme/mail/outbox", List.of("public")));

    assertThat(r.verdict()).as(r.reasons().toString()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void aStepReadsOnlyLabelsSomethingBeforeItProduced() {
    KernelResult r = evaluate("", summarise(), readReport());

    assertThat(r.codes()).containsExactly("LABEL_FLOW");
    assertThat(r.reasons().get(0).getStep()).isEqualTo(0);
    assertThat(r.reasons().get(0).getLabel()).isEqualTo("internal");
  }

  @Test
  void secretMayLeaveNoStepAndReachNoStep() {
    PlanStep leaks =
        step("read_docs", EffectKind.READ, "acme/docs/keys", List.of(), List.of("secret"));
    PlanStep reads =
        step(
            "summarise",
            EffectKind.EXECUTE,
            "acme/tools/summariser",
            List.of("secret"),
            List.of("summary"));
    PlanStep onward =
        write("write_report", EffectKind.WRITE, "acme/reports/q3", List.of("summary"));

    KernelResult r = evaluate("", leaks, reads, onward);

    assertThat(r.reasons())
        .extracting(Reason::getCode, Reason::getStep, Reason::getLabel)
        .containsExactly(
            Tuple.tuple("LABEL_FLOW", 0, "secret"),
            Tuple.tuple("LABEL_FLOW", 1, "secret"),
            // laundered through a summary, it still reaches the writer
            Tuple.tuple("LABEL_FLOW", 2, "secret"));
  }

  @Test
  void clearancesParseAndPrintCanonically() {
    LabelClearances c =
        LabelClearances.parse(" write_report : summary , internal ; send_email:summary ;");

    assertThat(c.toString()).isEqualTo("send_email:summary;write_report:internal,summary");
    assertThat(LabelClearances.parse(c.toString())).isEqualTo(c);
    assertThat(c.clears("send_email", "internal")).isFalse();
    assertThat(c.clears("send_email", "public")).isTrue();
    assertThat(c.clears("read_docs", "internal")).isTrue();
    assertThat(c.clears("read_docs", "secret")).isFalse();
    Assertions.assertThatThrownBy(() -> LabelClearances.parse("send_email"))
        .hasMessageContaining("send_email");
    Assertions.assertThatThrownBy(() -> LabelClearances.parse("a:x;a:y"))
        .hasMessageContaining("twice");
  }
}
