package io.provability.fabric.processors.egress;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.Verdict;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The labelled corpora: the detectors reach the goal (precision and recall ≥ {@value #GOAL} for
 * every type) on the held corpus, scored by exact span, and on the synthetic one; the {@code
 * default} policy gives every held case its labelled verdict. The per-type table is printed on
 * every run.
 */
class EgressCorpusTest {
  /** The goal for every detector, on both corpora. */
  static final double GOAL = 0.97;

  @Test
  void heldCorpusIsLargeAndCoversEveryTypeWithHardNegatives() throws Exception {
    List<EgressCorpus.LabelledCase> cases = EgressCorpus.loadLabelled();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(500);
    Set<String> ids = new HashSet<>();
    cases.forEach(c -> assertThat(ids.add(c.id())).as("duplicate id " + c.id()).isTrue());
    Set<FindingType> covered = EnumSet.noneOf(FindingType.class);
    cases.forEach(c -> c.expected().forEach(e -> covered.add(e.type())));
    assertThat(covered).containsExactlyInAnyOrder(FindingType.values());
    for (FindingType t : FindingType.values()) {
      long negatives =
          cases.stream()
              .filter(c -> c.category().equals(t.name()) && c.expected().isEmpty())
              .count();
      assertThat(negatives).as(t + " hard negatives").isGreaterThanOrEqualTo(5);
    }
    assertThat(cases).allSatisfy(c -> assertThat(c.source()).as(c.id() + " source").isNotBlank());
  }

  @Test
  void heldCorpusPrecisionAndRecallPerDetector() throws Exception {
    List<EgressCorpus.LabelledCase> cases = EgressCorpus.loadLabelled();
    List<String> misses = new ArrayList<>();
    Map<FindingType, EgressCorpus.Score> scores =
        EgressCorpus.evaluateSpans(cases, new EgressScanner(), misses);
    System.out.print(
        EgressCorpus.table(
            cases.size(), cases.stream().filter(c -> c.expected().isEmpty()).count(), scores));
    misses.forEach(m -> System.out.println("  " + m));
    for (Map.Entry<FindingType, EgressCorpus.Score> e : scores.entrySet()) {
      EgressCorpus.Score s = e.getValue();
      assertThat(s.positives).as(e.getKey() + " positives").isGreaterThanOrEqualTo(20);
      assertThat(s.precision())
          .as(e.getKey() + " precision; misses " + misses)
          .isGreaterThanOrEqualTo(GOAL);
      assertThat(s.recall())
          .as(e.getKey() + " recall; misses " + misses)
          .isGreaterThanOrEqualTo(GOAL);
    }
  }

  @Test
  void defaultPolicyGivesEveryHeldCaseItsLabelledVerdict() throws Exception {
    EgressFirewall firewall = new EgressFirewall(EgressPolicies.defaults(), EgressFirewallTest.KEY);
    List<String> wrong = new ArrayList<>();
    for (EgressCorpus.LabelledCase c : EgressCorpus.loadLabelled()) {
      Verdict v =
          firewall
              .check(EgressFirewallTest.request(c.text(), "t", null), EgressFirewallTest.NOW)
              .verdict();
      if (!v.name().equals(c.action())) {
        wrong.add(c.id() + ": " + v + ", labelled " + c.action());
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void checkedInSyntheticCorpusIsTheGeneratorsOutput() throws Exception {
    try (InputStream in = getClass().getResourceAsStream("/egress/corpus.tsv")) {
      assertThat(in).isNotNull();
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo(EgressCorpusGenerator.generate());
    }
  }

  @Test
  void syntheticCorpusHasEnoughCasesOfEveryKind() throws Exception {
    List<EgressCorpus.Case> cases = EgressCorpus.load();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(300);
    assertThat(cases.stream().filter(c -> c.expected().isEmpty()).count())
        .isGreaterThanOrEqualTo(100);
    Set<FindingType> covered = EnumSet.noneOf(FindingType.class);
    cases.forEach(c -> covered.addAll(c.expected().keySet()));
    assertThat(covered).containsExactlyInAnyOrder(FindingType.values());
  }

  @Test
  void syntheticCorpusPrecisionAndRecallPerDetector() throws Exception {
    List<EgressCorpus.Case> cases = EgressCorpus.load();
    List<String> misses = new ArrayList<>();
    Map<FindingType, EgressCorpus.Score> scores =
        EgressCorpus.evaluate(cases, new EgressScanner(), misses);
    for (Map.Entry<FindingType, EgressCorpus.Score> e : scores.entrySet()) {
      EgressCorpus.Score s = e.getValue();
      assertThat(s.positives).as(e.getKey() + " positives").isGreaterThanOrEqualTo(15);
      assertThat(s.precision())
          .as(e.getKey() + " precision; misses " + misses)
          .isGreaterThanOrEqualTo(GOAL);
      assertThat(s.recall())
          .as(e.getKey() + " recall; misses " + misses)
          .isGreaterThanOrEqualTo(GOAL);
    }
  }
}
