package io.provability.fabric.schemas.merkle;

/**
 * A Merkle proof is malformed (wrong sizes, wrong number of hashes, an index outside the tree) or
 * does not lead to the expected root. The message says which.
 */
public class ProofException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was wrong with the proof
   */
  public ProofException(String message) {
    super(message);
  }
}
