package io.provability.fabric.sinks.evidence;

/**
 * An S3 operation of the evidence store failed. {@link #retriable()} is true for failures that may
 * pass later (network errors, throttling, 5xx) and false for the rest (access denied, bad request).
 */
public final class EvidenceStoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final boolean retriable;

  /**
   * @param message what was being done
   * @param cause the SDK failure
   * @param retriable whether trying again later may succeed
   */
  public EvidenceStoreException(String message, Throwable cause, boolean retriable) {
    super(message + (cause == null ? "" : ": " + cause.getMessage()), cause);
    this.retriable = retriable;
  }

  /**
   * @return true when the same operation may succeed later
   */
  public boolean retriable() {
    return retriable;
  }
}
