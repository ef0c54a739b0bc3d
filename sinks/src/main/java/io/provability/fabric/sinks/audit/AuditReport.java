package io.provability.fabric.sinks.audit;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of {@link EvidenceAuditor#verify}: what was read and every mismatch found.
 *
 * @param scope            what was audited
 * @param bundlesRead      evidence objects read (or found missing)
 * @param bundlesVerified  objects that passed every check
 * @param leaves           leaves in the verified objects
 * @param signaturesValid  bundle signatures that verified under the trusted ring
 * @param rowsChecked      decision rows compared with their evidence
 * @param rowsMatched      rows equal, field for field and byte for byte, to a DECISION leaf of a verified bundle
 * @param mismatches       everything wrong, sorted by subject
 * @param elapsed          wall time of the audit
 */
public record AuditReport(AuditScope scope, int bundlesRead, int bundlesVerified, long leaves, int signaturesValid,
                          int rowsChecked, int rowsMatched, List<Mismatch> mismatches, Duration elapsed) {

    /** Copies. */
    public AuditReport {
        mismatches = List.copyOf(mismatches);
    }

    /** @return true when nothing was wrong */
    public boolean ok() {
        return mismatches.isEmpty();
    }

    /** @return the report as printed by {@code fabric audit verify} */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("audit of ").append(scope.describe()).append('\n');
        sb.append(String.format("  bundles read %d, verified %d (signatures valid %d), leaves %d%n", bundlesRead,
                bundlesVerified, signaturesValid, leaves));
        sb.append(String.format("  decision rows checked %d, equal to their evidence leaf %d%n", rowsChecked,
                rowsMatched));
        sb.append(String.format("  %.2f s%n", elapsed.toMillis() / 1000.0));
        if (ok()) {
            sb.append("RESULT: OK - every root, signature, leaf and row verifies\n");
        } else {
            sb.append("RESULT: ").append(mismatches.size()).append(" MISMATCH(ES)\n");
            for (Mismatch m : mismatches) {
                sb.append("  ").append(m.render()).append('\n');
            }
        }
        return sb.toString();
    }
}
