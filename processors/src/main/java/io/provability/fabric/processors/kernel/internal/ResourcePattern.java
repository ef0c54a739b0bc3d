package io.provability.fabric.processors.kernel.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Glob patterns over slash-separated resource names: {@code *} matches within one segment, {@code
 * **} matches across segments, {@code ?} matches one character other than '/'. Everything else is
 * literal and case-sensitive.
 */
public final class ResourcePattern {
  private static final Map<String, Pattern> COMPILED = new ConcurrentHashMap<>();
  private static final int MAX_CACHED = 10_000;

  private ResourcePattern() {}

  /** True if {@code resource} is canonical and matched by {@code glob}. */
  public static boolean matches(String glob, String resource) {
    if (!isCanonical(resource)) {
      return false;
    }
    Pattern p = COMPILED.get(glob);
    if (p == null) {
      p = compile(glob);
      if (COMPILED.size() < MAX_CACHED) {
        COMPILED.put(glob, p);
      }
    }
    return p.matcher(resource).matches();
  }

  /**
   * A canonical resource has no empty, "." or ".." segments, no percent-encoding and no
   * backslashes: anything that two parties could read as different paths is refused rather than
   * normalised, so a pattern can never be escaped by spelling.
   */
  public static boolean isCanonical(String resource) {
    if (resource == null
        || resource.isEmpty()
        || resource.startsWith("/")
        || resource.endsWith("/")) {
      return false;
    }
    if (resource.indexOf('%') >= 0 || resource.indexOf('\\') >= 0 || resource.indexOf('\0') >= 0) {
      return false;
    }
    for (String segment : resource.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }

  /** The tenant a resource belongs to: its first segment. */
  public static String tenantOf(String resource) {
    int slash = resource.indexOf('/');
    return slash < 0 ? resource : resource.substring(0, slash);
  }

  static Pattern compile(String glob) {
    StringBuilder re = new StringBuilder(glob.length() + 16);
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' || c == '?') {
        if (literal.length() > 0) {
          re.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        if (c == '?') {
          re.append("[^/]");
        } else if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
          re.append(".*");
          i++;
        } else {
          re.append("[^/]*");
        }
      } else {
        literal.append(c);
      }
    }
    if (literal.length() > 0) {
      re.append(Pattern.quote(literal.toString()));
    }
    return Pattern.compile(re.toString());
  }
}
