package io.provability.fabric.sinks.evidence;

/** A stored evidence object failed re-verification; the message lists every failed check. */
public final class EvidenceVerificationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient BundleVerification result;

    /** @param result the failed verification */
    public EvidenceVerificationException(BundleVerification result) {
        super(result.summary());
        this.result = result;
    }

    /** @return the failed verification */
    public BundleVerification result() {
        return result;
    }
}
