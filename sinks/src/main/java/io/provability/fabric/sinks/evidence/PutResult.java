package io.provability.fabric.sinks.evidence;

/**
 * What {@link EvidenceStore#put} did with one bundle.
 *
 * @param key         the content-addressed object key
 * @param rootHex     the bundle's root, hex
 * @param outcome     written, or found already present
 * @param objectBytes bytes uploaded (0 when nothing was uploaded)
 * @param compressed  whether the uploaded body was LZ4-compressed (false when nothing was uploaded)
 */
public record PutResult(String key, String rootHex, Outcome outcome, int objectBytes, boolean compressed) {

    /** How the put ended; only {@link #WRITTEN} created an object. */
    public enum Outcome {
        /** A new object was written. */
        WRITTEN,
        /** A HEAD found the key: the PUT was skipped (a retry or replay). */
        ALREADY_PRESENT,
        /** The conditional PUT (If-None-Match: *) got 412: another writer stored it first. */
        PRECONDITION_FAILED
    }

    /** @return true when the object already existed (counted as a dedup, not an error) */
    public boolean deduplicated() {
        return outcome != Outcome.WRITTEN;
    }
}
