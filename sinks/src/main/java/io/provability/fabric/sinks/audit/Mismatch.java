package io.provability.fabric.sinks.audit;

import java.util.List;
import java.util.Objects;

/**
 * One thing an audit found wrong: which object or row, what kind of mismatch, what differs, and the
 * decisions whose evidence it takes away (a broken bundle is one mismatch, not one per decision in it).
 *
 * @param subject  what is wrong: {@code bundle <key>}, {@code decision <id>} (a row) or {@code leaf ...}
 * @param code     the kind of mismatch
 * @param detail   what differs, precisely (values on both sides)
 * @param affected decision ids left without verifiable evidence by this mismatch (sorted)
 */
public record Mismatch(String subject, Code code, String detail, List<String> affected) {

    /** Kinds of mismatch, roughly from the most to the least severe. */
    public enum Code {
        /** A bundle the index records is not in the bucket. */
        BUNDLE_MISSING,
        /** The object cannot be decoded (header, LZ4 frame, JSON). */
        BUNDLE_UNREADABLE,
        /** The object is a self-consistent bundle, but not the one its key and the index name: it was replaced. */
        BUNDLE_REPLACED,
        /** A leaf's recorded hash differs from {@code SHA-256(0x00 || body)}: the leaf body was changed. */
        LEAF_HASH_MISMATCH,
        /** The RFC 6962 root recomputed from the leaves differs from the recorded one (order or content changed). */
        ROOT_MISMATCH,
        /** The key (day, tenant, root) does not match the content, or the body is not canonical. */
        BUNDLE_KEY_MISMATCH,
        /** The signature does not verify over the bundle statement. */
        SIGNATURE_INVALID,
        /** The signing key id is not in the trusted evidence key ring. */
        SIGNATURE_UNTRUSTED_KEY,
        /** The bundle carries no signature. */
        UNSIGNED,
        /** A leaf body does not decode or contradicts its leaf or bundle (ids, session, request hash). */
        LEAF_INVALID,
        /** The object's fields differ from its {@code evidence_bundle} row. */
        INDEX_MISMATCH,
        /** An object in the bucket has no {@code evidence_bundle} row. */
        BUNDLE_NOT_INDEXED,
        /** A DECISION leaf of a verified bundle has no row in {@code decision_log}. */
        ROW_MISSING,
        /** A row differs from the DECISION leaf holding the same decision. */
        ROW_DIFFERS,
        /** A row has no DECISION leaf in any verified bundle, and no failed bundle explains why. */
        ROW_WITHOUT_EVIDENCE,
        /** {@code decision_evidence} points at a leaf that does not hold the decision. */
        EVIDENCE_POINTER_WRONG
    }

    /** Validates and copies. */
    public Mismatch {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(detail, "detail");
        affected = List.copyOf(affected);
    }

    /** @return one line: code, subject, detail, and the number of decisions affected */
    public String render() {
        String tail = affected.isEmpty() ? "" : " [" + affected.size() + " decision(s) left without evidence: "
                + String.join(", ", affected.size() > 5 ? affected.subList(0, 5) : affected)
                + (affected.size() > 5 ? ", ..." : "") + "]";
        return code + " " + subject + ": " + detail + tail;
    }
}
