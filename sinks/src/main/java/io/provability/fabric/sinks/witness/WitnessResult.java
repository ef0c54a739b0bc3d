package io.provability.fabric.sinks.witness;

/**
 * What one witness round did for one log.
 *
 * @param origin the log's origin
 * @param outcome what happened
 * @param oldSize the size the witness had cosigned before (0 if none)
 * @param newSize the size of the checkpoint it read (-1 if none could be read)
 * @param message one line for the operator, naming the reason of a failure
 */
public record WitnessResult(
    String origin, Outcome outcome, long oldSize, long newSize, String message) {

  /** The possible outcomes; {@link #isFailure()} marks those a witness must shout about. */
  public enum Outcome {
    /** A larger, consistent checkpoint was cosigned and published. */
    COSIGNED(false),
    /** The checkpoint is the one already cosigned. */
    UNCHANGED(false),
    /** The log has published no checkpoint yet (and none was cosigned before). */
    NO_CHECKPOINT(false),
    /** The checkpoint's size is below the size already cosigned. */
    ROLLBACK(true),
    /** Same size, different root, or no consistency with the cosigned checkpoint: a split view. */
    FORK(true),
    /** The checkpoint is malformed, has the wrong origin, or no valid signature by a log key. */
    BAD_CHECKPOINT(true),
    /**
     * The tiles needed for the consistency proof cannot be read (missing, truncated, malformed).
     */
    UNPROVABLE(true),
    /** The checkpoint a witness cosigned before is gone. */
    CHECKPOINT_MISSING(true),
    /** The storage could not be read or written (network, credentials); retried next round. */
    UNREACHABLE(true);

    private final boolean failure;

    Outcome(boolean failure) {
      this.failure = failure;
    }

    /**
     * @return true if the witness refused to cosign because the log misbehaved or is unreadable
     */
    public boolean isFailure() {
      return failure;
    }
  }

  /**
   * @return true if this round found the log misbehaving or unreadable
   */
  public boolean isFailure() {
    return outcome.isFailure();
  }

  @Override
  public String toString() {
    return outcome + " " + origin + ": " + message;
  }
}
