package io.provability.fabric.sinks.decisionlog;

import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.events.LeafKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the warm tier records about one evidence bundle stored in S3: its root, where the object is,
 * and which leaf of it holds each decision.
 *
 * @param root        the bundle's RFC 6962 Merkle root (32 bytes)
 * @param objectKey   the S3 key of the stored bundle
 * @param sessionId   session the bundle covers
 * @param tenant      tenant of the session
 * @param windowStart start of the session window
 * @param windowEnd   end of the session window
 * @param leafCount   number of leaves
 * @param createdAt   when the bundler sealed the bundle
 * @param decisions   one entry per decision id found in the leaves
 */
public record BundleIndexEntry(
        byte[] root,
        String objectKey,
        String sessionId,
        String tenant,
        Instant windowStart,
        Instant windowEnd,
        int leafCount,
        Instant createdAt,
        List<LeafRef> decisions) {

    /**
     * The leaf that holds a decision's evidence.
     *
     * @param decisionId the decision
     * @param leafIndex  zero-based position of its leaf in the bundle
     */
    public record LeafRef(String decisionId, int leafIndex) {
    }

    /** Validates and copies. */
    public BundleIndexEntry {
        Objects.requireNonNull(root, "root");
        if (root.length != 32) {
            throw new IllegalArgumentException("root must be 32 bytes (SHA-256), was " + root.length);
        }
        root = root.clone();
        Objects.requireNonNull(objectKey, "objectKey");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(windowStart, "windowStart");
        Objects.requireNonNull(windowEnd, "windowEnd");
        Objects.requireNonNull(createdAt, "createdAt");
        decisions = List.copyOf(decisions);
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    /**
     * Builds the entry for a bundle stored under {@code objectKey}. A decision usually has several
     * leaves (request, decision, receipt, certificate); the index points at its DECISION leaf, or at its
     * first leaf when the bundle has no DECISION leaf for it.
     *
     * @param bundle    the bundle as published on the evidence topic
     * @param objectKey where the evidence store put it
     * @return the index entry
     */
    public static BundleIndexEntry of(EvidenceBundle bundle, String objectKey) {
        Map<String, Integer> first = new LinkedHashMap<>();
        Map<String, Integer> decisionLeaf = new LinkedHashMap<>();
        List<EvidenceLeaf> leaves = bundle.getLeaves();
        for (int i = 0; i < leaves.size(); i++) {
            EvidenceLeaf leaf = leaves.get(i);
            String id = leaf.getDecisionId();
            if (id == null || id.isEmpty()) {
                continue;
            }
            first.putIfAbsent(id, i);
            if (leaf.getKind() == LeafKind.DECISION) {
                decisionLeaf.putIfAbsent(id, i);
            }
        }
        List<LeafRef> refs = new ArrayList<>(first.size());
        first.forEach((id, index) -> refs.add(new LeafRef(id, decisionLeaf.getOrDefault(id, index))));
        return new BundleIndexEntry(DecisionLogWriter.bytes(bundle.getRoot()), objectKey, bundle.getSessionId(),
                bundle.getTenant(), bundle.getWindowStart(), bundle.getWindowEnd(), leaves.size(),
                bundle.getCreatedAt(), refs);
    }
}
