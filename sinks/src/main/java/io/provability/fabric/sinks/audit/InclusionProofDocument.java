package io.provability.fabric.sinks.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provability.fabric.schemas.hash.Hex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The inclusion proof of one decision as {@code fabric audit prove} writes it and {@code fabric audit
 * check-proof} reads it: the decision's leaf (its canonical encoding, hash, index and RFC 6962 audit
 * path), the bundle's root and signed statement, and optionally the leaf of the request it answered.
 * Everything a verifier needs besides the trusted public key. Format: {@code docs/audit.md}.
 *
 * <p>Hashes are lower-case hex; bodies, statement and signature are standard base64 with padding.
 *
 * @param decisionId        the decision proven
 * @param requestId         the request it answered
 * @param bundleKey         S3 key of the bundle holding the leaf
 * @param sessionId         the bundle's session (part of the signed statement)
 * @param tenant            the bundle's tenant (part of the signed statement)
 * @param windowStartMillis the bundle's window start, epoch ms (part of the signed statement)
 * @param windowEndMillis   the bundle's window end, epoch ms (part of the signed statement)
 * @param treeSize          leaves in the bundle
 * @param root              the bundle's RFC 6962 root, 32 bytes
 * @param statement         the bytes the signature covers (rebuildable from the fields above)
 * @param keyId             the evidence signing key's id
 * @param signature         Ed25519 signature over {@code statement}, 64 bytes
 * @param leaf              the decision's DECISION leaf and its audit path
 * @param requestLeaf       the REQUEST leaf of the same decision and its audit path, or null
 */
public record InclusionProofDocument(String decisionId, String requestId, String bundleKey, String sessionId,
                                     String tenant, long windowStartMillis, long windowEndMillis, long treeSize,
                                     byte[] root, byte[] statement, String keyId, byte[] signature, ProvenLeaf leaf,
                                     ProvenLeaf requestLeaf) {

    /** Value of the {@code format} field. */
    public static final String FORMAT = "provability-fabric/inclusion-proof";
    /** Value of the {@code version} field. */
    public static final int VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One leaf with its proof.
     *
     * @param kind      leaf kind (DECISION, REQUEST)
     * @param index     zero-based leaf index
     * @param body      the leaf's bytes (canonical Avro single-object encoding of the event)
     * @param leafHash  {@code SHA-256(0x00 || body)} as recorded
     * @param auditPath RFC 6962 audit path, lowest level first, 32 bytes per hash
     */
    public record ProvenLeaf(String kind, long index, byte[] body, byte[] leafHash, List<byte[]> auditPath) {
        /** Copies. */
        public ProvenLeaf {
            Objects.requireNonNull(kind, "kind");
            body = body.clone();
            leafHash = leafHash.clone();
            auditPath = auditPath.stream().map(byte[]::clone).toList();
        }

        @Override
        public byte[] body() {
            return body.clone();
        }

        @Override
        public byte[] leafHash() {
            return leafHash.clone();
        }

        @Override
        public List<byte[]> auditPath() {
            return auditPath.stream().map(byte[]::clone).toList();
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof ProvenLeaf that)) {
                return false;
            }
            if (!kind.equals(that.kind) || index != that.index || !Arrays.equals(body, that.body)
                    || !Arrays.equals(leafHash, that.leafHash) || auditPath.size() != that.auditPath.size()) {
                return false;
            }
            for (int i = 0; i < auditPath.size(); i++) {
                if (!Arrays.equals(auditPath.get(i), that.auditPath.get(i))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return Objects.hash(kind, index, Arrays.hashCode(leafHash));
        }
    }

    /** Checks the required parts and copies the arrays. */
    public InclusionProofDocument {
        Objects.requireNonNull(decisionId, "decisionId");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(bundleKey, "bundleKey");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(tenant, "tenant");
        root = root.clone();
        statement = statement.clone();
        Objects.requireNonNull(keyId, "keyId");
        signature = signature.clone();
        Objects.requireNonNull(leaf, "leaf");
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    @Override
    public byte[] statement() {
        return statement.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InclusionProofDocument that && toJson().equals(that.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    /** @return the JSON document, fields in a fixed order */
    public String toJson() {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("format", FORMAT);
        n.put("version", VERSION);
        n.put("decision_id", decisionId);
        n.put("request_id", requestId);
        n.put("bundle_key", bundleKey);
        n.put("session_id", sessionId);
        n.put("tenant", tenant);
        n.put("window_start_ms", windowStartMillis);
        n.put("window_end_ms", windowEndMillis);
        n.put("tree_size", treeSize);
        n.put("root", Hex.encode(root));
        n.put("statement", b64(statement));
        n.put("key_id", keyId);
        n.put("signature", b64(signature));
        n.put("leaf_kind", leaf.kind());
        n.put("leaf_index", leaf.index());
        n.put("leaf_body", b64(leaf.body()));
        n.put("leaf_hash", Hex.encode(leaf.leafHash()));
        n.set("audit_path", path(leaf.auditPath()));
        if (requestLeaf == null) {
            n.putNull("request_leaf");
        } else {
            ObjectNode r = n.putObject("request_leaf");
            r.put("leaf_kind", requestLeaf.kind());
            r.put("leaf_index", requestLeaf.index());
            r.put("leaf_body", b64(requestLeaf.body()));
            r.put("leaf_hash", Hex.encode(requestLeaf.leafHash()));
            r.set("audit_path", path(requestLeaf.auditPath()));
        }
        try {
            return MAPPER.writeValueAsString(n) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing a proof document failed", e);
        }
    }

    /**
     * Parses a document written by {@link #toJson()}. Strict: every field must be present with its type,
     * hashes must be 64 hex digits; unknown fields are refused so that nothing unchecked rides along.
     *
     * @param json the document
     * @return the proof
     * @throws ProofFormatException naming the first field that is wrong
     */
    public static InclusionProofDocument parse(String json) {
        JsonNode doc;
        try {
            doc = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ProofFormatException("not JSON: " + e.getOriginalMessage());
        }
        if (doc == null || !doc.isObject()) {
            throw new ProofFormatException("the proof must be a JSON object");
        }
        List<String> known = List.of("format", "version", "decision_id", "request_id", "bundle_key", "session_id",
                "tenant", "window_start_ms", "window_end_ms", "tree_size", "root", "statement", "key_id", "signature",
                "leaf_kind", "leaf_index", "leaf_body", "leaf_hash", "audit_path", "request_leaf");
        doc.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                throw new ProofFormatException("unknown field '" + f + "'");
            }
        });
        if (!FORMAT.equals(text(doc, "format"))) {
            throw new ProofFormatException("field 'format' is '" + text(doc, "format") + "', expected '" + FORMAT + "'");
        }
        if (number(doc, "version") != VERSION) {
            throw new ProofFormatException("field 'version' is " + doc.get("version") + ", expected " + VERSION);
        }
        ProvenLeaf leaf = new ProvenLeaf(text(doc, "leaf_kind"), number(doc, "leaf_index"), base64(doc, "leaf_body"),
                hash(doc, "leaf_hash"), hashes(doc, "audit_path"));
        ProvenLeaf requestLeaf = null;
        JsonNode r = doc.get("request_leaf");
        if (r == null) {
            throw new ProofFormatException("field 'request_leaf' is missing (null when there is none)");
        }
        if (!r.isNull()) {
            if (!r.isObject()) {
                throw new ProofFormatException("field 'request_leaf' must be an object or null");
            }
            requestLeaf = new ProvenLeaf(text(r, "leaf_kind"), number(r, "leaf_index"), base64(r, "leaf_body"),
                    hash(r, "leaf_hash"), hashes(r, "audit_path"));
        }
        return new InclusionProofDocument(text(doc, "decision_id"), text(doc, "request_id"), text(doc, "bundle_key"),
                text(doc, "session_id"), text(doc, "tenant"), number(doc, "window_start_ms"),
                number(doc, "window_end_ms"), number(doc, "tree_size"), hash(doc, "root"), base64(doc, "statement"),
                text(doc, "key_id"), base64(doc, "signature"), leaf, requestLeaf);
    }

    private static ArrayNode path(List<byte[]> hashes) {
        ArrayNode a = MAPPER.createArrayNode();
        hashes.forEach(h -> a.add(Hex.encode(h)));
        return a;
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.getNodeType() != JsonNodeType.STRING) {
            throw new ProofFormatException("field '" + field + "' is missing or not a string");
        }
        return v.textValue();
    }

    private static long number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new ProofFormatException("field '" + field + "' is missing or not an integer");
        }
        return v.longValue();
    }

    private static byte[] base64(JsonNode n, String field) {
        try {
            return Base64.getDecoder().decode(text(n, field));
        } catch (IllegalArgumentException e) {
            throw new ProofFormatException("field '" + field + "' is not base64: " + e.getMessage());
        }
    }

    private static byte[] hash(JsonNode n, String field) {
        return hashText(text(n, field), "field '" + field + "'");
    }

    private static byte[] hashText(String s, String where) {
        if (s.length() != 64 || !s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new ProofFormatException(where + " must be 64 lower-case hex digits");
        }
        return Hex.decode(s);
    }

    private static List<byte[]> hashes(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isArray()) {
            throw new ProofFormatException("field '" + field + "' is missing or not an array");
        }
        List<byte[]> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode h = v.get(i);
            if (!h.isTextual()) {
                throw new ProofFormatException(field + "[" + i + "] is not a string");
            }
            out.add(hashText(h.textValue(), field + "[" + i + "]"));
        }
        return out;
    }
}
