package io.provability.fabric.sinks.evidence;

import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.events.LeafKind;
import io.provability.fabric.schemas.evidence.BundleStatement;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An evidence bundle as it is stored in S3: what the bundler published plus each leaf's hash as
 * recorded at write time. Produced by {@link EvidenceObjectFormat#decode(byte[])}; it is not verified
 * by being decoded (see {@link BundleVerifier}).
 *
 * @param sessionId   session the bundle covers
 * @param tenant      tenant of the session
 * @param windowStart window start (millisecond precision)
 * @param windowEnd   window end
 * @param createdAt   when the bundler sealed the bundle
 * @param leaves      leaves in tree order
 * @param root        recorded RFC 6962 root (32 bytes)
 * @param keyId       signing key id, if the bundle was signed
 * @param signature   Ed25519 signature over {@link #signedStatement()}, if signed
 */
public record StoredBundle(
        String sessionId,
        String tenant,
        Instant windowStart,
        Instant windowEnd,
        Instant createdAt,
        List<Leaf> leaves,
        byte[] root,
        String keyId,
        byte[] signature) {

    /**
     * One stored leaf.
     *
     * @param index      position in the tree
     * @param kind       what the body holds
     * @param decisionId decision the leaf belongs to
     * @param requestId  request the leaf belongs to
     * @param leafHash   recorded {@code SHA-256(0x00 || body)}
     * @param body       the leaf's bytes (canonical single-object encoding of an event)
     */
    public record Leaf(int index, LeafKind kind, String decisionId, String requestId, byte[] leafHash, byte[] body) {
        /** Required parts. */
        public Leaf {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(decisionId, "decisionId");
            Objects.requireNonNull(requestId, "requestId");
            Objects.requireNonNull(leafHash, "leafHash");
            Objects.requireNonNull(body, "body");
        }
    }

    /** Required parts; leaves copied. */
    public StoredBundle {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(windowStart, "windowStart");
        Objects.requireNonNull(windowEnd, "windowEnd");
        Objects.requireNonNull(createdAt, "createdAt");
        leaves = List.copyOf(leaves);
        Objects.requireNonNull(root, "root");
    }

    /**
     * The bytes the bundler's signature covers ({@link BundleStatement}): the root bound to the tree
     * size, session, tenant and window. An auditor verifies {@link #signature()} over these with the
     * public key named by {@link #keyId()}.
     *
     * @return the signed statement of this bundle
     */
    public byte[] signedStatement() {
        return BundleStatement.of(root.clone(), leaves.size(), sessionId, tenant, windowStart.toEpochMilli(),
                windowEnd.toEpochMilli());
    }

    /** @return the bundle as the Avro event it was published as */
    public EvidenceBundle toEvent() {
        List<EvidenceLeaf> out = new ArrayList<>(leaves.size());
        for (Leaf l : leaves) {
            out.add(EvidenceLeaf.newBuilder().setKind(l.kind()).setDecisionId(l.decisionId())
                    .setRequestId(l.requestId()).setBody(ByteBuffer.wrap(l.body().clone())).build());
        }
        return EvidenceBundle.newBuilder()
                .setSessionId(sessionId).setTenant(tenant)
                .setWindowStart(windowStart).setWindowEnd(windowEnd)
                .setLeaves(out).setRoot(ByteBuffer.wrap(root.clone()))
                .setCreatedAt(createdAt).setKeyId(keyId)
                .setSignature(signature == null ? null : ByteBuffer.wrap(signature.clone()))
                .build();
    }
}
