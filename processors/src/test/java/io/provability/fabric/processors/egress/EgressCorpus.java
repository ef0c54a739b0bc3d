package io.provability.fabric.processors.egress;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The labelled corpus and its scoring. A case's expected findings are a multiset of types; per type,
 * true positives are min(expected, found), false positives the excess found, false negatives the
 * excess expected (matching is by type and count within a case, not by exact span; span exactness
 * is what the per-detector unit tests check).
 */
final class EgressCorpus {
  /** One labelled case. */
  record Case(String id, Map<FindingType, Integer> expected, String text) {}

  /** Per-type counts. */
  static final class Score {
    int tp;
    int fp;
    int fn;
    int positives;

    double precision() {
      return tp + fp == 0 ? 1.0 : (double) tp / (tp + fp);
    }

    double recall() {
      return tp + fn == 0 ? 1.0 : (double) tp / (tp + fn);
    }
  }

  private EgressCorpus() {}

  static List<Case> load() throws IOException {
    try (InputStream in = EgressCorpus.class.getResourceAsStream("/egress/corpus.tsv")) {
      if (in == null) {
        throw new IOException("egress/corpus.tsv not on the test classpath");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  static List<Case> parse(String tsv) {
    List<Case> cases = new ArrayList<>();
    for (String line : tsv.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] cols = line.split("\t", 3);
      Map<FindingType, Integer> expected = new EnumMap<>(FindingType.class);
      if (!cols[1].equals("-")) {
        for (String t : cols[1].split(",")) {
          expected.merge(FindingType.valueOf(t), 1, Integer::sum);
        }
      }
      cases.add(new Case(cols[0], expected, unescape(cols[2])));
    }
    return cases;
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        out.append(n == 'n' ? '\n' : n == 't' ? '\t' : n);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  static Map<FindingType, Score> evaluate(List<Case> cases, EgressScanner scanner, List<String> misses) {
    Map<FindingType, Score> scores = new EnumMap<>(FindingType.class);
    for (FindingType t : FindingType.values()) {
      scores.put(t, new Score());
    }
    for (Case c : cases) {
      Map<FindingType, Integer> found = new EnumMap<>(FindingType.class);
      for (Finding f : scanner.scan(c.text())) {
        found.merge(f.type(), 1, Integer::sum);
      }
      for (FindingType t : FindingType.values()) {
        int e = c.expected().getOrDefault(t, 0);
        int f = found.getOrDefault(t, 0);
        Score s = scores.get(t);
        s.positives += e;
        s.tp += Math.min(e, f);
        s.fp += Math.max(0, f - e);
        s.fn += Math.max(0, e - f);
        if (e != f) {
          misses.add(c.id() + " " + t + " expected " + e + " found " + f);
        }
      }
    }
    return scores;
  }

  static String table(List<Case> cases, Map<FindingType, Score> scores) {
    StringBuilder sb = new StringBuilder();
    long negatives = cases.stream().filter(c -> c.expected().isEmpty()).count();
    sb.append(String.format(Locale.ROOT, "corpus: %d cases (%d with no expected finding)%n%n", cases.size(), negatives));
    sb.append("| detector | positives | TP | FP | FN | precision | recall |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<FindingType, Score> e : scores.entrySet()) {
      Score s = e.getValue();
      sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %.3f | %.3f |%n",
          e.getKey(), s.positives, s.tp, s.fp, s.fn, s.precision(), s.recall()));
    }
    return sb.toString();
  }
}
