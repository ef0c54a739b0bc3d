package io.provability.fabric.sinks.audit;

import java.time.Instant;
import java.util.Objects;

/**
 * What an audit covers: every log in full, the decisions of a time range, or one session.
 *
 * @param kind which of the three
 * @param sessionId the session ({@link Kind#SESSION})
 * @param from inclusive start ({@link Kind#TIME_RANGE}): decisions decided at or after it
 * @param to exclusive end ({@link Kind#TIME_RANGE})
 */
public record AuditScope(Kind kind, String sessionId, Instant from, Instant to) {

  /** The three ways to scope an audit. */
  public enum Kind {
    ALL,
    TIME_RANGE,
    SESSION
  }

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
      default -> {}
    }
  }

  /**
   * @return every log, every checkpoint, every entry, every row
   */
  public static AuditScope all() {
    return new AuditScope(Kind.ALL, null, null, null);
  }

  /**
   * @return every decision of one session
   */
  public static AuditScope session(String sessionId) {
    return new AuditScope(Kind.SESSION, sessionId, null, null);
  }

  /**
   * @return decisions decided in {@code [from, to)}, the entries around them and the checkpoints of
   *     the range
   */
  public static AuditScope timeRange(Instant from, Instant to) {
    return new AuditScope(Kind.TIME_RANGE, null, from, to);
  }

  /**
   * @return a short description for reports
   */
  public String describe() {
    return switch (kind) {
      case ALL -> "every evidence log and decision";
      case SESSION -> "session " + sessionId;
      case TIME_RANGE -> "decisions in [" + from + ", " + to + ")";
    };
  }
}
