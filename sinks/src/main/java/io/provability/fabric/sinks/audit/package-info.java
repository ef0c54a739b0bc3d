/**
 * Audit readers: re-verify stored evidence against the decision log without trusting the running
 * system ({@link io.provability.fabric.sinks.audit.EvidenceAuditor}), build inclusion proofs of single
 * decisions and check them offline ({@link io.provability.fabric.sinks.audit.ProofChecker}).
 * The algorithm is documented byte by byte in {@code docs/audit.md}.
 */
package io.provability.fabric.sinks.audit;
