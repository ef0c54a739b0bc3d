package io.provability.fabric.processors.egress;

import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One named egress policy: the largest text it accepts and, per finding type, a {@link Rule}. A
 * finding below its rule's confidence is ignored (counted, not acted on). Immutable.
 */
public final class EgressPolicy {
  /** Default size limit: 256 KiB of UTF-8. */
  public static final int DEFAULT_MAX_TEXT_BYTES = 256 * 1024;

  /**
   * What to do with findings of one type.
   *
   * @param action the action for findings at or above {@code minConfidence}
   * @param minConfidence the threshold, in [0, 1]
   */
  public record Rule(PolicyAction action, double minConfidence) {
    /** Validates the rule. */
    public Rule {
      Objects.requireNonNull(action, "action");
      if (!(minConfidence >= 0.0 && minConfidence <= 1.0)) {
        throw new IllegalArgumentException("confidence must be in [0, 1], got " + minConfidence);
      }
    }

    /** Canonical text form, e.g. {@code REDACT@0.80}. */
    public String canonical() {
      return String.format(Locale.ROOT, "%s@%.2f", action, minConfidence);
    }
  }

  /** Applied to a type a policy does not mention: deny by default. */
  public static final Rule UNLISTED = new Rule(PolicyAction.BLOCK, 0.0);

  private final String name;
  private final int maxTextBytes;
  private final Map<FindingType, Rule> rules;
  private final String canonicalText;
  private final String hash;

  EgressPolicy(String name, int maxTextBytes, Map<FindingType, Rule> rules) {
    this.name = Objects.requireNonNull(name, "name");
    if (maxTextBytes <= 0) {
      throw new IllegalArgumentException("max_text_bytes must be positive, got " + maxTextBytes);
    }
    this.maxTextBytes = maxTextBytes;
    EnumMap<FindingType, Rule> all = new EnumMap<>(FindingType.class);
    for (FindingType t : FindingType.values()) {
      all.put(t, rules.getOrDefault(t, UNLISTED));
    }
    this.rules = Collections.unmodifiableMap(all);
    StringBuilder text = new StringBuilder();
    text.append("policy=").append(name).append('\n');
    text.append("max_text_bytes=").append(maxTextBytes).append('\n');
    for (Map.Entry<FindingType, Rule> e : all.entrySet()) {
      text.append(e.getKey()).append('=').append(e.getValue().canonical()).append('\n');
    }
    this.canonicalText = text.toString();
    this.hash = Hex.encode(Sha256.digest(canonicalText.getBytes(StandardCharsets.UTF_8)));
  }

  public String name() {
    return name;
  }

  public int maxTextBytes() {
    return maxTextBytes;
  }

  /** The rule for {@code type} (every type has one). */
  public Rule rule(FindingType type) {
    return rules.get(type);
  }

  /**
   * The canonical text the policy hash covers: {@code policy=<name>}, {@code max_text_bytes=<n>},
   * then one {@code TYPE=ACTION@0.00} line per finding type in {@link FindingType} order, each line
   * ending in {@code \n}. Independent of how the source file was laid out.
   */
  public String canonicalText() {
    return canonicalText;
  }

  /** Lower-case hex SHA-256 of the UTF-8 {@link #canonicalText()}. */
  public String hash() {
    return hash;
  }

  @Override
  public String toString() {
    return "EgressPolicy[" + name + ", " + hash.substring(0, 12) + "]";
  }
}
