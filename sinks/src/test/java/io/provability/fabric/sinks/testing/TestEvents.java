package io.provability.fabric.sinks.testing;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.events.LeafKind;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.schemas.merkle.MerkleTree;
import io.provability.fabric.schemas.serde.EventCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Deterministic decisions and evidence bundles for tests. */
public final class TestEvents {

    private static final EventCodec CODEC = EventCodec.standard();

    private TestEvents() {
    }

    /**
     * @param i         sequence number (makes the ids)
     * @param decidedAt decision time
     * @return a decision; even numbers ALLOW, odd numbers DENY with two reasons
     */
    public static Decision decision(int i, Instant decidedAt) {
        return decision("tenant-" + (i % 3), "session-" + (i % 10), i, decidedAt);
    }

    /**
     * @param tenant    tenant
     * @param session   session id
     * @param i         sequence number (makes the ids)
     * @param decidedAt decision time
     * @return a decision
     */
    public static Decision decision(String tenant, String session, int i, Instant decidedAt) {
        boolean allow = i % 2 == 0;
        List<Reason> reasons = allow ? List.of() : List.of(
                Reason.newBuilder().setCode("CAP_MISS").setStep(0).setDetail("no capability \"send\"").build(),
                Reason.newBuilder().setCode("RESOURCE_OUT_OF_SCOPE").setStep(null).setDetail("s3://x/{a,b}").build());
        return Decision.newBuilder()
                .setDecisionId("dec-" + i)
                .setRequestId("req-" + i)
                .setSessionId(session)
                .setTenant(tenant)
                .setSubjectId("agent-" + (i % 7))
                .setKind(RequestKind.PLAN)
                .setVerdict(allow ? Verdict.ALLOW : Verdict.DENY)
                .setReasons(reasons)
                .setMatchedCapabilities(allow ? List.of("read:docs") : List.of())
                .setTokenId(i % 5 == 0 ? null : "tok-" + (i % 5))
                .setPolicyVersion(42)
                .setDecidedAt(decidedAt)
                .setEvalMicros(100 + i)
                .setRequestHash(ByteBuffer.wrap(Sha256.digest(("req-" + i).getBytes(StandardCharsets.UTF_8))))
                .build();
    }

    /** @return the decision's single-object bytes */
    public static byte[] encode(Decision d) {
        return CODEC.encode(d);
    }

    /**
     * A bundle whose leaves are the given decisions (one DECISION leaf each), with a correct root.
     *
     * @param session     session id
     * @param tenant      tenant
     * @param windowStart window start
     * @param decisions   the decisions
     * @return the bundle
     */
    public static EvidenceBundle bundle(String session, String tenant, Instant windowStart, List<Decision> decisions) {
        List<EvidenceLeaf> leaves = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        for (Decision d : decisions) {
            byte[] body = CODEC.encode(d);
            bodies.add(body);
            leaves.add(EvidenceLeaf.newBuilder().setKind(LeafKind.DECISION).setDecisionId(d.getDecisionId())
                    .setRequestId(d.getRequestId()).setBody(ByteBuffer.wrap(body)).build());
        }
        return EvidenceBundle.newBuilder()
                .setSessionId(session).setTenant(tenant)
                .setWindowStart(windowStart).setWindowEnd(windowStart.plusSeconds(60))
                .setLeaves(leaves)
                .setRoot(ByteBuffer.wrap(MerkleTree.fromLeaves(bodies).root()))
                .setCreatedAt(windowStart.plusSeconds(61))
                .setKeyId(null).setSignature(null)
                .build();
    }

    /**
     * A bundle with {@code count} decision leaves for one session.
     *
     * @param session     session id
     * @param tenant      tenant
     * @param windowStart window start
     * @param firstId     first decision number
     * @param count       number of leaves
     * @return the bundle
     */
    public static EvidenceBundle bundle(String session, String tenant, Instant windowStart, int firstId, int count) {
        List<Decision> ds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ds.add(decision(tenant, session, firstId + i, windowStart.plusMillis(i)));
        }
        return bundle(session, tenant, windowStart, ds);
    }
}
