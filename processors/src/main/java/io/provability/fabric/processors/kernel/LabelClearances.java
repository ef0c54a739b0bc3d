package io.provability.fabric.processors.kernel;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which labels may reach a step that requires a given capability: the label-flow policy of the
 * kernel.
 *
 * <p>A capability listed here <em>clears</em> exactly its labels (and {@value KernelEngine#PUBLIC},
 * which every capability clears): a step that requires it may receive data carrying no other label.
 * A capability not listed is not restricted by this policy. {@value KernelEngine#SECRET} is never
 * cleared, whatever is listed: it may flow nowhere.
 *
 * <p>Written as {@code capability:label,label;capability:label} (whitespace around names ignored),
 * e.g. {@code send_email:summary;write_report:internal,summary}. An empty string lists nothing.
 *
 * @param byCapability labels each listed capability clears
 */
public record LabelClearances(Map<String, Set<String>> byCapability) {
  /** No capability is restricted: only {@code secret} and unproduced labels are denied. */
  public static final LabelClearances NONE = new LabelClearances(Map.of());

  public LabelClearances {
    TreeMap<String, Set<String>> copy = new TreeMap<>();
    byCapability.forEach(
        (cap, labels) -> copy.put(cap, Collections.unmodifiableSet(new TreeSet<>(labels))));
    byCapability = Collections.unmodifiableMap(copy);
  }

  /** True if data carrying {@code label} may reach a step that requires {@code capability}. */
  public boolean clears(String capability, String label) {
    if (KernelEngine.SECRET.equals(label)) {
      return false;
    }
    if (KernelEngine.PUBLIC.equals(label)) {
      return true;
    }
    Set<String> cleared = byCapability.get(capability);
    return cleared == null || cleared.contains(label);
  }

  /**
   * Parses {@code capability:label,label;capability:label}.
   *
   * @throws IllegalArgumentException naming the faulty entry
   */
  public static LabelClearances parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return NONE;
    }
    Map<String, Set<String>> out = new TreeMap<>();
    for (String entry : spec.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      int colon = entry.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "entry '" + entry.strip() + "' is not capability:label,label");
      }
      String cap = entry.substring(0, colon).strip();
      if (cap.isEmpty() || cap.contains(",")) {
        throw new IllegalArgumentException("entry '" + entry.strip() + "' names no capability");
      }
      if (out.containsKey(cap)) {
        throw new IllegalArgumentException("capability '" + cap + "' is listed twice");
      }
      Set<String> labels = new TreeSet<>();
      for (String label : List.of(entry.substring(colon + 1).split(","))) {
        if (!label.isBlank()) {
          labels.add(label.strip());
        }
      }
      out.put(cap, labels);
    }
    return new LabelClearances(out);
  }

  /**
   * The canonical spelling (sorted), which {@link #parse} reads back; part of the decision cache's
   * keys.
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    byCapability.forEach(
        (cap, labels) -> {
          if (!sb.isEmpty()) {
            sb.append(';');
          }
          sb.append(cap).append(':').append(String.join(",", labels));
        });
    return sb.toString();
  }
}
