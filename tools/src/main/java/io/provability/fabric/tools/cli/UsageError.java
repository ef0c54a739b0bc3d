package io.provability.fabric.tools.cli;

/**
 * A mistake in what the user gave (a missing file, a value out of range, an unknown name): reported
 * as one line naming the input and the fix, exit code 2, never with a stack trace.
 */
public final class UsageError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageError(String message) {
    super(message);
  }
}
