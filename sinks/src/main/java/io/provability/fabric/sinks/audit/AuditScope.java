package io.provability.fabric.sinks.audit;

import java.time.Instant;
import java.util.Objects;

/**
 * What an audit covers: one session, a time range, or one stored bundle.
 *
 * @param kind      which of the three
 * @param sessionId the session ({@link Kind#SESSION})
 * @param from      inclusive start ({@link Kind#TIME_RANGE}): decisions decided at or after it, bundles whose
 *                  window ends at or after it
 * @param to        exclusive end ({@link Kind#TIME_RANGE})
 * @param bundleKey the object key ({@link Kind#BUNDLE})
 */
public record AuditScope(Kind kind, String sessionId, Instant from, Instant to, String bundleKey) {

    /** The three ways to scope an audit. */
    public enum Kind { SESSION, TIME_RANGE, BUNDLE }

    /** Validates the fields the kind needs. */
    public AuditScope {
        Objects.requireNonNull(kind, "kind");
        switch (kind) {
            case SESSION -> Objects.requireNonNull(sessionId, "sessionId");
            case TIME_RANGE -> {
                Objects.requireNonNull(from, "from");
                Objects.requireNonNull(to, "to");
                if (!from.isBefore(to)) {
                    throw new IllegalArgumentException("time range [" + from + ", " + to + ") is empty");
                }
            }
            case BUNDLE -> Objects.requireNonNull(bundleKey, "bundleKey");
            default -> throw new IllegalArgumentException("unknown scope kind " + kind);
        }
    }

    /** @return every decision and bundle of one session */
    public static AuditScope session(String sessionId) {
        return new AuditScope(Kind.SESSION, sessionId, null, null, null);
    }

    /** @return decisions decided in {@code [from, to)} and bundles whose window overlaps it */
    public static AuditScope timeRange(Instant from, Instant to) {
        return new AuditScope(Kind.TIME_RANGE, null, from, to, null);
    }

    /** @return one stored bundle and the decision rows its leaves and the index name */
    public static AuditScope bundle(String key) {
        return new AuditScope(Kind.BUNDLE, null, null, null, key);
    }

    /** @return a short description for reports */
    public String describe() {
        return switch (kind) {
            case SESSION -> "session " + sessionId;
            case TIME_RANGE -> "decisions and bundles in [" + from + ", " + to + ")";
            case BUNDLE -> "bundle " + bundleKey;
        };
    }

    /** @return true when a window {@code [start, end]} overlaps this time range (always true for other kinds) */
    boolean overlaps(Instant start, Instant end) {
        return kind != Kind.TIME_RANGE || (start.isBefore(to) && !end.isBefore(from));
    }
}
