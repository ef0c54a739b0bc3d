package io.provability.fabric.topology.http;

/**
 * A request the front door refuses, with the HTTP status, the JSON path of the offending field (or
 * null) and a message that says what was expected.
 */
public final class BadRequest extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String path;

  public BadRequest(int status, String path, String message) {
    super(message);
    this.status = status;
    this.path = path;
  }

  public int status() {
    return status;
  }

  /** JSON path of the field at fault ({@code $.steps[0].tool}), or null. */
  public String path() {
    return path;
  }
}
