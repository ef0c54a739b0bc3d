package io.provability.fabric.sinks.evidence;

/**
 * A bundle handed to the store is not self-consistent (no leaves, or a root that is not the RFC 6962
 * root of its leaves). Such a bundle is never written: its content-addressed key would be a lie.
 * Retrying cannot help; the record belongs in a dead-letter queue.
 */
public final class InvalidBundleException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what is inconsistent */
    public InvalidBundleException(String message) {
        super(message);
    }
}
