package io.provability.fabric.sinks.audit;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of {@link LogAuditor#verify}: what was read and every mismatch found.
 *
 * @param scope what was audited
 * @param logs evidence logs audited
 * @param checkpointsVerified checkpoints whose signature and consistency with their predecessor
 *     held
 * @param entriesVerified entries recomputed into their checkpoint's root (or proven included in it)
 * @param rowsChecked decision rows compared with their entries
 * @param rowsMatched rows byte for byte equal to the decision in their entry
 * @param mismatches everything wrong, sorted by subject
 * @param elapsed wall time of the audit
 */
public record AuditReport(
    AuditScope scope,
    int logs,
    long checkpointsVerified,
    long entriesVerified,
    long rowsChecked,
    long rowsMatched,
    List<Mismatch> mismatches,
    Duration elapsed) {

  /** Copies. */
  public AuditReport {
    mismatches = List.copyOf(mismatches);
  }

  /**
   * @return true when nothing was wrong
   */
  public boolean ok() {
    return mismatches.isEmpty();
  }

  /**
   * @return the mismatches of one kind
   */
  public List<Mismatch> of(Mismatch.Code code) {
    return mismatches.stream().filter(m -> m.code() == code).toList();
  }

  /**
   * @return the report as printed by {@code fabric audit verify}
   */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("audit of ").append(scope.describe()).append('\n');
    sb.append(
        String.format(
            "  logs %d, checkpoints verified %d, entries verified %d%n",
            logs, checkpointsVerified, entriesVerified));
    sb.append(
        String.format(
            "  decision rows checked %d, equal to their entry %d%n", rowsChecked, rowsMatched));
    sb.append(String.format("  %.2f s%n", elapsed.toMillis() / 1000.0));
    if (ok()) {
      sb.append("RESULT: OK - every checkpoint, root, entry and row verifies\n");
    } else {
      sb.append("RESULT: ").append(mismatches.size()).append(" MISMATCH(ES)\n");
      for (Mismatch m : mismatches) {
        sb.append("  ").append(m.render()).append('\n');
      }
    }
    return sb.toString();
  }
}
