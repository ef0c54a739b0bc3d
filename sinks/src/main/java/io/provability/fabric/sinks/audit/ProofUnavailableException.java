package io.provability.fabric.sinks.audit;

/**
 * No inclusion proof can be given for a decision: it has no evidence, or the bundle holding it does
 * not verify (a proof out of a broken bundle would prove nothing). The message says which.
 */
public class ProofUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message why
   */
  public ProofUnavailableException(String message) {
    super(message);
  }
}
