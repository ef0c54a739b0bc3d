package io.provability.fabric.sinks.audit;

/**
 * Checks an Ed25519 signature against a trusted key ring. The audit readers take it as a parameter
 * so this module needs no crypto library of its own; the application passes its {@code KeyRing}.
 */
@FunctionalInterface
public interface SignatureCheck {

    /** What a signature check found. */
    enum Result {
        /** The key id is trusted and the signature verifies over the message. */
        VALID,
        /** The key id is trusted but the signature does not verify. */
        INVALID,
        /** The key id is not in the trusted ring. */
        UNKNOWN_KEY
    }

    /**
     * @param keyId     the key id the signer names
     * @param message   the signed bytes
     * @param signature the signature (64 bytes for Ed25519)
     * @return the result; never throws on malformed input
     */
    Result check(String keyId, byte[] message, byte[] signature);
}
