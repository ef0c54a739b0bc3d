package io.provability.fabric.sinks.audit;

/** An inclusion-proof document is not well formed; the message names the field. */
public class ProofFormatException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the field */
    public ProofFormatException(String message) {
        super(message);
    }
}
