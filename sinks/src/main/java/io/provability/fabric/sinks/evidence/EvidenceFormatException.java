package io.provability.fabric.sinks.evidence;

/**
 * Stored bytes are not a well-formed evidence object (wrong magic, unknown version or flags, a body
 * that does not decompress or parse, a length that does not match). The message says which check failed.
 */
public final class EvidenceFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message which check failed */
    public EvidenceFormatException(String message) {
        super(message);
    }

    /**
     * @param message which check failed
     * @param cause   the underlying parse or decompression error
     */
    public EvidenceFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
