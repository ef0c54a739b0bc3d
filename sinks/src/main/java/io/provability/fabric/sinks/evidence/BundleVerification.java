package io.provability.fabric.sinks.evidence;

import java.util.List;
import java.util.Optional;

/**
 * The result of re-verifying a stored evidence object.
 *
 * @param key      the object key
 * @param problems what failed, one sentence each; empty when the object verifies
 * @param bundle   the decoded bundle, when the object could be decoded at all
 */
public record BundleVerification(String key, List<String> problems, Optional<StoredBundle> bundle) {

    /** Defensive copy. */
    public BundleVerification {
        problems = List.copyOf(problems);
    }

    /** @return true when every check passed */
    public boolean ok() {
        return problems.isEmpty();
    }

    /**
     * @return this result
     * @throws EvidenceVerificationException naming every failed check, when one failed
     */
    public BundleVerification orThrow() {
        if (!ok()) {
            throw new EvidenceVerificationException(this);
        }
        return this;
    }

    /** @return a one-line summary */
    public String summary() {
        return ok() ? key + ": verified" : key + ": FAILED verification: " + String.join("; ", problems);
    }
}
