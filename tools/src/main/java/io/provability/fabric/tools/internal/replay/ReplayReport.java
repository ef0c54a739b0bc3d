package io.provability.fabric.tools.internal.replay;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a replay found.
 *
 * @param from range start (inclusive)
 * @param to range end (exclusive)
 * @param policy the policy state replayed under
 * @param recorded recorded decisions in the range
 * @param replayed decisions re-decided
 * @param same re-decided with an equal outcome
 * @param different re-decided with another outcome
 * @param unavailable recorded decisions whose request could be found neither on Kafka nor in an
 *     evidence log
 * @param fromKafka requests read from the requests topic
 * @param fromBundles requests read from the evidence logs' entries
 * @param warmedUp earlier retrievals of the range's sessions re-decided only to rebuild their
 *     privacy spend
 * @param warmUpMissing such retrievals whose request was not found (those sessions may start from a
 *     lower spend)
 * @param byReason differences counted by what changed: verdict transitions ({@code verdict
 *     ALLOW->DENY}), reason codes added ({@code +TOKEN_REVOKED}) or removed ({@code -CAP_MISS}),
 *     other fields
 * @param examples the first differing decisions, one line each
 * @param output where the replayed decisions were written, or null
 * @param elapsed wall time
 */
public record ReplayReport(
    Instant from,
    Instant to,
    String policy,
    long recorded,
    long replayed,
    long same,
    long different,
    long unavailable,
    long fromKafka,
    long fromBundles,
    long warmedUp,
    long warmUpMissing,
    Map<String, Long> byReason,
    List<String> examples,
    String output,
    Duration elapsed) {

  /** Copies. */
  public ReplayReport {
    byReason = Map.copyOf(byReason);
    examples = List.copyOf(examples);
  }

  /**
   * @return the report as {@code fabric replay} prints it
   */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("replay of decisions in [").append(from).append(", ").append(to).append(")\n");
    sb.append("  policy: ").append(policy).append('\n');
    sb.append(
        String.format(
            "  recorded %d, replayed %d (requests from Kafka %d, from the evidence logs %d), unavailable %d%n",
            recorded, replayed, fromKafka, fromBundles, unavailable));
    if (warmedUp + warmUpMissing > 0) {
      sb.append(
          String.format(
              "  earlier retrievals re-decided to rebuild session privacy spend %d (requests not"
                  + " found %d)%n",
              warmedUp, warmUpMissing));
    }
    sb.append(String.format("  same %d, different %d%n", same, different));
    sb.append(
        String.format(
            "  %.2f s (%.0f decisions/s)%n",
            elapsed.toMillis() / 1000.0, replayed / Math.max(1e-9, elapsed.toNanos() / 1e9)));
    if (output != null) {
      sb.append("  replayed decisions written to ").append(output).append('\n');
    }
    if (!byReason.isEmpty()) {
      sb.append("  differences by reason:\n");
      byReason.entrySet().stream()
          .sorted(
              Map.Entry.<String, Long>comparingByValue()
                  .reversed()
                  .thenComparing(Map.Entry.comparingByKey()))
          .forEach(e -> sb.append(String.format("    %-40s %d%n", e.getKey(), e.getValue())));
    }
    if (!examples.isEmpty()) {
      sb.append("  examples:\n");
      examples.forEach(e -> sb.append("    ").append(e).append('\n'));
    }
    sb.append(
        different == 0 && unavailable == 0
            ? "RESULT: no differences\n"
            : "RESULT: " + different + " different, " + unavailable + " unavailable\n");
    return sb.toString();
  }
}
