package io.provability.fabric.sinks.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.events.LeafKind;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.schemas.evidence.BundleStatement;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.merkle.MerkleTree;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.BundleRecord;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.DecisionEvidence;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.LoggedDecision;
import io.provability.fabric.sinks.evidence.BundleKeys;
import io.provability.fabric.sinks.evidence.EvidenceObjectFormat;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Sessions of decided requests, bundled and signed the way the pipeline does it (REQUEST and DECISION
 * leaf per decision, statement signed with Ed25519), held as an in-memory {@link AuditSource}: rows,
 * index and objects that tests can then tamper with. Signatures use the JDK's Ed25519 so this module
 * needs no crypto dependency.
 */
final class AuditFixture implements AuditSource {
    static final String KEY_ID = "evidence-test-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    final Map<String, LoggedDecision> rows = new LinkedHashMap<>();
    final Map<String, BundleRecord> index = new LinkedHashMap<>();
    final Map<String, DecisionEvidence> pointers = new LinkedHashMap<>();
    final Map<String, byte[]> objects = new LinkedHashMap<>();
    final Map<String, List<String>> keysBySession = new LinkedHashMap<>();
    private final KeyPair keys;
    private final int compressionThreshold;

    AuditFixture(int compressionThreshold) {
        this.compressionThreshold = compressionThreshold;
        try {
            this.keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds one bundle of {@code decisions} decisions to a session, decided from {@code start} on. */
    String addBundle(String session, String tenant, Instant start, int decisions) {
        List<EvidenceLeaf> leaves = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        List<Decision> decided = new ArrayList<>();
        for (int i = 0; i < decisions; i++) {
            int n = rows.size() + i;
            EgressRequest request = EgressRequest.newBuilder().setRequestId(session + "-req-" + n).setSessionId(session)
                    .setRequestedAt(start.plusMillis(i)).setTenant(tenant).setSubjectId("agent-" + (n % 3))
                    .setText("hello " + n).setPolicyId(null).build();
            byte[] requestBody = CanonicalEncoding.encode(request);
            boolean allow = n % 3 != 0;
            Decision d = Decision.newBuilder().setDecisionId("dec-" + session + "-" + n)
                    .setRequestId(request.getRequestId()).setSessionId(session).setTenant(tenant)
                    .setSubjectId(request.getSubjectId()).setKind(RequestKind.EGRESS)
                    .setVerdict(allow ? Verdict.ALLOW : Verdict.DENY)
                    .setReasons(allow ? List.of() : List.of(Reason.newBuilder().setCode("CAP_MISS").setStep(0)
                            .setDetail("token does not grant 'send'").build()))
                    .setMatchedCapabilities(allow ? List.of("send") : List.of()).setTokenId("tok-" + session)
                    .setPolicyVersion(3).setDecidedAt(start.plusMillis(i + 1)).setEvalMicros(40 + n)
                    .setRequestHash(ByteBuffer.wrap(CanonicalEncoding.sha256(request))).build();
            byte[] decisionBody = CanonicalEncoding.encode(d);
            leaves.add(leaf(LeafKind.REQUEST, d, requestBody));
            leaves.add(leaf(LeafKind.DECISION, d, decisionBody));
            bodies.add(requestBody);
            bodies.add(decisionBody);
            decided.add(d);
        }
        byte[] root = MerkleTree.fromLeaves(bodies).root();
        EvidenceBundle unsigned = EvidenceBundle.newBuilder().setSessionId(session).setTenant(tenant)
                .setWindowStart(start).setWindowEnd(start.plusMillis(decisions + 10)).setLeaves(leaves)
                .setRoot(ByteBuffer.wrap(root)).setCreatedAt(start.plusMillis(decisions + 11))
                .setKeyId(null).setSignature(null).build();
        EvidenceBundle bundle = EvidenceBundle.newBuilder(unsigned).setKeyId(KEY_ID)
                .setSignature(ByteBuffer.wrap(sign(keys.getPrivate(), BundleStatement.of(unsigned)))).build();
        String key = BundleKeys.keyFor(start, tenant, root);
        objects.put(key, EvidenceObjectFormat.encode(bundle, compressionThreshold).bytes());
        index.put(Hex.encode(root), new BundleRecord(root, key, session, tenant, bundle.getWindowStart(),
                bundle.getWindowEnd(), leaves.size(), bundle.getCreatedAt(), bundle.getCreatedAt()));
        for (int i = 0; i < decided.size(); i++) {
            Decision d = decided.get(i);
            rows.put(d.getDecisionId(), row(d, CanonicalEncoding.encode(d)));
            pointers.put(d.getDecisionId(), new DecisionEvidence(d.getDecisionId(), root, 2 * i + 1, key));
        }
        keysBySession.computeIfAbsent(session, s -> new ArrayList<>()).add(key);
        return key;
    }

    /** Checks signatures with this fixture's public key under {@link #KEY_ID}. */
    SignatureCheck trusted() {
        return signatureCheck(KEY_ID, keys.getPublic());
    }

    static SignatureCheck signatureCheck(String keyId, PublicKey key) {
        return (id, message, signature) -> {
            if (!keyId.equals(id)) {
                return SignatureCheck.Result.UNKNOWN_KEY;
            }
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initVerify(key);
                s.update(message);
                return s.verify(signature) ? SignatureCheck.Result.VALID : SignatureCheck.Result.INVALID;
            } catch (GeneralSecurityException e) {
                return SignatureCheck.Result.INVALID;
            }
        };
    }

    static byte[] sign(PrivateKey key, byte[] message) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A row as the decision-log sink writes it, with the given verdict column. */
    static LoggedDecision row(Decision d, byte[] event) {
        ArrayNode reasons = JSON.createArrayNode();
        for (Reason r : d.getReasons()) {
            ObjectNode o = reasons.addObject();
            o.put("code", r.getCode());
            if (r.getStep() == null) {
                o.putNull("step");
            } else {
                o.put("step", r.getStep());
            }
            o.put("detail", r.getDetail());
        }
        LocalDate day = LocalDate.ofInstant(d.getDecidedAt(), ZoneOffset.UTC);
        byte[] hash = new byte[d.getRequestHash().remaining()];
        d.getRequestHash().duplicate().get(hash);
        return new LoggedDecision(day, d.getDecisionId(), d.getRequestId(), d.getSessionId(), d.getTenant(),
                d.getSubjectId(), d.getKind().name(), d.getVerdict().name(),
                d.getReasons().stream().map(Reason::getCode).toList(), reasons.toString(),
                List.copyOf(d.getMatchedCapabilities()), d.getTokenId(), d.getPolicyVersion(), d.getDecidedAt(),
                d.getEvalMicros(), hash, event, d.getDecidedAt(), "decision_log_p" + day.toString().replace("-", ""));
    }

    private static EvidenceLeaf leaf(LeafKind kind, Decision d, byte[] body) {
        return EvidenceLeaf.newBuilder().setKind(kind).setDecisionId(d.getDecisionId()).setRequestId(d.getRequestId())
                .setBody(ByteBuffer.wrap(body)).build();
    }

    @Override
    public List<LoggedDecision> decisionsInRange(Instant from, Instant to) {
        return rows.values().stream().filter(r -> !r.decidedAt().isBefore(from) && r.decidedAt().isBefore(to)).toList();
    }

    @Override
    public List<LoggedDecision> decisionsOfSession(String sessionId) {
        return rows.values().stream().filter(r -> r.sessionId().equals(sessionId)).toList();
    }

    @Override
    public List<LoggedDecision> decisionsByIds(Collection<String> decisionIds) {
        Set<String> ids = new HashSet<>(decisionIds);
        return rows.values().stream().filter(r -> ids.contains(r.decisionId())).toList();
    }

    @Override
    public List<BundleRecord> bundlesInRange(Instant from, Instant to) {
        return index.values().stream().filter(b -> b.windowStart().isBefore(to) && !b.windowEnd().isBefore(from))
                .toList();
    }

    @Override
    public List<BundleRecord> bundlesOfSession(String sessionId) {
        return index.values().stream().filter(b -> b.sessionId().equals(sessionId)).toList();
    }

    @Override
    public List<BundleRecord> bundlesByRoots(Collection<String> rootsHex) {
        return rootsHex.stream().map(index::get).filter(java.util.Objects::nonNull).toList();
    }

    @Override
    public List<DecisionEvidence> evidenceOfDecisions(Collection<String> decisionIds) {
        return decisionIds.stream().map(pointers::get).filter(java.util.Objects::nonNull).toList();
    }

    @Override
    public List<DecisionEvidence> evidenceOfBundles(Collection<String> rootsHex) {
        Set<String> roots = new HashSet<>(rootsHex);
        return pointers.values().stream().filter(p -> roots.contains(Hex.encode(p.bundleRoot()))).toList();
    }

    @Override
    public List<String> bundleKeys(LocalDate day) {
        String prefix = BundleKeys.dayPrefix(day);
        return objects.keySet().stream().filter(k -> k.startsWith(prefix)).sorted().toList();
    }

    @Override
    public Optional<byte[]> readBundle(String key) {
        return Optional.ofNullable(objects.get(key)).map(byte[]::clone);
    }
}
