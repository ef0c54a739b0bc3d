package io.provability.fabric.tests.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.events.LeafKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.Reason;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.decide.RequestDecider;
import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.schemas.evidence.BundleStatement;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.merkle.MerkleTree;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.sinks.audit.AuditReport;
import io.provability.fabric.sinks.audit.AuditScope;
import io.provability.fabric.sinks.audit.AuditSource;
import io.provability.fabric.sinks.audit.EvidenceAuditor;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.BundleRecord;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.DecisionEvidence;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.LoggedDecision;
import io.provability.fabric.sinks.evidence.BundleKeys;
import io.provability.fabric.sinks.evidence.BundleVerifier;
import io.provability.fabric.sinks.evidence.EvidenceObjectFormat;
import io.provability.fabric.topology.FabricTopology;
import io.provability.fabric.topology.audit.AuditConnections;
import io.provability.fabric.topology.demo.SyntheticTraffic;
import io.provability.fabric.topology.replay.PolicySnapshot;
import io.provability.fabric.topology.replay.ReplayReport;
import io.provability.fabric.topology.replay.Replayer;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Audit throughput, as a program (not a test): decisions replayed per second and bundles verified per
 * second, each next to the raw component measured in the same run.
 *
 * <p>Replay: {@code N} synthetic plans are decided once (the "recording", kept as canonical encodings,
 * the form they have on Kafka, in the decision log and in bundle leaves), then replayed in chunks from
 * that in-memory bulk source: decode the recorded Decision, decode the request, check its hash, re-decide
 * with the recorded time, compare. Raw component: the decider alone on already-decoded requests.
 *
 * <p>Verify: the same decisions bundled as the pipeline bundles them (REQUEST + DECISION leaves, signed
 * statement, LZ4 objects), audited by {@link EvidenceAuditor} from an in-memory {@link AuditSource}
 * (no S3 or PostgreSQL round trips). Raw components: {@link BundleVerifier} alone (format, hashes, root)
 * and Ed25519 signature verification alone.
 *
 * <pre>
 * java -cp … io.provability.fabric.tests.bench.AuditBenchmark [decisions=1000000] [sessions=5000] [bundles=10000]
 *     [stack [bundles on the stack=2000]]
 * </pre>
 */
public final class AuditBenchmark {
    private static final int CHUNK = 100_000;

    private AuditBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int decisions = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        int bundles = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        Instant now = Instant.parse("2026-12-01T09:00:00Z");
        Ed25519.SigningKey issuer = Ed25519.SigningKey.fromSeed("bench-issuer", new byte[32]);
        KeyRing ring = KeyRing.empty().with(issuer.keyId(), issuer.publicKey());
        Ed25519.SigningKey evidenceKey = Ed25519.SigningKey.generate("bench-evidence", new SecureRandom());
        FabricTopology.Settings settings = new FabricTopology.Settings(
                new FabricTopology.Topics("r", "d", "e", "dl", "p"), Duration.ofHours(1));
        // the recording's decider keeps its token cache across chunks, like a long-running instance
        RequestDecider recorder = FabricTopology.decider(settings, new FabricTopology.Keys(ring));
        SyntheticTraffic traffic = new SyntheticTraffic("bench-", issuer, 8, sessions, now, 99L);
        EventCodec codec = EventCodec.standard();
        System.out.printf("audit benchmark: %,d decisions over %,d sessions, %d cores, max heap %d MiB, java %s%n",
                decisions, sessions, Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));

        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long rawNanos = 0;
        long replayNanos = 0;
        long rawCpu = 0;
        long replayCpu = 0;
        long replayed = 0;
        long differences = 0;
        List<byte[]> keepRequests = new ArrayList<>();
        List<byte[]> keepDecisions = new ArrayList<>();
        for (int done = 0; done < decisions; done += CHUNK) {
            int n = Math.min(CHUNK, decisions - done);
            List<PlanRequest> plans = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                plans.add(traffic.next().request());
            }
            PolicySnapshot policy = policyOf(traffic, codec);
            // the recording: what the pipeline stored, as canonical bytes
            Map<String, byte[]> requestBytes = new HashMap<>(n * 2);
            List<byte[]> decisionBytes = new ArrayList<>(n);
            var view = policy.view();
            for (int i = 0; i < n; i++) {
                PlanRequest p = plans.get(i);
                Decision d = recorder.decide(p, view, s -> PrivacySpend.ZERO, now.plusMillis(done + i)).decision();
                decisionBytes.add(CanonicalEncoding.encode(d));
            }
            // the raw component: a fresh decider (cold token cache, as replay's) on the decoded requests
            RequestDecider raw = FabricTopology.decider(settings, new FabricTopology.Keys(ring));
            var rawView = policy.view();
            long t0 = System.nanoTime();
            long c0 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                raw.decide(plans.get(i), rawView, s -> PrivacySpend.ZERO, now.plusMillis(done + i));
            }
            rawNanos += System.nanoTime() - t0;
            rawCpu += cpu.getCurrentThreadCpuTime() - c0;
            for (PlanRequest p : plans) {
                requestBytes.put(p.getRequestId(), CanonicalEncoding.encode(p));
            }
            if (keepDecisions.size() < bundles * 16L) {
                for (int i = 0; i < n && keepDecisions.size() < bundles * 16L; i++) {
                    keepRequests.add(requestBytes.get(plans.get(i).getRequestId()));
                    keepDecisions.add(decisionBytes.get(i));
                }
            }
            plans = null;
            System.gc();

            // the replay: from the bulk source, with a decider built afresh as `fabric replay` builds it
            RequestDecider decider = FabricTopology.decider(settings, new FabricTopology.Keys(ring));
            long t1 = System.nanoTime();
            long c1 = cpu.getCurrentThreadCpuTime();
            List<Decision> recorded = new ArrayList<>(n);
            for (byte[] b : decisionBytes) {
                recorded.add(codec.decode(b, Decision.class));
            }
            ReplayReport report = new Replayer(decider).replay(now, now.plusSeconds(3600), recorded,
                    id -> new Replayer.Found(codec.decode(requestBytes.get(id)), "kafka"), policy.view(),
                    policy.description(), r -> { });
            replayNanos += System.nanoTime() - t1;
            replayCpu += cpu.getCurrentThreadCpuTime() - c1;
            System.out.printf("  chunk %,d: replayed %,d in %.1f s wall, %.1f s CPU%n", done / CHUNK + 1,
                    report.replayed(), (System.nanoTime() - t1) / 1e9, (cpu.getCurrentThreadCpuTime() - c1) / 1e9);
            replayed += report.replayed();
            differences += report.different() + report.unavailable();
        }
        double rawRate = decisions / (rawNanos / 1e9);
        double replayRate = replayed / (replayNanos / 1e9);
        System.out.printf("decide alone (raw deciders, decoded requests, fresh token cache per chunk) %,10.0f decisions/s"
                + " wall, %,10.0f per CPU-second of the thread%n", rawRate, decisions / (rawCpu / 1e9));
        System.out.printf("replay (decode + hash check + decide + compare) %,10.0f decisions/s wall = %.2f x raw,"
                        + " %,10.0f per CPU-second; %,d replayed in %.1f s wall (%.1f s CPU), %d differences%n",
                replayRate, replayRate / rawRate, replayed / (replayCpu / 1e9), replayed, replayNanos / 1e9,
                replayCpu / 1e9, differences);

        InMemory store = benchVerify(keepRequests, keepDecisions, evidenceKey, codec);
        if (args.length > 3 && args[3].equals("stack")) {
            benchVerifyOnStack(store, evidenceKey, args.length > 4 ? Integer.parseInt(args[4]) : 2_000);
        }
    }

    /**
     * The same audit against real servers: the first {@code count} bundles and their rows stored in S3Proxy
     * and PostgreSQL of an embedded stack (as the sinks store them), then audited through
     * {@link StoreAuditSource}; raw component: the same objects fetched with one GET each, nothing else.
     */
    private static void benchVerifyOnStack(InMemory memory, Ed25519.SigningKey key, int count) throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("audit-bench-stack-");
        try (io.provability.fabric.topology.embedded.EmbeddedStack stack =
                     io.provability.fabric.topology.embedded.EmbeddedStack.start(dir)) {
            var ep = stack.endpoints();
            java.time.Clock day = java.time.Clock.fixed(Instant.parse("2026-12-01T12:00:00Z"), ZoneOffset.UTC);
            try (var log = io.provability.fabric.sinks.decisionlog.DecisionLog.open(
                    io.provability.fabric.sinks.decisionlog.DecisionLogConfig.builder().jdbcUrl(ep.jdbcUrl())
                            .user(ep.jdbcUser()).password(ep.jdbcPassword()).maintenanceInterval(Duration.ZERO)
                            .build(), day);
                 var s3 = io.provability.fabric.sinks.evidence.EvidenceStore.open(
                         io.provability.fabric.sinks.evidence.EvidenceStoreConfig.builder().endpoint(ep.s3Endpoint())
                                 .region(ep.s3Region()).bucket("audit-bench").accessKey(ep.s3AccessKey())
                                 .secretKey(ep.s3SecretKey()).pathStyle(true).build())) {
                List<io.provability.fabric.sinks.decisionlog.DecisionLogWriter.EncodedDecision> rows = new ArrayList<>();
                List<io.provability.fabric.sinks.decisionlog.BundleIndexEntry> entries = new ArrayList<>();
                EventCodec codec = EventCodec.standard();
                int n = 0;
                long t0 = System.nanoTime();
                for (Map.Entry<String, EvidenceBundle> e : memory.bundles.entrySet()) {
                    if (n++ == count) {
                        break;
                    }
                    var put = s3.put(e.getValue());
                    entries.add(io.provability.fabric.sinks.decisionlog.BundleIndexEntry.of(e.getValue(), put.key()));
                    for (EvidenceLeaf l : e.getValue().getLeaves()) {
                        if (l.getKind() == LeafKind.DECISION) {
                            byte[] body = new byte[l.getBody().remaining()];
                            l.getBody().duplicate().get(body);
                            rows.add(new io.provability.fabric.sinks.decisionlog.DecisionLogWriter.EncodedDecision(
                                    codec.decode(body, Decision.class), body));
                        }
                    }
                }
                log.writer().writeEncoded(rows);
                log.evidenceIndex().record(entries);
                System.out.printf("on the embedded stack (S3Proxy + PostgreSQL in this JVM): stored %,d bundles and %,d"
                        + " rows in %.1f s%n", entries.size(), rows.size(), (System.nanoTime() - t0) / 1e9);
                var check = AuditConnections.signatureCheck(KeyRing.empty().with(key.keyId(), key.publicKey()));
                var source = new io.provability.fabric.sinks.audit.StoreAuditSource(log.dataSource(), s3);
                AuditScope all = AuditScope.timeRange(Instant.parse("2026-12-01T00:00:00Z"),
                        Instant.parse("2026-12-02T00:00:00Z"));
                new EvidenceAuditor(source, check).verify(AuditScope.bundle(entries.get(0).objectKey()));
                for (int parallelism : new int[] {1, EvidenceAuditor.DEFAULT_PARALLELISM}) {
                    long t1 = System.nanoTime();
                    AuditReport r = new EvidenceAuditor(source, check, parallelism).verify(all);
                    double sec = (System.nanoTime() - t1) / 1e9;
                    System.out.printf("audit verify, %d object(s) in flight: %,d bundles, %,d rows, %d mismatches in"
                                    + " %.1f s = %,.0f bundles/s, %,.0f rows/s%n", parallelism, r.bundlesRead(),
                            r.rowsChecked(), r.mismatches().size(), sec, r.bundlesRead() / sec, r.rowsChecked() / sec);
                }
                long t2 = System.nanoTime();
                for (var e : entries) {
                    s3.readRaw(e.objectKey());
                }
                double getSec = (System.nanoTime() - t2) / 1e9;
                System.out.printf("S3 GET alone, one at a time: %,.0f objects/s%n", entries.size() / getSec);
            }
        } finally {
            try (var paths = java.nio.file.Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static PolicySnapshot policyOf(SyntheticTraffic traffic, EventCodec codec) {
        Map<String, byte[]> state = new HashMap<>();
        traffic.revocations().forEach((id, r) -> state.put(
                io.provability.fabric.processors.stream.PolicyStateKeys.revocation(id), codec.encode(r)));
        return new PolicySnapshot(state, "synthetic revocations");
    }

    /** Bundles of 16 decisions (32 leaves) from the recorded bytes, audited from memory. */
    private static InMemory benchVerify(List<byte[]> requests, List<byte[]> decisions, Ed25519.SigningKey key,
                                    EventCodec codec) {
        InMemory store = new InMemory();
        int perBundle = 16;
        int made = 0;
        Map<String, List<Integer>> bySession = new LinkedHashMap<>();
        for (int i = 0; i < decisions.size(); i++) {
            Decision d = codec.decode(decisions.get(i), Decision.class);
            bySession.computeIfAbsent(d.getSessionId(), s -> new ArrayList<>()).add(i);
        }
        for (List<Integer> idx : bySession.values()) {
            for (int from = 0; from < idx.size(); from += perBundle) {
                store.add(idx.subList(from, Math.min(idx.size(), from + perBundle)), requests, decisions, key, codec,
                        made++);
            }
        }
        var check = AuditConnections.signatureCheck(KeyRing.empty().with(key.keyId(), key.publicKey()));
        EvidenceAuditor auditor = new EvidenceAuditor(store, check, 1);
        // warm-up on the first second of windows, then the measured run over everything
        auditor.verify(AuditScope.timeRange(Instant.parse("2026-12-01T09:00:00Z"),
                Instant.parse("2026-12-01T09:00:01Z")));
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = cpu.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        AuditReport r = auditor.verify(AuditScope.timeRange(Instant.parse("2026-12-01T00:00:00Z"),
                Instant.parse("2026-12-02T00:00:00Z")));
        double auditSeconds = (System.nanoTime() - t0) / 1e9;
        double auditCpu = (cpu.getCurrentThreadCpuTime() - c0) / 1e9;

        long tp = System.nanoTime();
        AuditReport parallel = new EvidenceAuditor(store, check).verify(AuditScope.timeRange(
                Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2026-12-02T00:00:00Z")));
        double parallelSeconds = (System.nanoTime() - tp) / 1e9;
        long t1 = System.nanoTime();
        for (Map.Entry<String, byte[]> o : store.objects.entrySet()) {
            if (!BundleVerifier.verify(o.getKey(), o.getValue()).ok()) {
                throw new IllegalStateException("bundle does not verify: " + o.getKey());
            }
        }
        double rawSeconds = (System.nanoTime() - t1) / 1e9;
        long t2 = System.nanoTime();
        for (Map.Entry<String, byte[]> s : store.statements.entrySet()) {
            if (check.check(key.keyId(), s.getValue(), store.signatures.get(s.getKey()))
                    != io.provability.fabric.sinks.audit.SignatureCheck.Result.VALID) {
                throw new IllegalStateException("signature");
            }
        }
        double sigSeconds = (System.nanoTime() - t2) / 1e9;
        int n = store.objects.size();
        System.out.printf("bundles: %,d objects of up to %d decisions (%d leaves), %,d rows; mismatches %d%n", n,
                perBundle, 2 * perBundle, r.rowsChecked(), r.mismatches().size());
        System.out.printf("audit verify, one thread (objects, signatures, leaf decoding, index, rows) %,10.0f bundles/s"
                + " = %,.0f decision rows/s wall; %,.0f bundles per CPU-second%n", n / auditSeconds,
                r.rowsChecked() / auditSeconds, n / auditCpu);
        System.out.printf("audit verify, %d objects in flight %,10.0f bundles/s wall (%d mismatches)%n",
                EvidenceAuditor.DEFAULT_PARALLELISM, n / parallelSeconds, parallel.mismatches().size());
        System.out.printf("BundleVerifier alone (format, LZ4, hashes, root, canonical form) %,8.0f bundles/s"
                + "  -> audit = %.2f x this%n", n / rawSeconds, (n / auditSeconds) / (n / rawSeconds));
        System.out.printf("Ed25519 verify alone %,10.0f signatures/s%n", n / sigSeconds);
        return store;
    }

    /** What the sinks would hold, in memory. */
    private static final class InMemory implements AuditSource {
        private static final ObjectMapper JSON = new ObjectMapper();
        final Map<String, byte[]> objects = new LinkedHashMap<>();
        final Map<String, byte[]> statements = new HashMap<>();
        final Map<String, byte[]> signatures = new HashMap<>();
        final Map<String, LoggedDecision> rows = new LinkedHashMap<>();
        final Map<String, BundleRecord> index = new LinkedHashMap<>();
        final Map<String, DecisionEvidence> pointers = new HashMap<>();
        final Map<String, EvidenceBundle> bundles = new LinkedHashMap<>();

        void add(List<Integer> idx, List<byte[]> requests, List<byte[]> decisions, Ed25519.SigningKey key,
                 EventCodec codec, int seq) {
            List<EvidenceLeaf> leaves = new ArrayList<>();
            List<byte[]> bodies = new ArrayList<>();
            List<Decision> ds = new ArrayList<>();
            for (int i : idx) {
                Decision d = codec.decode(decisions.get(i), Decision.class);
                ds.add(d);
                leaves.add(leaf(LeafKind.REQUEST, d, requests.get(i)));
                leaves.add(leaf(LeafKind.DECISION, d, decisions.get(i)));
                bodies.add(requests.get(i));
                bodies.add(decisions.get(i));
            }
            Decision first = ds.get(0);
            Instant start = Instant.parse("2026-12-01T09:00:00Z").plusMillis(seq);
            byte[] root = MerkleTree.fromLeaves(bodies).root();
            EvidenceBundle unsigned = EvidenceBundle.newBuilder().setSessionId(first.getSessionId())
                    .setTenant(first.getTenant()).setWindowStart(start).setWindowEnd(start.plusSeconds(10))
                    .setLeaves(leaves).setRoot(ByteBuffer.wrap(root)).setCreatedAt(start.plusSeconds(10))
                    .setKeyId(null).setSignature(null).build();
            byte[] statement = BundleStatement.of(unsigned);
            byte[] signature = key.sign(statement);
            EvidenceBundle bundle = EvidenceBundle.newBuilder(unsigned).setKeyId(key.keyId())
                    .setSignature(ByteBuffer.wrap(signature)).build();
            String objectKey = BundleKeys.keyFor(start, first.getTenant(), root);
            objects.put(objectKey, EvidenceObjectFormat.encode(bundle, 1024).bytes());
            bundles.put(objectKey, bundle);
            statements.put(objectKey, statement);
            signatures.put(objectKey, signature);
            index.put(Hex.encode(root), new BundleRecord(root, objectKey, first.getSessionId(), first.getTenant(),
                    start, start.plusSeconds(10), leaves.size(), start.plusSeconds(10), start.plusSeconds(11)));
            for (int k = 0; k < ds.size(); k++) {
                Decision d = ds.get(k);
                rows.put(d.getDecisionId(), row(d, decisions.get(idx.get(k))));
                pointers.put(d.getDecisionId(), new DecisionEvidence(d.getDecisionId(), root, 2 * k + 1, objectKey));
            }
        }

        private static EvidenceLeaf leaf(LeafKind kind, Decision d, byte[] body) {
            return EvidenceLeaf.newBuilder().setKind(kind).setDecisionId(d.getDecisionId())
                    .setRequestId(d.getRequestId()).setBody(ByteBuffer.wrap(body)).build();
        }

        private static LoggedDecision row(Decision d, byte[] event) {
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
            byte[] hash = new byte[d.getRequestHash().remaining()];
            d.getRequestHash().duplicate().get(hash);
            LocalDate day = LocalDate.ofInstant(d.getDecidedAt(), ZoneOffset.UTC);
            return new LoggedDecision(day, d.getDecisionId(), d.getRequestId(), d.getSessionId(), d.getTenant(),
                    d.getSubjectId(), d.getKind().name(), d.getVerdict().name(),
                    d.getReasons().stream().map(Reason::getCode).toList(), reasons.toString(),
                    d.getMatchedCapabilities().stream().map(String::valueOf).toList(), d.getTokenId(),
                    d.getPolicyVersion(), d.getDecidedAt(), d.getEvalMicros(), hash, event, d.getDecidedAt(), "p");
        }

        @Override
        public List<LoggedDecision> decisionsInRange(Instant from, Instant to) {
            return rows.values().stream().filter(r -> !r.decidedAt().isBefore(from) && r.decidedAt().isBefore(to))
                    .toList();
        }

        @Override
        public List<LoggedDecision> decisionsOfSession(String sessionId) {
            return rows.values().stream().filter(r -> r.sessionId().equals(sessionId)).toList();
        }

        @Override
        public List<LoggedDecision> decisionsByIds(Collection<String> ids) {
            return ids.stream().map(rows::get).filter(java.util.Objects::nonNull).toList();
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
        public List<BundleRecord> bundlesByRoots(Collection<String> roots) {
            return roots.stream().map(index::get).filter(java.util.Objects::nonNull).toList();
        }

        @Override
        public List<DecisionEvidence> evidenceOfDecisions(Collection<String> ids) {
            return ids.stream().map(pointers::get).filter(java.util.Objects::nonNull).toList();
        }

        @Override
        public List<DecisionEvidence> evidenceOfBundles(Collection<String> roots) {
            Set<String> set = new HashSet<>(roots);
            return pointers.values().stream().filter(p -> set.contains(Hex.encode(p.bundleRoot()))).toList();
        }

        @Override
        public List<String> bundleKeys(LocalDate day) {
            String prefix = BundleKeys.dayPrefix(day);
            return objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
        }

        @Override
        public Optional<byte[]> readBundle(String key) {
            return Optional.ofNullable(objects.get(key));
        }
    }
}
