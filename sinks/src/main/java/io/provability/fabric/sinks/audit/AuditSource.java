package io.provability.fabric.sinks.audit;

import io.provability.fabric.sinks.decisionlog.DecisionLogReader.BundleRecord;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.DecisionEvidence;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.LoggedDecision;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Everything an audit reads: decision rows, the evidence index and the stored objects. The
 * production implementation is {@link StoreAuditSource} (PostgreSQL and S3); tests and benchmarks
 * may hold the same data in memory. Implementations return what is stored, unverified.
 */
public interface AuditSource {

    /** @return rows decided in {@code [from, to)} */
    List<LoggedDecision> decisionsInRange(Instant from, Instant to);

    /** @return rows of one session */
    List<LoggedDecision> decisionsOfSession(String sessionId);

    /** @return rows with these decision ids (any day) */
    List<LoggedDecision> decisionsByIds(Collection<String> decisionIds);

    /** @return {@code evidence_bundle} rows whose window overlaps {@code [from, to)} */
    List<BundleRecord> bundlesInRange(Instant from, Instant to);

    /** @return {@code evidence_bundle} rows of one session */
    List<BundleRecord> bundlesOfSession(String sessionId);

    /** @return {@code evidence_bundle} rows with these roots (64 lower-case hex digits each) */
    List<BundleRecord> bundlesByRoots(Collection<String> rootsHex);

    /** @return {@code decision_evidence} rows of these decisions */
    List<DecisionEvidence> evidenceOfDecisions(Collection<String> decisionIds);

    /** @return {@code decision_evidence} rows pointing into bundles with these roots */
    List<DecisionEvidence> evidenceOfBundles(Collection<String> rootsHex);

    /** @return keys of the bundle objects whose window starts on this UTC day */
    List<String> bundleKeys(LocalDate day);

    /** @return the stored bytes, or empty when no object has this key */
    Optional<byte[]> readBundle(String key);
}
