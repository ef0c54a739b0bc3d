package io.provability.fabric.schemas.tlog;

/**
 * Malformed transparency-log data: a tile path, entry bundle, checkpoint, signed note, key string
 * or proof file that does not follow its format, or a signature that does not verify. The message
 * says what was wrong and, where there is one, names the object (path, key name, line).
 */
public class TlogException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was wrong, in one line
   */
  public TlogException(String message) {
    super(message);
  }
}
