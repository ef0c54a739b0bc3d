package io.provability.fabric.load;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/** A minimal JSON writer for the reports (maps, collections, strings, numbers, booleans, null). */
final class Json {
  private Json() {}

  static String write(Object value) {
    StringBuilder b = new StringBuilder();
    write(b, value, 0);
    return b.append('\n').toString();
  }

  private static void write(StringBuilder b, Object v, int indent) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof String s) {
      string(b, s);
    } else if (v instanceof Boolean) {
      b.append(v);
    } else if (v instanceof Double d) {
      b.append(
          Double.isFinite(d)
              ? String.format(Locale.ROOT, "%.4f", d).replaceAll("\\.?0+$", "")
              : "null");
    } else if (v instanceof Float f) {
      write(b, (double) f, indent);
    } else if (v instanceof Number) {
      b.append(v);
    } else if (v instanceof Map<?, ?> m) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.append(first ? "\n" : ",\n").append("  ".repeat(indent + 1));
        first = false;
        string(b, String.valueOf(e.getKey()));
        b.append(": ");
        write(b, e.getValue(), indent + 1);
      }
      if (!first) {
        b.append('\n').append("  ".repeat(indent));
      }
      b.append('}');
    } else if (v instanceof Collection<?> c) {
      boolean scalars =
          c.stream().allMatch(x -> x == null || x instanceof Number || x instanceof Boolean);
      b.append('[');
      boolean first = true;
      for (Object x : c) {
        if (scalars) {
          b.append(first ? "" : ", ");
        } else {
          b.append(first ? "\n" : ",\n").append("  ".repeat(indent + 1));
        }
        first = false;
        write(b, x, indent + 1);
      }
      if (!first && !scalars) {
        b.append('\n').append("  ".repeat(indent));
      }
      b.append(']');
    } else {
      string(b, v.toString());
    }
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
