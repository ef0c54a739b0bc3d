package io.provability.fabric.processors.egress;

import io.provability.fabric.processors.egress.internal.Detectors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * Runs every detector over a text and returns its findings: sorted by position, non-overlapping
 * (where two detectors claim overlapping text, the type declared first in {@link FindingType} wins,
 * then the longer span), each with UTF-16 and code-point offsets. Stateless and thread-safe; work
 * is linear in the length of the text.
 */
public final class EgressScanner {
  private static final Comparator<Detectors.Candidate> PRECEDENCE =
      Comparator.comparing(Detectors.Candidate::type)
          .thenComparing(c -> c.start() - c.end())
          .thenComparingInt(Detectors.Candidate::start);

  /** Creates a scanner. */
  public EgressScanner() {}

  /** Scans {@code text}; never returns overlapping findings. */
  public List<Finding> scan(String text) {
    List<Detectors.Candidate> raw = new ArrayList<>();
    Detectors.scanAll(text, raw);
    raw.sort(PRECEDENCE);
    TreeMap<Integer, Detectors.Candidate> kept = new TreeMap<>();
    for (Detectors.Candidate c : raw) {
      var before = kept.floorEntry(c.end() - 1);
      if (before == null || before.getValue().end() <= c.start()) {
        kept.put(c.start(), c);
      }
    }
    List<Finding> findings = new ArrayList<>(kept.size());
    int cpIndex = 0;
    int charIndex = 0;
    for (Detectors.Candidate c : kept.values()) {
      cpIndex += text.codePointCount(charIndex, c.start());
      int cpStart = cpIndex;
      cpIndex += text.codePointCount(c.start(), c.end());
      charIndex = c.end();
      findings.add(new Finding(c.type(), c.start(), c.end(), cpStart, cpIndex, c.confidence()));
    }
    return findings;
  }
}
