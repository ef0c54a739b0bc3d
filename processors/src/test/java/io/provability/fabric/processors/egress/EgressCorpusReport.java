package io.provability.fabric.processors.egress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prints the per-detector precision/recall tables (for docs/egress.md): the held corpus ({@code
 * corpus.jsonl}, exact spans) and the synthetic one ({@code corpus.tsv}, types and counts), then
 * every finding that differs from a label.
 */
public final class EgressCorpusReport {
  private EgressCorpusReport() {}

  /** Prints both tables and their mismatches. */
  public static void main(String[] args) throws Exception {
    EgressScanner scanner = new EgressScanner();
    List<EgressCorpus.LabelledCase> held = EgressCorpus.loadLabelled();
    List<String> heldMisses = new ArrayList<>();
    Map<FindingType, EgressCorpus.Score> heldScores =
        EgressCorpus.evaluateSpans(held, scanner, heldMisses);
    System.out.println("== corpus.jsonl (type and exact span)");
    System.out.print(
        EgressCorpus.table(
            held.size(), held.stream().filter(c -> c.expected().isEmpty()).count(), heldScores));
    EgressFirewall firewall = new EgressFirewall(EgressPolicies.defaults(), EgressFirewallTest.KEY);
    List<String> verdictMisses = new ArrayList<>();
    for (EgressCorpus.LabelledCase c : held) {
      String verdict =
          firewall
              .check(EgressFirewallTest.request(c.text(), "t", null), EgressFirewallTest.NOW)
              .verdict()
              .name();
      if (!verdict.equals(c.action())) {
        verdictMisses.add(c.id() + " verdict " + verdict + ", labelled " + c.action());
      }
    }
    System.out.printf(
        "default-policy verdict as labelled: %d of %d%n",
        held.size() - verdictMisses.size(), held.size());
    verdictMisses.forEach(m -> System.out.println("  " + m));
    System.out.println("mismatches: " + heldMisses.size());
    heldMisses.forEach(m -> System.out.println("  " + m));
    System.out.println();

    List<EgressCorpus.Case> cases = EgressCorpus.load();
    List<String> misses = new ArrayList<>();
    Map<FindingType, EgressCorpus.Score> scores = EgressCorpus.evaluate(cases, scanner, misses);
    System.out.println("== corpus.tsv (synthetic; type and count)");
    System.out.print(EgressCorpus.table(cases, scores));
    System.out.println("mismatches: " + misses.size());
    misses.forEach(m -> System.out.println("  " + m));
  }
}
