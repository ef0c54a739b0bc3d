package io.provability.fabric.processors.egress;

import java.util.Locale;
import java.util.Objects;

/**
 * One detected span of outgoing text. Offsets are half-open, {@code [start, end)}, given twice: in
 * UTF-16 chars (what {@link String#substring(int, int)} takes) and in Unicode code points (what a
 * non-Java client counting characters sees). A finding never carries the matched text itself.
 *
 * @param type what was found
 * @param start first UTF-16 char of the span
 * @param end UTF-16 char just past the span
 * @param codePointStart first code point of the span
 * @param codePointEnd code point just past the span
 * @param confidence how sure the detector is, in [0, 1]
 */
public record Finding(
    FindingType type, int start, int end, int codePointStart, int codePointEnd, double confidence) {
  /** Validates the span and confidence. */
  public Finding {
    Objects.requireNonNull(type, "type");
    if (start < 0 || end <= start || codePointStart < 0 || codePointEnd <= codePointStart) {
      throw new IllegalArgumentException("empty or negative span");
    }
    if (!(confidence >= 0.0 && confidence <= 1.0)) {
      throw new IllegalArgumentException("confidence must be in [0, 1], got " + confidence);
    }
  }

  /** The span as a human-readable detail (offsets and confidence only, never the text). */
  public String describe() {
    return String.format(
        Locale.ROOT,
        "chars [%d,%d) code points [%d,%d) confidence %.2f",
        start,
        end,
        codePointStart,
        codePointEnd,
        confidence);
  }
}
