/**
 * Audit readers: re-verify the evidence logs against the decision log without trusting the running
 * system ({@link io.provability.fabric.sinks.audit.LogAuditor}), build inclusion proofs of
 * decisions in the c2sp.org/tlog-proof format and check them offline ({@link
 * io.provability.fabric.sinks.audit.ProofChecker}). The algorithm is in {@code docs/audit.md}.
 */
package io.provability.fabric.sinks.audit;
