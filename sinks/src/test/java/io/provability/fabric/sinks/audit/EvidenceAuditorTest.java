package io.provability.fabric.sinks.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.LoggedDecision;
import io.provability.fabric.sinks.evidence.BundleKeys;
import io.provability.fabric.sinks.evidence.EvidenceObjectFormat;
import io.provability.fabric.sinks.evidence.StoredBundle;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The auditor over an in-memory copy of what the sinks store: each kind of tampering is reported once,
 * on the object or row that was changed, and nothing else is. The same cases run against the real
 * servers in {@code AuditEndToEndIT}.
 */
class EvidenceAuditorTest {
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    private static final AuditScope ALL = AuditScope.timeRange(T0.minusSeconds(3600), T0.plusSeconds(3600));

    private AuditFixture store;
    private EvidenceAuditor auditor;

    @BeforeEach
    void sixSessions() {
        store = new AuditFixture(Integer.MAX_VALUE);
        for (int s = 0; s < 6; s++) {
            store.addBundle("session-" + s, "tenant-" + (s % 2), T0.plusSeconds(s), 4);
        }
        store.addBundle("session-0", "tenant-0", T0.plusSeconds(30), 3);
        auditor = new EvidenceAuditor(store, store.trusted());
    }

    @Test
    void untouchedEvidenceVerifiesInEveryScope() {
        AuditReport all = auditor.verify(ALL);
        assertThat(all.mismatches()).isEmpty();
        assertThat(all.bundlesRead()).isEqualTo(7);
        assertThat(all.bundlesVerified()).isEqualTo(7);
        assertThat(all.signaturesValid()).isEqualTo(7);
        assertThat(all.rowsChecked()).isEqualTo(27);
        assertThat(all.rowsMatched()).isEqualTo(27);
        assertThat(all.leaves()).isEqualTo(54);
        assertThat(auditor.verify(AuditScope.session("session-0")).rowsMatched()).isEqualTo(7);
        String key = store.keysBySession.get("session-3").get(0);
        AuditReport one = auditor.verify(AuditScope.bundle(key));
        assertThat(one.ok()).isTrue();
        assertThat(one.rowsMatched()).isEqualTo(4);
    }

    @Test
    void everySingleByteFlipInAStoredBundleIsReportedOnThatBundleAlone() {
        String key = store.keysBySession.get("session-1").get(0);
        byte[] original = store.objects.get(key);
        for (int offset = 0; offset < original.length; offset++) {
            byte[] flipped = original.clone();
            flipped[offset] ^= 0x01;
            store.objects.put(key, flipped);
            // the session's scope holds the object and every row it covers; every 50th flip audits everything
            AuditReport r = auditor.verify(offset % 50 == 0 ? ALL : AuditScope.session("session-1"));
            assertThat(r.mismatches()).as("byte %d of %d", offset, original.length).hasSize(1);
            assertThat(r.mismatches().get(0).subject()).isEqualTo("bundle " + key);
        }
        store.objects.put(key, original);
        assertThat(auditor.verify(ALL).ok()).isTrue();
    }

    @Test
    void aFlippedByteInACompressedBundleIsReportedAsUnreadable() {
        AuditFixture compressed = new AuditFixture(64);
        String key = compressed.addBundle("s", "t", T0, 5);
        compressed.addBundle("s", "t", T0.plusSeconds(5), 2);
        byte[] object = compressed.objects.get(key);
        assertThat(EvidenceObjectFormat.header(object).compressed()).isTrue();
        object[object.length / 2] ^= 0x40;
        AuditReport r = new EvidenceAuditor(compressed, compressed.trusted()).verify(AuditScope.session("s"));
        assertThat(r.mismatches()).singleElement().satisfies(m -> {
            assertThat(m.subject()).isEqualTo("bundle " + key);
            assertThat(m.code()).isEqualTo(Mismatch.Code.BUNDLE_UNREADABLE);
            assertThat(m.affected()).hasSize(5);
        });
    }

    @Test
    void aDeletedRowIsReportedAsTheLeafWithoutItsRow() {
        String id = "dec-session-2-9";
        assertThat(store.rows.remove(id)).isNotNull();
        AuditReport r = auditor.verify(ALL);
        assertThat(r.mismatches()).singleElement().satisfies(m -> {
            assertThat(m.code()).isEqualTo(Mismatch.Code.ROW_MISSING);
            assertThat(m.subject()).isEqualTo("decision " + id);
            assertThat(m.detail()).contains("DECISION leaf 3 of " + store.keysBySession.get("session-2").get(0));
        });
        assertThat(auditor.verify(AuditScope.session("session-2")).mismatches()).hasSize(1);
        assertThat(auditor.verify(AuditScope.session("session-1")).ok()).isTrue();
    }

    @Test
    void aChangedVerdictIsReportedOnThatRowWithBothValues() {
        LoggedDecision row = store.rows.get("dec-session-3-12");
        assertThat(row.verdict()).isEqualTo("DENY");
        store.rows.put(row.decisionId(), withVerdict(row, "ALLOW"));
        AuditReport r = auditor.verify(ALL);
        assertThat(r.mismatches()).singleElement().satisfies(m -> {
            assertThat(m.code()).isEqualTo(Mismatch.Code.ROW_DIFFERS);
            assertThat(m.subject()).startsWith("decision dec-session-3-12 (row in decision_log_p20261130)");
            assertThat(m.detail()).endsWith("verdict: row ALLOW, leaf DENY");
        });
    }

    @Test
    void reorderedLeavesAreReportedAsARootMismatchNamingTheMovedDecisions() {
        String key = store.keysBySession.get("session-4").get(0);
        StoredBundle b = EvidenceObjectFormat.decode(store.objects.get(key));
        List<StoredBundle.Leaf> leaves = new ArrayList<>(b.leaves());
        StoredBundle.Leaf one = leaves.get(1);
        StoredBundle.Leaf three = leaves.get(3);
        leaves.set(1, new StoredBundle.Leaf(1, three.kind(), three.decisionId(), three.requestId(), three.leafHash(),
                three.body()));
        leaves.set(3, new StoredBundle.Leaf(3, one.kind(), one.decisionId(), one.requestId(), one.leafHash(),
                one.body()));
        StoredBundle swapped = new StoredBundle(b.sessionId(), b.tenant(), b.windowStart(), b.windowEnd(),
                b.createdAt(), leaves, b.root(), b.keyId(), b.signature());
        store.objects.put(key, EvidenceObjectFormat.encode(swapped.toEvent(), Integer.MAX_VALUE).bytes());

        AuditReport r = auditor.verify(ALL);
        assertThat(r.mismatches()).singleElement().satisfies(m -> {
            assertThat(m.code()).isEqualTo(Mismatch.Code.ROOT_MISMATCH);
            assertThat(m.subject()).isEqualTo("bundle " + key);
            assertThat(m.detail()).contains("leaves were reordered or swapped")
                    .contains("decision " + one.decisionId() + " was recorded at leaf 1 and is now at leaf 3")
                    .contains("decision " + three.decisionId() + " was recorded at leaf 3 and is now at leaf 1");
            assertThat(m.affected()).hasSize(4);
        });
    }

    @Test
    void aRemovedBundleIsReportedOnceWithTheDecisionsItHeld() {
        String key = store.keysBySession.get("session-5").get(0);
        store.objects.remove(key);
        AuditReport r = auditor.verify(ALL);
        assertThat(r.mismatches()).singleElement().satisfies(m -> {
            assertThat(m.code()).isEqualTo(Mismatch.Code.BUNDLE_MISSING);
            assertThat(m.subject()).isEqualTo("bundle " + key);
            assertThat(m.detail()).contains("session session-5");
            assertThat(m.affected()).hasSize(4);
        });
    }

    @Test
    void aBundleReplacedByAValidOneOfAnotherSessionIsReportedAsReplaced() {
        String victim = store.keysBySession.get("session-1").get(0);
        String donor = store.keysBySession.get("session-3").get(0);
        store.objects.put(victim, store.objects.get(donor).clone());
        AuditReport r = auditor.verify(ALL);
        assertThat(r.mismatches()).singleElement().satisfies(m -> {
            assertThat(m.code()).isEqualTo(Mismatch.Code.BUNDLE_REPLACED);
            assertThat(m.subject()).isEqualTo("bundle " + victim);
            assertThat(m.detail()).contains("holds the bundle of session session-3")
                    .contains("evidence_bundle records the bundle of session session-1");
            assertThat(m.affected()).hasSize(4).allMatch(id -> id.startsWith("dec-session-1-"));
        });
        assertThat(auditor.verify(AuditScope.session("session-3")).ok()).isTrue();
    }

    @Test
    void anUntrustedSigningKeyFailsEveryBundle() throws Exception {
        var other = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        AuditReport r = new EvidenceAuditor(store, AuditFixture.signatureCheck(AuditFixture.KEY_ID, other.getPublic()))
                .verify(ALL);
        assertThat(r.mismatches()).hasSize(7).allMatch(m -> m.code() == Mismatch.Code.SIGNATURE_INVALID);
        AuditReport unknown = new EvidenceAuditor(store, AuditFixture.signatureCheck("other", other.getPublic()))
                .verify(ALL);
        assertThat(unknown.mismatches()).hasSize(7).allMatch(m -> m.code() == Mismatch.Code.SIGNATURE_UNTRUSTED_KEY);
    }

    @Test
    void anObjectWithoutIndexRowIsReported() {
        String key = store.keysBySession.get("session-2").get(0);
        store.index.remove(BundleKeys.parse(key).orElseThrow().rootHex());
        store.pointers.values().removeIf(p -> p.objectKey().equals(key));
        AuditReport r = auditor.verify(ALL);
        assertThat(r.mismatches()).singleElement().satisfies(m -> {
            assertThat(m.code()).isEqualTo(Mismatch.Code.BUNDLE_NOT_INDEXED);
            assertThat(m.subject()).isEqualTo("bundle " + key);
        });
        assertThat(r.rowsMatched()).as("its leaves still count as evidence").isEqualTo(27);
    }

    static LoggedDecision withVerdict(LoggedDecision r, String verdict) {
        return new LoggedDecision(r.decidedOn(), r.decisionId(), r.requestId(), r.sessionId(), r.tenant(),
                r.subjectId(), r.kind(), verdict, r.reasonCodes(), r.reasonsJson(), r.matchedCapabilities(),
                r.tokenId(), r.policyVersion(), r.decidedAt(), r.evalMicros(), r.requestHash(), r.event(), r.loggedAt(),
                r.partition());
    }

    static Decision decode(byte[] body) {
        return EventCodec.standard().decode(body, Decision.class);
    }

    static String hex(byte[] b) {
        return Hex.encode(b);
    }
}
