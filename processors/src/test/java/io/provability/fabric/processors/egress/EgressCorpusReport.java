package io.provability.fabric.processors.egress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Prints the per-detector precision/recall table over the corpus (for docs/benchmarks/egress.md). */
public final class EgressCorpusReport {
  private EgressCorpusReport() {}

  /** Prints the table, then every case where a detector's count differs from the label. */
  public static void main(String[] args) throws Exception {
    List<EgressCorpus.Case> cases = EgressCorpus.load();
    List<String> misses = new ArrayList<>();
    Map<FindingType, EgressCorpus.Score> scores = EgressCorpus.evaluate(cases, new EgressScanner(), misses);
    System.out.print(EgressCorpus.table(cases, scores));
    System.out.println();
    System.out.println("mismatches: " + misses.size());
    misses.forEach(m -> System.out.println("  " + m));
  }
}
