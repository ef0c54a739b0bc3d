package io.provability.fabric.processors.egress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The labelled corpora and their scoring.
 *
 * <p>{@code egress/corpus.jsonl} (the held corpus, built from public format descriptions): each
 * case lists its expected findings as (type, exact value) in text order and the verdict the {@code
 * default} policy must give; a finding is a true positive only when type and span both match, so a
 * span that is one char too long counts as a false positive and a false negative.
 *
 * <p>{@code egress/corpus.tsv} (synthetic, from {@link EgressCorpusGenerator}): a case's expected
 * findings are a multiset of types; per type, true positives are min(expected, found), false
 * positives the excess found, false negatives the excess expected.
 */
final class EgressCorpus {
  /** One labelled case of the synthetic corpus. */
  record Case(String id, Map<FindingType, Integer> expected, String text) {}

  /** An expected finding of the held corpus: type and half-open UTF-16 span. */
  record Expected(FindingType type, int start, int end) {}

  /**
   * One case of the held corpus.
   *
   * @param id unique id, {@code <category>-<n>}
   * @param category the type the case is about ({@code CLEAN} and {@code MIXED} for the others)
   * @param text the outgoing text
   * @param expected the findings, in text order
   * @param action the verdict under the built-in {@code default} policy
   * @param source where the format or the look-alike comes from
   */
  record LabelledCase(
      String id,
      String category,
      String text,
      List<Expected> expected,
      String action,
      String source) {}

  /** Loads {@code egress/corpus.jsonl}; a value must occur in the text after the previous one. */
  static List<LabelledCase> loadLabelled() throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<LabelledCase> cases = new ArrayList<>();
    try (InputStream in = EgressCorpus.class.getResourceAsStream("/egress/corpus.jsonl")) {
      if (in == null) {
        throw new IOException("egress/corpus.jsonl not on the test classpath");
      }
      int lineNo = 0;
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode c = json.readTree(line);
        String text = c.get("text").asText();
        List<Expected> expected = new ArrayList<>();
        int cursor = 0;
        for (JsonNode f : c.get("findings")) {
          String value = f.get("value").asText();
          int at = text.indexOf(value, cursor);
          if (at < 0) {
            throw new IOException(
                "corpus.jsonl line " + lineNo + ": value not found in text after char " + cursor);
          }
          expected.add(
              new Expected(FindingType.valueOf(f.get("type").asText()), at, at + value.length()));
          cursor = at + value.length();
        }
        cases.add(
            new LabelledCase(
                c.get("id").asText(),
                c.get("type").asText(),
                text,
                expected,
                c.get("action").asText(),
                c.get("source").asText()));
      }
    }
    return cases;
  }

  /**
   * Scores the held corpus by type and exact span; {@code misses} gets one line per wrong finding.
   */
  static Map<FindingType, Score> evaluateSpans(
      List<LabelledCase> cases, EgressScanner scanner, List<String> misses) {
    Map<FindingType, Score> scores = new EnumMap<>(FindingType.class);
    for (FindingType t : FindingType.values()) {
      scores.put(t, new Score());
    }
    for (LabelledCase c : cases) {
      List<Expected> open = new ArrayList<>(c.expected());
      c.expected().forEach(e -> scores.get(e.type()).positives++);
      for (Finding f : scanner.scan(c.text())) {
        Expected hit = new Expected(f.type(), f.start(), f.end());
        if (open.remove(hit)) {
          scores.get(f.type()).tp++;
        } else {
          scores.get(f.type()).fp++;
          misses.add(c.id() + " FP " + f.type() + " " + quote(c.text(), f.start(), f.end()));
        }
      }
      for (Expected e : open) {
        scores.get(e.type()).fn++;
        misses.add(c.id() + " FN " + e.type() + " " + quote(c.text(), e.start(), e.end()));
      }
    }
    return scores;
  }

  private static String quote(String text, int start, int end) {
    String v = text.substring(start, end);
    return "["
        + start
        + ","
        + end
        + ") '"
        + (v.length() > 60 ? v.substring(0, 57) + "..." : v).replace("\n", "\\n")
        + "'";
  }

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

  static Map<FindingType, Score> evaluate(
      List<Case> cases, EgressScanner scanner, List<String> misses) {
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
    long negatives = cases.stream().filter(c -> c.expected().isEmpty()).count();
    return table(cases.size(), negatives, scores);
  }

  static String table(int cases, long negatives, Map<FindingType, Score> scores) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT, "corpus: %d cases (%d with no expected finding)%n%n", cases, negatives));
    sb.append("| detector | positives | TP | FP | FN | precision | recall |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<FindingType, Score> e : scores.entrySet()) {
      Score s = e.getValue();
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d | %d | %d | %.3f | %.3f |%n",
              e.getKey(),
              s.positives,
              s.tp,
              s.fp,
              s.fn,
              s.precision(),
              s.recall()));
    }
    return sb.toString();
  }
}
