package io.provability.fabric.schemas.serde;

import io.provability.fabric.events.DeadLetterReason;
import java.util.Objects;

/**
 * Bytes that could not be decoded into an event, with the reason a dead letter would carry.
 *
 * <ul>
 *   <li>{@link DeadLetterReason#MALFORMED}: null, shorter than the 10-byte header, a header that is
 *       not {@code C3 01}, a body that does not decode (truncated, lengths beyond the input,
 *       invalid UTF-8, a bad union or enum index), or bytes left over after the body.
 *   <li>{@link DeadLetterReason#UNKNOWN_SCHEMA}: the writer schema's fingerprint is not in the
 *       codec's schema store.
 *   <li>{@link DeadLetterReason#MISSING_FIELD}: the writer schema lacks a field that the current
 *       schema needs and gives no default for.
 *   <li>{@link DeadLetterReason#INVALID_FIELD}: the writer schema has a field the current schema
 *       cannot read (for example a string where a long is expected).
 *   <li>{@link DeadLetterReason#UNSUPPORTED_TYPE}: the bytes hold a different event type than the
 *       one asked for.
 * </ul>
 *
 * <p>The message says what was wrong in terms a person reading a dead letter can act on, such as
 * the unknown fingerprint in hex.
 */
public class EventDecodeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final DeadLetterReason reason;

  /**
   * Creates the exception.
   *
   * @param reason why decoding failed
   * @param message what was wrong with the bytes
   */
  public EventDecodeException(DeadLetterReason reason, String message) {
    this(reason, message, null);
  }

  /**
   * Creates the exception with the failure underneath it.
   *
   * @param reason why decoding failed
   * @param message what was wrong with the bytes
   * @param cause the exception the decoder ran into, or null
   */
  public EventDecodeException(DeadLetterReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * Returns why decoding failed, as a dead letter records it.
   *
   * @return the reason
   */
  public DeadLetterReason reason() {
    return reason;
  }
}
