package io.provability.fabric.sinks.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.schemas.hash.Hex;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Proofs from {@link EvidenceAuditor#prove}: JSON round trip, offline check, and what the check refuses. */
class InclusionProofTest {
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    private AuditFixture store;
    private EvidenceAuditor auditor;
    private ProofChecker checker;

    @BeforeEach
    void bundles() {
        store = new AuditFixture(64);
        store.addBundle("session-a", "tenant-a", T0, 7);
        store.addBundle("session-b", "tenant-b", T0.plusSeconds(1), 3);
        auditor = new EvidenceAuditor(store, store.trusted());
        checker = new ProofChecker(store.trusted());
    }

    @Test
    void everyDecisionHasAProofThatRoundTripsThroughJsonAndChecks() {
        for (String id : store.rows.keySet()) {
            InclusionProofDocument proof = auditor.prove(id);
            String json = proof.toJson();
            InclusionProofDocument back = InclusionProofDocument.parse(json);
            assertThat(back).isEqualTo(proof);
            assertThat(back.toJson()).isEqualTo(json);
            assertThat(checker.check(back)).as(id).isEmpty();
            assertThat(back.treeSize()).isEqualTo(id.startsWith("dec-session-a") ? 14 : 6);
            assertThat(back.leaf().index() % 2).isEqualTo(1);
            assertThat(back.requestLeaf().index()).isEqualTo(back.leaf().index() - 1);
        }
    }

    @Test
    void aTamperedAuditPathIsRefused() {
        InclusionProofDocument p = auditor.prove("dec-session-a-4");
        List<byte[]> path = new ArrayList<>(p.leaf().auditPath());
        byte[] first = path.get(0).clone();
        first[5] ^= 0x01;
        path.set(0, first);
        InclusionProofDocument tampered = withLeaf(p, new InclusionProofDocument.ProvenLeaf(p.leaf().kind(),
                p.leaf().index(), p.leaf().body(), p.leaf().leafHash(), path));
        assertThat(checker.check(tampered)).singleElement().asString()
                .startsWith("leaf: audit path does not prove the leaf: inclusion proof for leaf 9 in a tree of size 14 "
                        + "leads to root");
        List<byte[]> shorter = p.leaf().auditPath().subList(0, p.leaf().auditPath().size() - 1);
        assertThat(checker.check(withLeaf(p, new InclusionProofDocument.ProvenLeaf(p.leaf().kind(), p.leaf().index(),
                p.leaf().body(), p.leaf().leafHash(), shorter)))).singleElement().asString().contains("audit path has");
    }

    @Test
    void aWrongRootIsRefusedByThePathTheStatementTheSignatureAndTheKey() {
        InclusionProofDocument p = auditor.prove("dec-session-a-2");
        byte[] root = p.root();
        root[0] ^= 0x01;
        InclusionProofDocument wrong = new InclusionProofDocument(p.decisionId(), p.requestId(), p.bundleKey(),
                p.sessionId(), p.tenant(), p.windowStartMillis(), p.windowEndMillis(), p.treeSize(), root, p.statement(),
                p.keyId(), p.signature(), p.leaf(), p.requestLeaf());
        List<String> problems = checker.check(wrong);
        assertThat(problems).anyMatch(s -> s.startsWith("leaf: audit path does not prove the leaf"))
                .anyMatch(s -> s.startsWith("request_leaf: audit path does not prove the leaf"))
                .anyMatch(s -> s.startsWith("statement does not match"))
                .anyMatch(s -> s.startsWith("signature does not verify"))
                .anyMatch(s -> s.startsWith("bundle_key names root " + Hex.encode(p.root())));
    }

    @Test
    void aWrongSignatureOrAnUntrustedKeyIsRefused() throws Exception {
        InclusionProofDocument p = auditor.prove("dec-session-b-8");
        byte[] sig = p.signature();
        sig[10] ^= 0x01;
        InclusionProofDocument forged = new InclusionProofDocument(p.decisionId(), p.requestId(), p.bundleKey(),
                p.sessionId(), p.tenant(), p.windowStartMillis(), p.windowEndMillis(), p.treeSize(), p.root(),
                p.statement(), p.keyId(), sig, p.leaf(), p.requestLeaf());
        assertThat(checker.check(forged)).containsExactly(
                "signature does not verify under key '" + AuditFixture.KEY_ID + "' over the bundle statement");

        var stranger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        assertThat(new ProofChecker(AuditFixture.signatureCheck(AuditFixture.KEY_ID, stranger.getPublic())).check(p))
                .containsExactly("signature does not verify under key '" + AuditFixture.KEY_ID
                        + "' over the bundle statement");
        assertThat(new ProofChecker(AuditFixture.signatureCheck("someone-else", stranger.getPublic())).check(p))
                .containsExactly("key_id '" + AuditFixture.KEY_ID + "' is not in the trusted evidence key ring");
    }

    @Test
    void aChangedDecisionBodyOrSessionIsRefused() {
        InclusionProofDocument p = auditor.prove("dec-session-a-0");
        byte[] body = p.leaf().body();
        body[body.length - 3] ^= 0x01;
        assertThat(checker.check(withLeaf(p, new InclusionProofDocument.ProvenLeaf("DECISION", p.leaf().index(), body,
                p.leaf().leafHash(), p.leaf().auditPath()))))
                .anyMatch(s -> s.startsWith("leaf: leaf_hash"))
                .anyMatch(s -> s.startsWith("leaf: audit path does not prove the leaf"));
        InclusionProofDocument otherSession = new InclusionProofDocument(p.decisionId(), p.requestId(), p.bundleKey(),
                "session-b", p.tenant(), p.windowStartMillis(), p.windowEndMillis(), p.treeSize(), p.root(),
                p.statement(), p.keyId(), p.signature(), p.leaf(), p.requestLeaf());
        assertThat(checker.check(otherSession))
                .anyMatch(s -> s.startsWith("statement does not match"))
                .anyMatch(s -> s.startsWith("signature does not verify"))
                .anyMatch(s -> s.equals("session_id of the leaf body is 'session-a' but the proof says 'session-b'"));
    }

    @Test
    void malformedDocumentsAreRefusedNamingTheField() {
        String json = auditor.prove("dec-session-a-1").toJson();
        assertThatThrownBy(() -> InclusionProofDocument.parse(json.replace("\"tree_size\"", "\"tree_sise\"")))
                .isInstanceOf(ProofFormatException.class).hasMessageContaining("tree_sise");
        assertThatThrownBy(() -> InclusionProofDocument.parse(json.replaceFirst("\"root\" : \"[0-9a-f]{2}",
                "\"root\" : \"")))
                .isInstanceOf(ProofFormatException.class).hasMessage("field 'root' must be 64 lower-case hex digits");
        assertThatThrownBy(() -> InclusionProofDocument.parse("[]")).isInstanceOf(ProofFormatException.class);
    }

    @Test
    void noProofOutOfABrokenBundle() {
        String key = store.keysBySession.get("session-a").get(0);
        store.objects.get(key)[20] ^= 0x01;
        assertThatThrownBy(() -> auditor.prove("dec-session-a-3")).isInstanceOf(ProofUnavailableException.class)
                .hasMessageContaining(key).hasMessageContaining("BUNDLE_UNREADABLE");
        assertThatThrownBy(() -> auditor.prove("dec-nope")).isInstanceOf(ProofUnavailableException.class)
                .hasMessageContaining("no decision_evidence row");
    }

    private static InclusionProofDocument withLeaf(InclusionProofDocument p, InclusionProofDocument.ProvenLeaf leaf) {
        return new InclusionProofDocument(p.decisionId(), p.requestId(), p.bundleKey(), p.sessionId(), p.tenant(),
                p.windowStartMillis(), p.windowEndMillis(), p.treeSize(), p.root(), p.statement(), p.keyId(),
                p.signature(), leaf, p.requestLeaf());
    }
}
