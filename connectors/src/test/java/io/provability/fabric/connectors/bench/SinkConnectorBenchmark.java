package io.provability.fabric.connectors.bench;

import io.provability.fabric.connectors.runtime.EmbeddedConnect;
import io.provability.fabric.connectors.runtime.SinkPipelineSettings;
import io.provability.fabric.connectors.testing.KafkaBroker;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.events.LeafKind;
import io.provability.fabric.schemas.merkle.MerkleTree;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import io.provability.fabric.sinks.decisionlog.DecisionLogWriter;
import io.provability.fabric.sinks.decisionlog.RawCopy;
import io.provability.fabric.sinks.testing.PostgresFixture;
import io.provability.fabric.sinks.testing.S3ProxyFixture;
import io.provability.fabric.sinks.testing.TestEvents;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * End-to-end throughput of the sink connectors on one machine, as a program (not a test): a KRaft
 * broker, zonky PostgreSQL and S3Proxy in this JVM, the connectors in an {@link EmbeddedConnect} worker.
 *
 * <ol>
 *   <li>Decision log: per round, N fresh decisions are written once by raw {@code COPY} into
 *       {@code decision_log} (the baseline) and, as N other decisions already on a topic, through the
 *       decision-log connector (from the moment its task runs until the last row is in); printed as
 *       rows/s and as the ratio connector / COPY.
 *   <li>Evidence: bundles worth D decisions/s (each decision giving a REQUEST, a DECISION and a RECEIPT
 *       leaf) are produced for S seconds; every 5 s the backlog (bundles produced but not yet recorded
 *       in {@code evidence_bundle}, which the task writes after the S3 object is durable) is printed.
 * </ol>
 *
 * <p>Arguments: {@code [decisions per round=200000] [rounds=3] [evidence seconds=60]
 * [decisions/s for evidence=5000] [decisions per bundle=20]}.
 */
public final class SinkConnectorBenchmark {

    private static final EventCodec CODEC = EventCodec.standard();

    private SinkConnectorBenchmark() {
    }

    /** @param args see the class comment */
    public static void main(String[] args) throws Exception {
        int n = arg(args, 0, 200_000);
        int rounds = arg(args, 1, 3);
        int evidenceSeconds = arg(args, 2, 60);
        int decisionsPerSecond = arg(args, 3, 5_000);
        int decisionsPerBundle = arg(args, 4, 20);
        Path work = Files.createTempDirectory("sink-bench-");
        try (KafkaBroker broker = KafkaBroker.start();
             PostgresFixture postgres = PostgresFixture.start();
             S3ProxyFixture s3 = S3ProxyFixture.start()) {
            String jdbcUrl = postgres.newDatabase();
            try (DecisionLog log = DecisionLog.open(DecisionLogConfig.builder().jdbcUrl(jdbcUrl)
                    .user(postgres.user()).poolMaxSize(1).maintenanceInterval(Duration.ZERO).build(),
                    Clock.systemUTC())) {
                // opening migrates the schema and creates today's partitions, which raw COPY needs
                System.out.printf("decision log ready (%s)%n", log);
            }
            for (int round = 1; round <= rounds; round++) {
                String ns = "r" + round + "-";
                List<DecisionLogWriter.EncodedDecision> copied = decisions(ns + "copy-", n);
                long t0 = System.nanoTime();
                try (Connection c = DriverManager.getConnection(jdbcUrl, postgres.user(), "")) {
                    RawCopy.copy(c, copied, 10_000);
                }
                double copyRate = n / seconds(t0);
                copied = null;

                String topic = "bench-decisions-" + round;
                broker.createTopics(Map.of(topic, 3, "bench-evidence-" + round, 3));
                try (KafkaProducer<byte[], byte[]> producer = producer(broker.bootstrapServers())) {
                    for (DecisionLogWriter.EncodedDecision d : decisions(ns + "conn-", n)) {
                        producer.send(new ProducerRecord<>(topic,
                                d.decision().getDecisionId().getBytes(StandardCharsets.UTF_8), d.event()));
                    }
                    producer.flush();
                }
                SinkPipelineSettings settings = new SinkPipelineSettings(broker.bootstrapServers(), topic,
                        "bench-evidence-" + round, "bench-round-" + round, jdbcUrl, postgres.user(), "",
                        s3.endpoint().toString(), S3ProxyFixture.REGION, "bench-" + round,
                        S3ProxyFixture.ACCESS_KEY, S3ProxyFixture.SECRET_KEY, 1, work);
                double connectorRate;
                try (EmbeddedConnect connect = EmbeddedConnect.start(settings)) {
                    long t1 = System.nanoTime();
                    System.out.printf("round %d: worker up at %s, tasks running%n", round, connect.restUrl());
                    while (count(jdbcUrl, postgres.user(), "decision_log", "decision_id", ns + "conn-%") < n) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    }
                    connectorRate = n / seconds(t1);
                }
                System.out.printf("round %d: %d rows; raw COPY %.0f rows/s; connector %.0f rows/s; ratio %.2f%n",
                        round, n, copyRate, connectorRate, connectorRate / copyRate);
            }
            evidence(broker, postgres, s3, jdbcUrl, work, evidenceSeconds, decisionsPerSecond, decisionsPerBundle);
        }
        // the broker's and Connect's non-daemon threads would keep the JVM alive
        System.exit(0);
    }

    private static void evidence(KafkaBroker broker, PostgresFixture postgres, S3ProxyFixture s3, String jdbcUrl,
            Path work, int seconds, int decisionsPerSecond, int decisionsPerBundle) throws Exception {
        String topic = "bench-evidence";
        broker.createTopics(Map.of(topic, 3, "bench-evidence-decisions", 3));
        SinkPipelineSettings settings = new SinkPipelineSettings(broker.bootstrapServers(), "bench-evidence-decisions",
                topic, "bench-evidence", jdbcUrl, postgres.user(), "", s3.endpoint().toString(),
                S3ProxyFixture.REGION, "bench-evidence", S3ProxyFixture.ACCESS_KEY, S3ProxyFixture.SECRET_KEY, 1, work);
        int bundlesPerSecond = Math.max(1, decisionsPerSecond / decisionsPerBundle);
        System.out.printf("evidence: %d bundles/s of %d decisions (%d leaves) for %d s%n", bundlesPerSecond,
                decisionsPerBundle, decisionsPerBundle * 3, seconds);
        AtomicLong produced = new AtomicLong();
        try (EmbeddedConnect connect = EmbeddedConnect.start(settings);
             KafkaProducer<byte[], byte[]> producer = producer(broker.bootstrapServers())) {
            System.out.printf("evidence: worker up at %s%n", connect.restUrl());
            long start = System.nanoTime();
            long tickNanos = TimeUnit.SECONDS.toNanos(1) / bundlesPerSecond;
            long nextReport = start + TimeUnit.SECONDS.toNanos(5);
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            long next = start;
            int sequence = 0;
            while (System.nanoTime() < end) {
                long delay = next - System.nanoTime();
                if (delay > 0) {
                    LockSupport.parkNanos(delay);
                }
                next += tickNanos;
                EvidenceBundle b = bundle("bench-s" + sequence, sequence * decisionsPerBundle, decisionsPerBundle);
                sequence++;
                producer.send(new ProducerRecord<>(topic, b.getSessionId().getBytes(StandardCharsets.UTF_8),
                        CODEC.encode(b)));
                produced.incrementAndGet();
                if (System.nanoTime() >= nextReport) {
                    nextReport += TimeUnit.SECONDS.toNanos(5);
                    long recorded = count(jdbcUrl, postgres.user(), "evidence_bundle", "session_id", "bench-s%");
                    System.out.printf("  t=%3d s produced %7d recorded %7d backlog %6d bundles%n",
                            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), produced.get(), recorded,
                            produced.get() - recorded);
                }
            }
            producer.flush();
            long drainStart = System.nanoTime();
            while (count(jdbcUrl, postgres.user(), "evidence_bundle", "session_id", "bench-s%") < produced.get()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
            System.out.printf("evidence: %d bundles produced at %.0f/s; backlog drained %.1f s after the last one%n",
                    produced.get(), produced.get() / ((drainStart - start) / 1e9), seconds(drainStart));
        }
    }

    private static List<DecisionLogWriter.EncodedDecision> decisions(String prefix, int n) {
        Instant now = Instant.now();
        List<DecisionLogWriter.EncodedDecision> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Decision d = TestEvents.decision(i, now);
            d.setDecisionId(prefix + i);
            out.add(new DecisionLogWriter.EncodedDecision(d, CODEC.encode(d)));
        }
        return out;
    }

    /** A REQUEST, a DECISION and a RECEIPT leaf per decision, of roughly the pipeline's sizes. */
    private static EvidenceBundle bundle(String session, int first, int decisions) {
        Instant now = Instant.now();
        List<EvidenceLeaf> leaves = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = first; i < first + decisions; i++) {
            Decision d = TestEvents.decision("tenant-bench", session, i, now);
            d.setDecisionId(session + "-" + i);
            byte[] decision = CODEC.encode(d);
            byte[] request = ("request " + session + " " + i + " " + "x".repeat(280)).getBytes(StandardCharsets.UTF_8);
            byte[] receipt = ("receipt " + session + " " + i + " " + "y".repeat(180)).getBytes(StandardCharsets.UTF_8);
            for (Object[] leaf : new Object[][] {{LeafKind.REQUEST, request}, {LeafKind.DECISION, decision},
                    {LeafKind.RECEIPT, receipt}}) {
                byte[] body = (byte[]) leaf[1];
                bodies.add(body);
                leaves.add(EvidenceLeaf.newBuilder().setKind((LeafKind) leaf[0]).setDecisionId(d.getDecisionId())
                        .setRequestId(d.getRequestId()).setBody(ByteBuffer.wrap(body)).build());
            }
        }
        return EvidenceBundle.newBuilder().setSessionId(session).setTenant("tenant-bench")
                .setWindowStart(now).setWindowEnd(now.plusSeconds(1)).setCreatedAt(now.plusSeconds(1))
                .setLeaves(leaves).setRoot(ByteBuffer.wrap(MerkleTree.fromLeaves(bodies).root()))
                .setKeyId(null).setSignature(null).build();
    }

    private static long count(String url, String user, String table, String column, String like) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, "");
             PreparedStatement q = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE " + column
                     + " LIKE ?")) {
            q.setString(1, like);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 10,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }
}
