package io.provability.fabric.tests;

import static org.awaitility.Awaitility.await;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.tools.internal.demo.KafkaTraffic;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.KeyFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What the end-to-end tests that run their own application instances share: a configuration whose
 * topics, application id and work dir belong to one test namespace (so tests can share servers),
 * and sending a request / waiting for its decision.
 */
final class ItFixtures {
  private ItFixtures() {}

  /**
   * A fresh test namespace: {@code prefix}, 8 random hex digits and a dash (e.g. {@code
   * it1a2b3c4d-}), so the test's topics, groups and rows do not meet those of other runs.
   */
  static String namespace(String prefix) {
    return prefix + Long.toHexString(new SecureRandom().nextLong() & 0xffffffffL) + "-";
  }

  /**
   * A configuration for namespace {@code ns}: topics {@code <ns>fabric.*}, application id {@code
   * <ns>runtime}, the given work dir and trusted issuer ring, then {@code extra} on top.
   */
  static FabricConfig namespacedConfig(
      String ns, Path workDir, Path trustedIssuers, Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(topicNames(ns));
    m.put(FabricConfig.WORK_DIR_CONFIG, workDir.toString());
    m.put(FabricConfig.APPLICATION_ID_CONFIG, ns + "runtime");
    m.put(FabricConfig.TRUSTED_KEYS_CONFIG, trustedIssuers.toString());
    m.putAll(extra);
    return FabricConfig.defaults(m);
  }

  /** The five topic names of namespace {@code ns}: {@code <ns>fabric.requests} and so on. */
  static Map<String, String> topicNames(String ns) {
    String prefix = ns + "fabric.";
    return Map.of(
        FabricConfig.TOPIC_REQUESTS_CONFIG, prefix + "requests",
        FabricConfig.TOPIC_DECISIONS_CONFIG, prefix + "decisions",
        FabricConfig.TOPIC_EVIDENCE_CONFIG, prefix + "evidence",
        FabricConfig.TOPIC_DEAD_LETTER_CONFIG, prefix + "dead-letter",
        FabricConfig.TOPIC_POLICY_STATE_CONFIG, prefix + "policy-state");
  }

  /** Writes to {@code ring} a key ring that trusts {@code key} alone; returns {@code ring}. */
  static Path trustOnly(Path ring, Ed25519.SigningKey key) throws IOException {
    KeyRing.empty().with(key.keyId(), key.publicKey()).write(ring);
    return ring;
  }

  /**
   * Makes {@code gateway} the retrieval gateway's receipt key (written to {@code keyFile}) and the
   * one receipt signer the kernel trusts (a ring written to {@code ring}); returns the two
   * settings.
   */
  static Map<String, String> receiptSigning(Ed25519.SigningKey gateway, Path keyFile, Path ring)
      throws IOException {
    KeyFiles.write(keyFile, gateway);
    trustOnly(ring, gateway);
    return Map.of(
        FabricConfig.RECEIPT_KEYS_CONFIG, ring.toString(),
        FabricConfig.RETRIEVAL_RECEIPT_KEY_CONFIG, keyFile.toString());
  }

  /**
   * {@link #receiptSigning(Ed25519.SigningKey, Path, Path)} for a new gateway key {@code keyId},
   * its files {@code retrieval-gateway.key} and {@code receipt-signers.keys} in {@code dir}.
   */
  static Map<String, String> receiptSigning(Path dir, String keyId) throws IOException {
    return receiptSigning(
        Ed25519.SigningKey.generate(keyId, new SecureRandom()),
        dir.resolve("retrieval-gateway.key"),
        dir.resolve("receipt-signers.keys"));
  }

  /**
   * The sinks' settings of namespace {@code ns}: bucket {@code fabric-<ns>evidence}, Connect group
   * {@code <ns>sinks} and evidence logs of its own, {@code <ns>evidence.test/log} (the database is
   * shared with the other end-to-end tests).
   */
  static Map<String, String> sinkSettings(String ns) {
    return Map.of(
        FabricConfig.S3_BUCKET_CONFIG, "fabric-" + ns + "evidence",
        FabricConfig.SINK_GROUP_CONFIG, ns + "sinks",
        FabricConfig.EVIDENCE_LOG_ORIGIN_CONFIG, ns + "evidence.test/log");
  }

  /**
   * The settings of a front door on a free port of 127.0.0.1 that takes bodies up to 16 KiB, with
   * the consumer lag measured every 500 ms.
   */
  static Map<String, String> localFrontDoor() {
    return Map.of(
        FabricConfig.HTTP_HOST_CONFIG, "127.0.0.1",
        FabricConfig.HTTP_PORT_CONFIG, "0",
        FabricConfig.HTTP_MAX_BODY_CONFIG, "16384",
        FabricConfig.LAG_INTERVAL_CONFIG, "500");
  }

  /**
   * The properties of an external-mode instance of namespace {@code ns} (see {@link
   * #namespacedConfig}): the stack's endpoints, the work dir {@code <work>/instance}, the trusted
   * issuer ring and the namespace's topics.
   */
  static Properties externalModeProperties(
      StackEndpoints ep, String ns, Path work, Path trustedIssuers) {
    Properties props = ep.externalModeProperties();
    props.put(FabricConfig.WORK_DIR_CONFIG, work.resolve("instance").toString());
    props.put(FabricConfig.APPLICATION_ID_CONFIG, ns + "runtime");
    props.put(FabricConfig.TRUSTED_KEYS_CONFIG, trustedIssuers.toString());
    props.putAll(topicNames(ns));
    return props;
  }

  /** Stores {@code props} in {@code file} with the {@code comment}; returns {@code file}. */
  static Path store(Properties props, Path file, String comment) throws IOException {
    try (var w = Files.newBufferedWriter(file)) {
      props.store(w, comment);
    }
    return file;
  }

  /** A TCP port that was free a moment ago. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * A record sent by {@link #timedSend}: when it was sent and acknowledged (wall-clock millis), and
   * where the broker put it.
   */
  record TimedSend(long sentAt, long ackedAt, RecordMetadata metadata) {}

  /**
   * Sends {@code key}={@code value} to {@code topic} with acks=all, timestamped with its send time,
   * and waits for the acknowledgement. The topic's metadata is fetched first, so the measured send
   * is the record's trip alone.
   */
  static TimedSend timedSend(StackEndpoints ep, String topic, String key, byte[] value)
      throws ExecutionException, InterruptedException {
    try (KafkaProducer<String, byte[]> p =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ep.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new ByteArraySerializer())) {
      p.partitionsFor(topic);
      long sentAt = System.currentTimeMillis();
      RecordMetadata m = p.send(new ProducerRecord<>(topic, null, sentAt, key, value)).get();
      return new TimedSend(sentAt, System.currentTimeMillis(), m);
    }
  }

  /** Produces {@code request} to the requests topic, keyed by its session, and flushes. */
  static void send(
      KafkaProducer<byte[], byte[]> producer,
      FabricConfig cfg,
      String session,
      SpecificRecord request) {
    producer.send(
        new ProducerRecord<>(
            cfg.topicRequests(),
            session.getBytes(StandardCharsets.UTF_8),
            EventCodec.standard().encode(request)));
    producer.flush();
  }

  /**
   * Polls {@code reader} until the decision of {@code requestId} has arrived, at most {@code
   * patience}.
   */
  static Decision awaitDecision(
      KafkaTraffic.DecisionReader reader, Duration patience, String requestId) {
    pollUntil(
        "decision of " + requestId,
        reader,
        patience,
        Duration.ofMillis(20),
        Duration.ofMillis(50),
        r -> r.decisions().containsKey(requestId));
    return reader.decisions().get(requestId);
  }

  /**
   * Every {@code every}, polls {@code reader} for up to {@code pollFor}, until {@code done} holds
   * of it; fails ({@code what} in the message) when it does not within {@code patience}.
   */
  static void pollUntil(
      String what,
      KafkaTraffic.DecisionReader reader,
      Duration patience,
      Duration every,
      Duration pollFor,
      Predicate<KafkaTraffic.DecisionReader> done) {
    await(what)
        .atMost(patience)
        .pollInterval(every)
        .until(
            () -> {
              reader.poll(pollFor);
              return done.test(reader);
            });
  }

  /**
   * Waits (at most {@code patience}, checking every 50 ms) until every one of {@code runtimes} has
   * an active task.
   */
  static void awaitActiveTasks(Duration patience, FabricRuntime... runtimes) {
    await()
        .atMost(patience)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> Arrays.stream(runtimes).allMatch(r -> hasActiveTasks(r.streams())));
  }

  /**
   * Every 20 ms, copies the decisions read so far into {@code decisions} (see {@link #readAll}) and
   * checks {@code done} of them, until it holds; at most {@code patience}.
   */
  static void awaitDecisions(
      KafkaTraffic.DecisionReader reader,
      List<Decision> decisions,
      Duration patience,
      Predicate<List<Decision>> done) {
    await()
        .atMost(patience)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> done.test(readAll(reader, decisions)));
  }

  /** True once {@code streams} is RUNNING with at least one active task on this instance. */
  static boolean hasActiveTasks(KafkaStreams streams) {
    return streams.state() == KafkaStreams.State.RUNNING
        && streams.metadataForLocalThreads().stream().anyMatch(t -> !t.activeTasks().isEmpty());
  }

  /**
   * Polls once and copies every decision read so far into {@code into} (replacing it); returns
   * {@code into}.
   */
  static List<Decision> readAll(KafkaTraffic.DecisionReader reader, List<Decision> into) {
    int before = reader.decisions().size();
    reader.poll(Duration.ofMillis(50));
    if (reader.decisions().size() != before) {
      into.clear();
      into.addAll(reader.decisions().values());
    }
    return into;
  }

  /**
   * Decisions of {@code tokenId} with the verdict (any if null) decided after {@code afterMillis}.
   */
  static long count(List<Decision> decisions, String tokenId, Verdict verdict, long afterMillis) {
    return decisions.stream()
        .filter(
            d ->
                tokenId.equals(d.getTokenId())
                    && (verdict == null || d.getVerdict() == verdict)
                    && d.getDecidedAt().toEpochMilli() > afterMillis)
        .count();
  }

  /** The end offset of every partition of {@code topic}. */
  static Map<TopicPartition, Long> endOffsets(Admin admin, String topic)
      throws ExecutionException, InterruptedException {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    admin
        .describeTopics(List.of(topic))
        .allTopicNames()
        .get()
        .get(topic)
        .partitions()
        .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
    Map<TopicPartition, Long> out = new HashMap<>();
    admin.listOffsets(latest).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
    return out;
  }

  /** A connection to the stack's PostgreSQL. */
  static Connection db(StackEndpoints ep) throws SQLException {
    return DriverManager.getConnection(ep.jdbcUrl(), ep.jdbcUser(), ep.jdbcPassword());
  }

  /**
   * The single number {@code sql} (one {@code ?}, bound to {@code like}) returns, e.g. a {@code
   * count(*)}.
   */
  static long count(StackEndpoints ep, String sql, String like) throws SQLException {
    try (Connection c = db(ep);
        PreparedStatement q = c.prepareStatement(sql)) {
      q.setString(1, like);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return 0; // undefined_table: on a fresh database the sinks create their tables on their
        // first write
      }
      throw e;
    }
  }
}
