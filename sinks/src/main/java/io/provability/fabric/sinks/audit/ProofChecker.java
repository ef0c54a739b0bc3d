package io.provability.fabric.sinks.audit;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.schemas.evidence.BundleStatement;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.schemas.merkle.MerkleVerifier;
import io.provability.fabric.schemas.merkle.ProofException;
import io.provability.fabric.schemas.merkle.Rfc6962;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventDecodeException;
import io.provability.fabric.sinks.evidence.BundleKeys;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

/**
 * Verifies an {@link InclusionProofDocument} offline: no network, nothing but the document and the
 * trusted evidence key ring. The steps are those of {@code docs/audit.md}, in the same order; every
 * failed step is reported (a verifier that stopped at the first would hide the rest).
 */
public final class ProofChecker {

    private final SignatureCheck signatures;
    private final EventCodec codec;

    /**
     * @param signatures checks the bundle signature against the trusted evidence key ring
     */
    public ProofChecker(SignatureCheck signatures) {
        this.signatures = signatures;
        this.codec = EventCodec.standard();
    }

    /**
     * @param proof the document
     * @return every failed step, one sentence each; empty when the proof is valid
     */
    public List<String> check(InclusionProofDocument proof) {
        List<String> problems = new ArrayList<>();
        InclusionProofDocument.ProvenLeaf leaf = proof.leaf();
        byte[] root = proof.root();

        // 1. the leaf hash is SHA-256(0x00 || body)
        if (!"DECISION".equals(leaf.kind())) {
            problems.add("leaf_kind is '" + leaf.kind() + "', expected DECISION");
        }
        checkLeafHash(leaf, "leaf", problems);
        // 2. the audit path leads from the leaf hash to the root
        checkPath(leaf, proof.treeSize(), root, "leaf", problems);
        // 3. the statement is rebuilt from root, size, session, tenant and window, and must equal the one given
        byte[] statement = BundleStatement.of(root, proof.treeSize(), proof.sessionId(), proof.tenant(),
                proof.windowStartMillis(), proof.windowEndMillis());
        if (!MessageDigest.isEqual(statement, proof.statement())) {
            problems.add("statement does not match the root, tree_size, session_id, tenant and window of the proof"
                    + " (expected " + statement.length + " bytes with SHA-256 " + Hex.encode(Sha256.digest(statement))
                    + ", got " + proof.statement().length + " bytes with SHA-256 "
                    + Hex.encode(Sha256.digest(proof.statement())) + ")");
        }
        // 4. the signature verifies under a trusted evidence key, over the rebuilt statement
        switch (signatures.check(proof.keyId(), statement, proof.signature())) {
            case VALID -> { }
            case UNKNOWN_KEY -> problems.add("key_id '" + proof.keyId() + "' is not in the trusted evidence key ring");
            case INVALID -> problems.add("signature does not verify under key '" + proof.keyId()
                    + "' over the bundle statement");
            default -> problems.add("unknown signature check result");
        }
        // 5. the bundle key names the root
        Optional<BundleKeys.ParsedKey> key = BundleKeys.parse(proof.bundleKey());
        if (key.isEmpty()) {
            problems.add("bundle_key '" + proof.bundleKey() + "' is not a bundle key");
        } else if (!key.get().rootHex().equals(Hex.encode(root))) {
            problems.add("bundle_key names root " + key.get().rootHex() + " but the proof's root is "
                    + Hex.encode(root));
        }
        // 6. the leaf body is the decision the proof names, of the bundle's session and tenant
        Decision decision = null;
        try {
            decision = codec.decode(leaf.body(), Decision.class);
        } catch (EventDecodeException e) {
            problems.add("leaf_body is not a Decision: " + e.getMessage());
        }
        if (decision != null) {
            same("decision_id", decision.getDecisionId(), proof.decisionId(), problems);
            same("request_id", decision.getRequestId(), proof.requestId(), problems);
            same("session_id", decision.getSessionId(), proof.sessionId(), problems);
            same("tenant", decision.getTenant(), proof.tenant(), problems);
        }
        // 7. the request leaf, when present, is in the same tree and hashes to the decision's request_hash
        InclusionProofDocument.ProvenLeaf request = proof.requestLeaf();
        if (request != null) {
            if (!"REQUEST".equals(request.kind())) {
                problems.add("request_leaf.leaf_kind is '" + request.kind() + "', expected REQUEST");
            }
            checkLeafHash(request, "request_leaf", problems);
            checkPath(request, proof.treeSize(), root, "request_leaf", problems);
            try {
                SpecificRecord r = codec.decode(request.body());
                String requestId = requestIdOf(r);
                if (requestId == null) {
                    problems.add("request_leaf body is a " + r.getSchema().getName() + ", not a request");
                } else {
                    same("request_leaf request_id", requestId, proof.requestId(), problems);
                }
            } catch (EventDecodeException e) {
                problems.add("request_leaf body does not decode: " + e.getMessage());
            }
            if (decision != null) {
                byte[] hash = Sha256.digest(request.body());
                byte[] recorded = bytes(decision.getRequestHash());
                if (!MessageDigest.isEqual(hash, recorded)) {
                    problems.add("SHA-256 of the request leaf body is " + Hex.encode(hash)
                            + " but the decision's request_hash is " + Hex.encode(recorded));
                }
            }
        }
        return problems;
    }

    private static void checkLeafHash(InclusionProofDocument.ProvenLeaf leaf, String name, List<String> problems) {
        byte[] hash = Rfc6962.leafHash(leaf.body());
        if (!MessageDigest.isEqual(hash, leaf.leafHash())) {
            problems.add(name + ": leaf_hash " + Hex.encode(leaf.leafHash()) + " is not SHA-256(0x00 || leaf_body) = "
                    + Hex.encode(hash));
        }
    }

    private static void checkPath(InclusionProofDocument.ProvenLeaf leaf, long treeSize, byte[] root, String name,
                                  List<String> problems) {
        try {
            MerkleVerifier.verifyInclusion(leaf.index(), treeSize, Rfc6962.leafHash(leaf.body()), leaf.auditPath(),
                    root);
        } catch (ProofException e) {
            problems.add(name + ": audit path does not prove the leaf: " + e.getMessage());
        }
    }

    private static void same(String field, String inLeaf, String inProof, List<String> problems) {
        if (!inLeaf.equals(inProof)) {
            problems.add(field + " of the leaf body is '" + inLeaf + "' but the proof says '" + inProof + "'");
        }
    }

    static String requestIdOf(SpecificRecord r) {
        if (r instanceof PlanRequest p) {
            return p.getRequestId();
        }
        if (r instanceof RetrievalRequest q) {
            return q.getRequestId();
        }
        if (r instanceof EgressRequest e) {
            return e.getRequestId();
        }
        return null;
    }

    static String sessionIdOf(SpecificRecord r) {
        if (r instanceof PlanRequest p) {
            return p.getSessionId();
        }
        if (r instanceof RetrievalRequest q) {
            return q.getSessionId();
        }
        if (r instanceof EgressRequest e) {
            return e.getSessionId();
        }
        return null;
    }

    static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }
}
