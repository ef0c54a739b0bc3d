package io.provability.fabric.processors.egress.internal;

import java.util.Locale;

/**
 * Tells documentation values and placeholders from real credentials. Vendors' documentation,
 * READMEs and config templates are full of strings shaped exactly like keys ({@code
 * AKIAIOSFODNN7EXAMPLE}, {@code ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX}, {@code
 * sk_live_xxxxxxxxxxxxxxxxxxxxxxxx}); a machine generated secret is uniformly random, so it does
 * not spell a marker word, repeat one char, run through the alphabet, or use only a handful of
 * distinct chars. The checks are cheap and bounded by the length of the value.
 */
final class Placeholders {
  /** Marker words of placeholders in machine-generated tokens (checked case-insensitively). */
  private static final String[] TOKEN_MARKERS = {
    "example", "xxxx", "your", "dummy", "fake", "sample", "placeholder", "redacted", "changeme",
        "insert",
    "replace", "here", "token", "secret", "****", "####", "....", "<", ">", "…"
  };

  /**
   * Marker words of placeholders among human-chosen values (passwords may contain ordinary words).
   */
  private static final String[] VALUE_MARKERS = {
    "example",
    "xxxx",
    "your",
    "dummy",
    "placeholder",
    "redacted",
    "changeme",
    "change_me",
    "replace_me",
    "****",
    "####",
    "....",
    "…"
  };

  private Placeholders() {}

  /** Whether {@code s[from, to)}, a machine-generated token's random part, is a placeholder. */
  static boolean token(CharSequence s, int from, int to) {
    return hasMarker(s, from, to, TOKEN_MARKERS)
        || lowDiversity(s, from, to)
        || sequential(s, from, to);
  }

  /** Whether {@code s[from, to)}, a value assigned to a credential name, is a placeholder. */
  static boolean value(CharSequence s, int from, int to) {
    return hasMarker(s, from, to, VALUE_MARKERS)
        || lowDiversity(s, from, to)
        || sequential(s, from, to);
  }

  private static boolean hasMarker(CharSequence s, int from, int to, String[] markers) {
    String lower = s.subSequence(from, to).toString().toLowerCase(Locale.ROOT);
    for (String m : markers) {
      if (lower.contains(m)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Fewer distinct chars than a random string of this length would all but surely have: a third of
   * the length, capped at 8 ({@code 0000000000000000}, {@code abababab}, {@code 1111-2222}).
   */
  static boolean lowDiversity(CharSequence s, int from, int to) {
    long seen0 = 0;
    long seen1 = 0;
    int distinct = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      int k = c & 0x7F;
      if (k < 64) {
        if ((seen0 & (1L << k)) == 0) {
          seen0 |= 1L << k;
          distinct++;
        }
      } else if ((seen1 & (1L << (k - 64))) == 0) {
        seen1 |= 1L << (k - 64);
        distinct++;
      }
    }
    return distinct < Math.min(8, (to - from) / 3);
  }

  /**
   * Half or more of adjacent pairs step through the alphabet or the digits ({@code
   * abcdef0123456789}).
   */
  static boolean sequential(CharSequence s, int from, int to) {
    int steps = 0;
    for (int i = from + 1; i < to; i++) {
      int d = s.charAt(i) - s.charAt(i - 1);
      if (d == 1 && Character.isLetterOrDigit(s.charAt(i))) {
        steps++;
      }
    }
    return to - from > 1 && steps * 2 >= to - from - 1;
  }
}
