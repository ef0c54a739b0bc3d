package io.provability.fabric.sinks.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.LeafKind;
import io.provability.fabric.events.Reason;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.schemas.merkle.MerkleTree;
import io.provability.fabric.schemas.merkle.Rfc6962;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventDecodeException;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.BundleRecord;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.DecisionEvidence;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.LoggedDecision;
import io.provability.fabric.sinks.evidence.BundleKeys;
import io.provability.fabric.sinks.evidence.BundleVerification;
import io.provability.fabric.sinks.evidence.BundleVerifier;
import io.provability.fabric.sinks.evidence.StoredBundle;
import java.io.IOException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.specific.SpecificRecord;

/**
 * Re-verifies evidence against the decision log, trusting neither: every stored bundle in scope is
 * read back and checked (format, leaf hashes, RFC 6962 root, key, signature over the bundle statement
 * under the trusted evidence key ring, leaf contents, its {@code evidence_bundle} row), then every
 * decision row is matched, field by field and byte by byte, with the DECISION leaf holding the same
 * decision in a bundle that passed, and every such leaf with its row.
 *
 * <p>Each mismatch is reported once, on the object or row that is wrong: a bundle that fails is one
 * mismatch listing the decisions it leaves without evidence, not one mismatch per decision; the leaves
 * of a failed bundle are never used as evidence. The algorithm is described in {@code docs/audit.md}.
 *
 * <p>Objects are read and checked {@code parallelism} at a time; everything else runs on the caller's
 * thread. Holds no state between calls.
 */
public final class EvidenceAuditor {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Problems of the index alone: the object itself verifies, so its leaves still count as evidence. */
    private static final Set<Mismatch.Code> INDEX_ONLY =
            EnumSet.of(Mismatch.Code.BUNDLE_NOT_INDEXED, Mismatch.Code.INDEX_MISMATCH);

    /** Objects read and checked at once by default. */
    public static final int DEFAULT_PARALLELISM = 8;

    private final AuditSource source;
    private final SignatureCheck signatures;
    private final int parallelism;
    private final EventCodec codec = EventCodec.standard();  // thread-safe

    /**
     * @param source     decision rows, the evidence index and the stored objects
     * @param signatures the trusted evidence key ring
     */
    public EvidenceAuditor(AuditSource source, SignatureCheck signatures) {
        this(source, signatures, DEFAULT_PARALLELISM);
    }

    /**
     * @param source      decision rows, the evidence index and the stored objects (must be thread-safe when
     *                    {@code parallelism > 1})
     * @param signatures  the trusted evidence key ring (thread-safe)
     * @param parallelism objects read and checked at once: S3 answers one GET per round trip, so a few in
     *                    flight keep the audit from waiting on the network
     */
    public EvidenceAuditor(AuditSource source, SignatureCheck signatures, int parallelism) {
        this.source = Objects.requireNonNull(source, "source");
        this.signatures = Objects.requireNonNull(signatures, "signatures");
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, was " + parallelism);
        }
        this.parallelism = parallelism;
    }

    /** Reads and checks objects, {@link #parallelism} at a time; each check is independent of the others. */
    private Map<String, BundleCheck> checkAll(Collection<String> keys, Map<String, BundleRecord> index) {
        Map<String, BundleCheck> out = new TreeMap<>();
        if (keys.isEmpty()) {
            return out;
        }
        if (parallelism == 1 || keys.size() == 1) {
            keys.forEach(k -> out.put(k, check(k, source.readBundle(k), index)));
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, keys.size()), r -> {
            Thread t = new Thread(r, "evidence-audit");
            t.setDaemon(true);
            return t;
        });
        try {
            Map<String, Future<BundleCheck>> futures = new LinkedHashMap<>();
            for (String k : keys) {
                futures.put(k, pool.submit(() -> check(k, source.readBundle(k), index)));
            }
            for (Map.Entry<String, Future<BundleCheck>> f : futures.entrySet()) {
                out.put(f.getKey(), f.getValue().get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("audit interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("checking a bundle failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** A DECISION leaf of a bundle that passed every check. */
    private record DecisionLeaf(String key, int index, byte[] body, Decision decision, String sessionId) {
    }

    /** The result of checking one object. */
    private static final class BundleCheck {
        final String key;
        final StoredBundle bundle;
        final Set<Mismatch.Code> codes = EnumSet.noneOf(Mismatch.Code.class);
        final List<String> problems = new ArrayList<>();
        /** DECISION leaves decoded while checking, by leaf index (decoded once, used again for the rows). */
        final Map<Integer, Decision> decisions = new HashMap<>();
        boolean signatureValid;

        BundleCheck(String key, StoredBundle bundle) {
            this.key = key;
            this.bundle = bundle;
        }

        void fail(Mismatch.Code code, String problem) {
            codes.add(code);
            problems.add(problem);
        }

        boolean passed() {
            return codes.isEmpty();
        }

        /** The leaves can serve as evidence: every check passed except, at most, the index's. */
        boolean usable() {
            return bundle != null && INDEX_ONLY.containsAll(codes);
        }

        Mismatch.Code primary() {
            return codes.iterator().next();
        }
    }

    /**
     * Audits a scope.
     *
     * @param scope a session, a time range or one bundle
     * @return what was read and every mismatch found
     */
    public AuditReport verify(AuditScope scope) {
        long started = System.nanoTime();
        Map<String, List<LoggedDecision>> rows = new LinkedHashMap<>();
        Map<String, BundleRecord> index = new HashMap<>();
        Set<String> keys = new TreeSet<>();

        switch (scope.kind()) {
            case SESSION -> {
                addRows(rows, source.decisionsOfSession(scope.sessionId()));
                addIndex(index, source.bundlesOfSession(scope.sessionId()));
            }
            case TIME_RANGE -> {
                addRows(rows, source.decisionsInRange(scope.from(), scope.to()));
                addIndex(index, source.bundlesInRange(scope.from(), scope.to()));
            }
            case BUNDLE -> {
                keys.add(scope.bundleKey());
                BundleKeys.parse(scope.bundleKey()).ifPresent(k -> {
                    addIndex(index, source.bundlesByRoots(List.of(k.rootHex())));
                    List<String> ids = source.evidenceOfBundles(List.of(k.rootHex())).stream()
                            .map(DecisionEvidence::decisionId).toList();
                    addRows(rows, source.decisionsByIds(ids));
                });
            }
            default -> throw new IllegalArgumentException("unknown scope " + scope);
        }

        Map<String, DecisionEvidence> pointers = new HashMap<>();
        for (DecisionEvidence e : source.evidenceOfDecisions(rows.keySet())) {
            pointers.put(e.decisionId(), e);
        }
        Set<String> unknownRoots = new TreeSet<>();
        for (DecisionEvidence e : pointers.values()) {
            String root = Hex.encode(e.bundleRoot());
            if (!index.containsKey(root)) {
                unknownRoots.add(root);
            }
        }
        addIndex(index, source.bundlesByRoots(unknownRoots));
        index.values().forEach(r -> keys.add(r.objectKey()));
        pointers.values().forEach(e -> keys.add(e.objectKey()));

        // objects in the bucket that the index does not know: listed by day, read only when unindexed
        Set<String> unindexed = scope.kind() == AuditScope.Kind.BUNDLE ? Set.of() : unindexedKeys(scope, rows, index);

        Map<String, BundleCheck> checks = new TreeMap<>(checkAll(keys, index));
        checkAll(unindexed, index).forEach((key, c) -> {
            if (c.bundle == null || inScope(scope, c.bundle)) {
                checks.put(key, c);
            }
        });

        // the DECISION leaves of the bundles that passed
        Map<String, List<DecisionLeaf>> leaves = new HashMap<>();
        long leafCount = 0;
        int bundlesVerified = 0;
        int signaturesValid = 0;
        for (BundleCheck c : checks.values()) {
            if (c.signatureValid) {
                signaturesValid++;
            }
            if (c.passed()) {
                bundlesVerified++;
            }
            if (!c.usable()) {
                continue;
            }
            leafCount += c.bundle.leaves().size();
            for (StoredBundle.Leaf l : c.bundle.leaves()) {
                Decision d = c.decisions.get(l.index());
                if (l.kind() == LeafKind.DECISION && d != null) {
                    leaves.computeIfAbsent(l.decisionId(), id -> new ArrayList<>(1))
                            .add(new DecisionLeaf(c.key, l.index(), l.body(), d, c.bundle.sessionId()));
                }
            }
        }
        Set<String> missingRows = new TreeSet<>(leaves.keySet());
        missingRows.removeAll(rows.keySet());
        if (!missingRows.isEmpty()) {
            List<LoggedDecision> found = source.decisionsByIds(missingRows);
            addRows(rows, found);
            List<String> foundIds = found.stream().map(LoggedDecision::decisionId).toList();
            source.evidenceOfDecisions(foundIds).forEach(e -> pointers.put(e.decisionId(), e));
        }

        List<Mismatch> mismatches = new ArrayList<>();
        // decisions each failed bundle leaves without evidence: by its index pointers, by key
        Map<String, Set<String>> affected = new TreeMap<>();
        Map<String, String> keyByRoot = new HashMap<>();
        for (BundleCheck c : checks.values()) {
            affected.put(c.key, new TreeSet<>());
            if (!c.usable()) {
                BundleKeys.parse(c.key).ifPresent(k -> keyByRoot.put(k.rootHex(), c.key));
            }
        }
        if (!keyByRoot.isEmpty()) {
            for (DecisionEvidence e : source.evidenceOfBundles(keyByRoot.keySet())) {
                if (!leaves.containsKey(e.decisionId())) {
                    affected.get(keyByRoot.get(Hex.encode(e.bundleRoot()))).add(e.decisionId());
                }
            }
        }

        int rowsChecked = 0;
        int rowsMatched = 0;
        for (Map.Entry<String, List<LoggedDecision>> entry : rows.entrySet()) {
            String id = entry.getKey();
            for (LoggedDecision row : entry.getValue()) {
                rowsChecked++;
                List<DecisionLeaf> found = leaves.get(id);
                DecisionEvidence pointer = pointers.get(id);
                if (found == null) {
                    String failedKey = pointer == null ? null : keyByRoot.get(Hex.encode(pointer.bundleRoot()));
                    if (failedKey != null) {
                        affected.get(failedKey).add(id);
                    } else {
                        mismatches.add(new Mismatch(rowSubject(row), Mismatch.Code.ROW_WITHOUT_EVIDENCE,
                                pointer == null
                                        ? "no decision_evidence row, and no DECISION leaf for it in the bundles read"
                                        : "decision_evidence points at leaf " + pointer.leafIndex() + " of "
                                                + pointer.objectKey() + ", which verifies but holds no DECISION leaf"
                                                + " for this decision",
                                List.of()));
                    }
                    continue;
                }
                DecisionLeaf leaf = found.stream().filter(l -> Arrays.equals(l.body(), row.event())).findFirst()
                        .orElse(found.get(0));
                List<String> diffs = compare(row, leaf);
                if (diffs.isEmpty()) {
                    rowsMatched++;
                } else {
                    mismatches.add(new Mismatch(rowSubject(row), Mismatch.Code.ROW_DIFFERS,
                            "differs from its DECISION leaf " + leaf.index() + " of " + leaf.key() + ": "
                                    + String.join("; ", diffs), List.of()));
                }
                pointerProblem(pointer, found, checks).ifPresent(p -> mismatches.add(
                        new Mismatch("decision_evidence " + id, Mismatch.Code.EVIDENCE_POINTER_WRONG, p, List.of())));
            }
        }
        for (List<DecisionLeaf> list : leaves.values()) {
            for (DecisionLeaf leaf : list) {
                if (!rows.containsKey(leaf.decision().getDecisionId())) {
                    Decision d = leaf.decision();
                    mismatches.add(new Mismatch("decision " + d.getDecisionId(), Mismatch.Code.ROW_MISSING,
                            "DECISION leaf " + leaf.index() + " of " + leaf.key() + " (session " + d.getSessionId()
                                    + ", request " + d.getRequestId() + ", verdict " + d.getVerdict()
                                    + ", decided at " + d.getDecidedAt() + ") has no row in decision_log",
                            List.of()));
                }
            }
        }
        for (BundleCheck c : checks.values()) {
            if (!c.passed()) {
                mismatches.add(new Mismatch("bundle " + c.key, c.primary(), String.join("; ", c.problems),
                        List.copyOf(affected.get(c.key))));
            }
        }
        mismatches.sort((a, b) -> {
            int bySubject = a.subject().compareTo(b.subject());
            return bySubject != 0 ? bySubject : a.code().compareTo(b.code());
        });
        return new AuditReport(scope, checks.size(), bundlesVerified, leafCount, signaturesValid, rowsChecked,
                rowsMatched, mismatches, Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * Builds the inclusion proof of one decision's DECISION leaf (and of its REQUEST leaf), after
     * verifying the whole bundle that holds it.
     *
     * @param decisionId the decision
     * @return the proof
     * @throws ProofUnavailableException when the decision has no recorded evidence or its bundle fails
     *                                   verification
     */
    public InclusionProofDocument prove(String decisionId) {
        List<DecisionEvidence> pointers = source.evidenceOfDecisions(List.of(decisionId));
        if (pointers.isEmpty()) {
            throw new ProofUnavailableException("decision " + decisionId + " has no decision_evidence row: it is "
                    + "unknown, or its bundle has not been stored yet");
        }
        DecisionEvidence pointer = pointers.get(0);
        String rootHex = Hex.encode(pointer.bundleRoot());
        Map<String, BundleRecord> index = new HashMap<>();
        addIndex(index, source.bundlesByRoots(List.of(rootHex)));
        BundleCheck c = check(pointer.objectKey(), source.readBundle(pointer.objectKey()), index);
        if (!c.passed()) {
            throw new ProofUnavailableException("the bundle " + pointer.objectKey() + " holding decision "
                    + decisionId + " fails verification (" + c.primary() + "): " + String.join("; ", c.problems));
        }
        StoredBundle b = c.bundle;
        StoredBundle.Leaf decisionLeaf = null;
        StoredBundle.Leaf requestLeaf = null;
        for (StoredBundle.Leaf l : b.leaves()) {
            if (l.decisionId().equals(decisionId) && l.kind() == LeafKind.DECISION && decisionLeaf == null) {
                decisionLeaf = l;
            } else if (l.decisionId().equals(decisionId) && l.kind() == LeafKind.REQUEST && requestLeaf == null) {
                requestLeaf = l;
            }
        }
        if (decisionLeaf == null) {
            throw new ProofUnavailableException("bundle " + pointer.objectKey() + " verifies but holds no DECISION "
                    + "leaf for decision " + decisionId);
        }
        List<byte[]> hashes = new ArrayList<>(b.leaves().size());
        b.leaves().forEach(l -> hashes.add(l.leafHash()));
        MerkleTree tree = MerkleTree.fromLeafHashes(hashes);
        return new InclusionProofDocument(decisionId, decisionLeaf.requestId(), pointer.objectKey(), b.sessionId(),
                b.tenant(), b.windowStart().toEpochMilli(), b.windowEnd().toEpochMilli(), b.leaves().size(), b.root(),
                b.signedStatement(), b.keyId(), b.signature(), proven(tree, decisionLeaf),
                requestLeaf == null ? null : proven(tree, requestLeaf));
    }

    private static InclusionProofDocument.ProvenLeaf proven(MerkleTree tree, StoredBundle.Leaf leaf) {
        return new InclusionProofDocument.ProvenLeaf(leaf.kind().name(), leaf.index(), leaf.body(), leaf.leafHash(),
                tree.inclusionProof(leaf.index()).auditPath());
    }

    /** Keys listed in the bucket for the scope's days whose root the index does not hold. */
    private Set<String> unindexedKeys(AuditScope scope, Map<String, List<LoggedDecision>> rows,
                                      Map<String, BundleRecord> index) {
        Set<LocalDate> days = new TreeSet<>();
        Set<String> tenants = new HashSet<>();
        if (scope.kind() == AuditScope.Kind.TIME_RANGE) {
            LocalDate last = LocalDate.ofInstant(scope.to().minusMillis(1), ZoneOffset.UTC);
            for (LocalDate d = LocalDate.ofInstant(scope.from(), ZoneOffset.UTC).minusDays(1); !d.isAfter(last);
                 d = d.plusDays(1)) {
                days.add(d);
            }
        } else {
            for (List<LoggedDecision> list : rows.values()) {
                for (LoggedDecision r : list) {
                    days.add(r.decidedOn());
                    days.add(r.decidedOn().minusDays(1));
                    tenants.add(r.tenant());
                }
            }
            for (BundleRecord r : index.values()) {
                days.add(LocalDate.ofInstant(r.windowStart(), ZoneOffset.UTC));
                tenants.add(r.tenant());
            }
        }
        Map<String, String> keyByRoot = new TreeMap<>();
        for (LocalDate day : days) {
            for (String key : source.bundleKeys(day)) {
                Optional<BundleKeys.ParsedKey> k = BundleKeys.parse(key);
                if (k.isPresent() && !index.containsKey(k.get().rootHex())
                        && (tenants.isEmpty() || tenants.contains(k.get().tenant()))) {
                    keyByRoot.put(k.get().rootHex(), key);
                }
            }
        }
        if (keyByRoot.isEmpty()) {
            return Set.of();
        }
        for (BundleRecord known : source.bundlesByRoots(keyByRoot.keySet())) {
            keyByRoot.remove(Hex.encode(known.root()));
        }
        return new TreeSet<>(keyByRoot.values());
    }

    private static boolean inScope(AuditScope scope, StoredBundle b) {
        return switch (scope.kind()) {
            case SESSION -> b.sessionId().equals(scope.sessionId());
            case TIME_RANGE -> scope.overlaps(b.windowStart(), b.windowEnd());
            case BUNDLE -> true;
        };
    }

    /** Every check of one object, each failure with its code. */
    private BundleCheck check(String key, Optional<byte[]> object, Map<String, BundleRecord> index) {
        Optional<BundleKeys.ParsedKey> parsedKey = BundleKeys.parse(key);
        BundleRecord recorded = parsedKey.map(k -> index.get(k.rootHex())).orElse(null);
        if (object.isEmpty()) {
            BundleCheck c = new BundleCheck(key, null);
            c.fail(Mismatch.Code.BUNDLE_MISSING, recorded == null
                    ? "no object under this key"
                    : "evidence_bundle records root " + Hex.encode(recorded.root()) + " (session "
                            + recorded.sessionId() + ", tenant " + recorded.tenant() + ", window "
                            + recorded.windowStart() + " .. " + recorded.windowEnd() + ", " + recorded.leafCount()
                            + " leaves) at this key, but the bucket has no such object");
            return c;
        }
        BundleVerification v = BundleVerifier.verify(key, object.get());
        if (v.bundle().isEmpty()) {
            BundleCheck c = new BundleCheck(key, null);
            c.fail(Mismatch.Code.BUNDLE_UNREADABLE, "cannot be decoded: " + String.join("; ", v.problems()));
            return c;
        }
        StoredBundle b = v.bundle().get();
        BundleCheck c = new BundleCheck(key, b);

        List<byte[]> bodies = new ArrayList<>(b.leaves().size());
        boolean leafHashesOk = true;
        for (StoredBundle.Leaf l : b.leaves()) {
            bodies.add(l.body());
            if (!Arrays.equals(Rfc6962.leafHash(l.body()), l.leafHash())) {
                leafHashesOk = false;
            }
        }
        byte[] root = MerkleTree.fromLeaves(bodies).root();
        boolean rootOk = Arrays.equals(root, b.root());
        String objectRoot = Hex.encode(b.root());
        boolean keyNamesRoot = parsedKey.isPresent() && parsedKey.get().rootHex().equals(objectRoot);

        if (rootOk && leafHashesOk && parsedKey.isPresent() && !keyNamesRoot) {
            c.fail(Mismatch.Code.BUNDLE_REPLACED, "the object holds the bundle of session " + b.sessionId()
                    + " (root " + objectRoot + ", " + b.leaves().size() + " leaves, window " + b.windowStart() + " .. "
                    + b.windowEnd() + ")" + (recorded == null
                    ? ", not the bundle with root " + parsedKey.get().rootHex() + " that its key names"
                    : " but evidence_bundle records the bundle of session " + recorded.sessionId() + " (root "
                            + parsedKey.get().rootHex() + ", " + recorded.leafCount() + " leaves) here")
                    + ": the object was replaced");
        }
        if (!leafHashesOk) {
            for (StoredBundle.Leaf l : b.leaves()) {
                byte[] h = Rfc6962.leafHash(l.body());
                if (!Arrays.equals(h, l.leafHash())) {
                    c.fail(Mismatch.Code.LEAF_HASH_MISMATCH, "leaf " + l.index() + " (" + l.kind() + " of decision "
                            + l.decisionId() + "): recorded leaf_hash " + Hex.encode(l.leafHash())
                            + " but SHA-256(0x00 || body) is " + Hex.encode(h));
                }
            }
        }
        if (!rootOk) {
            c.fail(Mismatch.Code.ROOT_MISMATCH, "recorded root " + objectRoot + " but the RFC 6962 root of its "
                    + b.leaves().size() + " leaves in stored order is " + Hex.encode(root)
                    + reorderHint(b, recorded, leafHashesOk));
        }
        for (String p : v.problems()) {
            // leaf-hash and root problems are reported above with their codes; the rest are key/canonical form
            if (!p.startsWith("leaf ") && !p.startsWith("recorded root ")
                    && !(c.codes.contains(Mismatch.Code.BUNDLE_REPLACED) && p.startsWith("key names root"))) {
                c.fail(Mismatch.Code.BUNDLE_KEY_MISMATCH, p);
            }
        }
        byte[] statement = b.signedStatement();
        if (b.signature() == null || b.keyId() == null) {
            c.fail(Mismatch.Code.UNSIGNED, "the bundle carries no signature");
        } else {
            switch (signatures.check(b.keyId(), statement, b.signature())) {
                case VALID -> c.signatureValid = true;
                case UNKNOWN_KEY -> c.fail(Mismatch.Code.SIGNATURE_UNTRUSTED_KEY, "signed with key '" + b.keyId()
                        + "', which is not in the trusted evidence key ring");
                case INVALID -> c.fail(Mismatch.Code.SIGNATURE_INVALID, "the Ed25519 signature by key '" + b.keyId()
                        + "' does not verify over the bundle statement (root, tree size, session, tenant, window)");
                default -> c.fail(Mismatch.Code.SIGNATURE_INVALID, "unknown signature check result");
            }
        }
        checkLeaves(b, c);
        if (!c.codes.contains(Mismatch.Code.BUNDLE_REPLACED)) {
            checkIndex(b, recorded, key, c);
        }
        return c;
    }

    /** Leaf bodies decode as their kind and agree with their leaf, bundle and sibling leaves. */
    private void checkLeaves(StoredBundle b, BundleCheck c) {
        Map<String, byte[]> requestBodies = new HashMap<>();
        Map<String, Decision> decisions = new HashMap<>();
        for (StoredBundle.Leaf l : b.leaves()) {
            String where = "leaf " + l.index() + " (" + l.kind() + " of decision " + l.decisionId() + ")";
            try {
                switch (l.kind()) {
                    case REQUEST -> {
                        SpecificRecord r = codec.decode(l.body());
                        String requestId = ProofChecker.requestIdOf(r);
                        if (requestId == null) {
                            c.fail(Mismatch.Code.LEAF_INVALID, where + ": body is a " + r.getSchema().getName()
                                    + ", not a request");
                        } else if (!requestId.equals(l.requestId())
                                || !b.sessionId().equals(ProofChecker.sessionIdOf(r))) {
                            c.fail(Mismatch.Code.LEAF_INVALID, where + ": body is request " + requestId
                                    + " of session " + ProofChecker.sessionIdOf(r) + ", the leaf names request "
                                    + l.requestId() + " of session " + b.sessionId());
                        }
                        requestBodies.putIfAbsent(l.decisionId(), l.body());
                    }
                    case DECISION -> {
                        Decision d = codec.decode(l.body(), Decision.class);
                        if (!d.getDecisionId().equals(l.decisionId()) || !d.getRequestId().equals(l.requestId())
                                || !d.getSessionId().equals(b.sessionId()) || !d.getTenant().equals(b.tenant())) {
                            c.fail(Mismatch.Code.LEAF_INVALID, where + ": body is decision " + d.getDecisionId()
                                    + " of request " + d.getRequestId() + ", session " + d.getSessionId()
                                    + ", tenant " + d.getTenant() + "; the leaf and bundle name decision "
                                    + l.decisionId() + " of request " + l.requestId() + ", session " + b.sessionId()
                                    + ", tenant " + b.tenant());
                        }
                        decisions.putIfAbsent(l.decisionId(), d);
                        c.decisions.put(l.index(), d);
                    }
                    case RECEIPT, CERTIFICATE -> { }
                    default -> c.fail(Mismatch.Code.LEAF_INVALID, where + ": unknown leaf kind");
                }
            } catch (EventDecodeException e) {
                c.fail(Mismatch.Code.LEAF_INVALID, where + ": body does not decode: " + e.getMessage());
            }
        }
        for (StoredBundle.Leaf l : b.leaves()) {
            Decision d = decisions.get(l.decisionId());
            String where = "leaf " + l.index() + " (" + l.kind() + " of decision " + l.decisionId() + ")";
            if (l.kind() != LeafKind.DECISION && d == null) {
                c.fail(Mismatch.Code.LEAF_INVALID, where + ": the bundle has no DECISION leaf for decision "
                        + l.decisionId() + " (a decision's leaves are always bundled together)");
            } else if (l.kind() != LeafKind.DECISION && !d.getRequestId().equals(l.requestId())) {
                c.fail(Mismatch.Code.LEAF_INVALID, where + ": the leaf names request " + l.requestId()
                        + " but decision " + l.decisionId() + " answers request " + d.getRequestId());
            } else if (l.kind() == LeafKind.REQUEST) {
                byte[] hash = Sha256.digest(l.body());
                byte[] recorded = ProofChecker.bytes(d.getRequestHash());
                if (!Arrays.equals(hash, recorded)) {
                    c.fail(Mismatch.Code.LEAF_INVALID, where + ": SHA-256 of the request is " + Hex.encode(hash)
                            + " but its decision records request_hash " + Hex.encode(recorded));
                }
            } else if (l.kind() == LeafKind.RECEIPT || l.kind() == LeafKind.CERTIFICATE) {
                SpecificRecord expected = l.kind() == LeafKind.RECEIPT ? d.getReceipt() : d.getCertificate();
                if (expected == null || !Arrays.equals(CanonicalEncoding.encode(expected), l.body())) {
                    c.fail(Mismatch.Code.LEAF_INVALID, where + ": body is not the " + l.kind().name().toLowerCase()
                            + " carried by its decision");
                }
            }
        }
    }

    /** The object's fields against its {@code evidence_bundle} row. */
    private static void checkIndex(StoredBundle b, BundleRecord r, String key, BundleCheck c) {
        if (r == null) {
            c.fail(Mismatch.Code.BUNDLE_NOT_INDEXED, "no evidence_bundle row records root " + Hex.encode(b.root())
                    + " (session " + b.sessionId() + ")");
            return;
        }
        List<String> diffs = new ArrayList<>();
        diff(diffs, "object_key", key, r.objectKey());
        diff(diffs, "session_id", b.sessionId(), r.sessionId());
        diff(diffs, "tenant", b.tenant(), r.tenant());
        diff(diffs, "window_start", b.windowStart(), r.windowStart());
        diff(diffs, "window_end", b.windowEnd(), r.windowEnd());
        diff(diffs, "leaf_count", b.leaves().size(), r.leafCount());
        diff(diffs, "created_at", b.createdAt(), r.createdAt());
        if (!diffs.isEmpty()) {
            c.fail(Mismatch.Code.INDEX_MISMATCH, "object and its evidence_bundle row differ: " + String.join("; ", diffs));
        }
    }

    private static void diff(List<String> diffs, String field, Object object, Object row) {
        if (!Objects.equals(object, row)) {
            diffs.add(field + ": object " + object + ", evidence_bundle " + row);
        }
    }

    /** When the root fails but every leaf hash holds, says which leaves moved, using the index's pointers. */
    private String reorderHint(StoredBundle b, BundleRecord recorded, boolean leafHashesOk) {
        if (!leafHashesOk) {
            return "";
        }
        List<String> moved = new ArrayList<>();
        for (DecisionEvidence e : source.evidenceOfBundles(List.of(Hex.encode(b.root())))) {
            int i = e.leafIndex();
            StoredBundle.Leaf at = i < b.leaves().size() ? b.leaves().get(i) : null;
            if (at == null || at.kind() != LeafKind.DECISION || !at.decisionId().equals(e.decisionId())) {
                int now = -1;
                for (StoredBundle.Leaf l : b.leaves()) {
                    if (l.kind() == LeafKind.DECISION && l.decisionId().equals(e.decisionId())) {
                        now = l.index();
                    }
                }
                moved.add("decision " + e.decisionId() + " was recorded at leaf " + i + " and is now at leaf "
                        + (now < 0 ? "(none)" : now));
            }
        }
        String count = recorded != null && recorded.leafCount() == b.leaves().size()
                ? "; every leaf hash holds and the leaf count is unchanged, so leaves were reordered or swapped"
                : "; every leaf hash holds, so leaves were reordered, added or removed";
        return count + (moved.isEmpty() ? "" : " (" + String.join("; ", moved) + ")");
    }

    /** The decision_evidence pointer of a decision with a verified leaf must name that leaf. */
    private static Optional<String> pointerProblem(DecisionEvidence pointer, List<DecisionLeaf> found,
                                                   Map<String, BundleCheck> checks) {
        if (pointer == null) {
            DecisionLeaf l = found.get(0);
            BundleCheck holder = checks.get(l.key());
            if (holder != null && holder.codes.contains(Mismatch.Code.BUNDLE_NOT_INDEXED)) {
                // the bundle's own mismatch says the index never recorded it
                return Optional.empty();
            }
            return Optional.of("no decision_evidence row for decision " + l.decision().getDecisionId()
                    + "; its DECISION leaf is leaf " + l.index() + " of " + l.key());
        }
        for (DecisionLeaf l : found) {
            if (l.key().equals(pointer.objectKey()) && l.index() == pointer.leafIndex()) {
                return Optional.empty();
            }
        }
        BundleCheck target = checks.get(pointer.objectKey());
        if (target != null && !target.usable()) {
            return Optional.empty();
        }
        DecisionLeaf l = found.get(0);
        return Optional.of("points at leaf " + pointer.leafIndex() + " of " + pointer.objectKey()
                + " but the decision's DECISION leaf is leaf " + l.index() + " of " + l.key());
    }

    /** Field-by-field differences of a row from the leaf's decision, then the stored event bytes. */
    private List<String> compare(LoggedDecision row, DecisionLeaf leaf) {
        Decision d = leaf.decision();
        List<String> diffs = new ArrayList<>();
        field(diffs, "decided_on", row.decidedOn(), LocalDate.ofInstant(d.getDecidedAt(), ZoneOffset.UTC));
        field(diffs, "request_id", row.requestId(), d.getRequestId());
        field(diffs, "session_id", row.sessionId(), d.getSessionId());
        field(diffs, "tenant", row.tenant(), d.getTenant());
        field(diffs, "subject_id", row.subjectId(), d.getSubjectId());
        field(diffs, "kind", row.kind(), d.getKind().name());
        field(diffs, "verdict", row.verdict(), d.getVerdict().name());
        List<String> codes = d.getReasons().stream().map(Reason::getCode).toList();
        field(diffs, "reason_codes", row.reasonCodes(), codes);
        field(diffs, "reasons", reasons(row.reasonsJson()), d.getReasons().stream()
                .map(r -> r.getCode() + "/" + r.getStep() + "/" + r.getDetail() + fields(r.getCapability(),
                        r.getResource(), r.getLabel(), r.getReceiptId())).toList());
        field(diffs, "matched_capabilities", row.matchedCapabilities(), d.getMatchedCapabilities());
        field(diffs, "token_id", row.tokenId(), d.getTokenId());
        field(diffs, "policy_version", row.policyVersion(), d.getPolicyVersion());
        field(diffs, "decided_at", row.decidedAt(), d.getDecidedAt());
        field(diffs, "eval_micros", row.evalMicros(), d.getEvalMicros());
        byte[] requestHash = ProofChecker.bytes(d.getRequestHash());
        if (!Arrays.equals(row.requestHash(), requestHash)) {
            diffs.add("request_hash: row " + hex(row.requestHash()) + ", leaf " + Hex.encode(requestHash));
        }
        if (!Arrays.equals(row.event(), leaf.body())) {
            diffs.add("event: row holds " + (row.event() == null ? 0 : row.event().length) + " bytes with SHA-256 "
                    + hex(row.event() == null ? null : Sha256.digest(row.event())) + ", the leaf body "
                    + leaf.body().length + " bytes with SHA-256 " + Hex.encode(Sha256.digest(leaf.body())));
        }
        return diffs;
    }

    private static void field(List<String> diffs, String name, Object row, Object leaf) {
        Object a = row instanceof Collection<?> c ? List.copyOf(c.stream().map(String::valueOf).toList()) : row;
        Object b = leaf instanceof Collection<?> c ? List.copyOf(c.stream().map(String::valueOf).toList()) : leaf;
        if (!Objects.equals(a, b)) {
            diffs.add(name + ": row " + a + ", leaf " + b);
        }
    }

    private static List<String> reasons(String json) {
        List<String> out = new ArrayList<>();
        try {
            JsonNode array = JSON.readTree(json);
            for (JsonNode r : array) {
                JsonNode step = r.get("step");
                out.add(r.path("code").asText() + "/" + (step == null || step.isNull() ? "null" : step.asText()) + "/"
                        + r.path("detail").asText() + fields(text(r, "capability"), text(r, "resource"),
                        text(r, "label"), text(r, "receipt_id")));
            }
        } catch (IOException | RuntimeException e) {
            out.add("unreadable JSON: " + json);
        }
        return out;
    }

    /** The structured fields of a reason that it has, for comparison; empty for rows written before them. */
    private static String fields(String capability, String resource, String label, String receiptId) {
        StringBuilder sb = new StringBuilder();
        if (capability != null) {
            sb.append(" capability=").append(capability);
        }
        if (resource != null) {
            sb.append(" resource=").append(resource);
        }
        if (label != null) {
            sb.append(" label=").append(label);
        }
        if (receiptId != null) {
            sb.append(" receipt_id=").append(receiptId);
        }
        return sb.toString();
    }

    private static String text(JsonNode reason, String field) {
        JsonNode v = reason.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String hex(byte[] bytes) {
        return bytes == null ? "null" : Hex.encode(bytes);
    }

    private static String rowSubject(LoggedDecision row) {
        return "decision " + row.decisionId() + " (row in " + row.partition() + ")";
    }

    private static void addRows(Map<String, List<LoggedDecision>> rows, List<LoggedDecision> found) {
        for (LoggedDecision r : found) {
            rows.computeIfAbsent(r.decisionId(), id -> new ArrayList<>(1)).add(r);
        }
    }

    private static void addIndex(Map<String, BundleRecord> index, List<BundleRecord> found) {
        for (BundleRecord r : found) {
            index.putIfAbsent(Hex.encode(r.root()), r);
        }
    }
}
