package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provability.fabric.events.Decision;
import io.provability.fabric.load.FabricProcess;
import io.provability.fabric.load.KafkaTransport;
import io.provability.fabric.load.LoadGenerator;
import io.provability.fabric.load.LoadResult;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventSerde;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.TopicSetup;
import io.provability.fabric.topology.traffic.LoadProfile;
import io.provability.fabric.topology.traffic.LoadTraffic;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two application instances, each a separate JVM running {@code fabric run} (topology and sinks) in
 * external mode against this JVM's servers, under steady open-loop load from the load generator:
 *
 * <ol>
 *   <li>one instance is killed with SIGKILL mid-stream and restarted: every request still gets
 *       exactly one decision on the decisions topic (read with {@code read_committed}) and exactly
 *       one row in the decision log, and that row is the committed decision (not one from the
 *       transaction the kill aborted);
 *   <li>both instances are restarted one after the other (SIGTERM, then start again): no request is
 *       lost, and the latency spike is reported.
 * </ol>
 *
 * The instances run with the cluster defaults (a 6 s session timeout, one standby replica) and get
 * their secrets from their environment, as instances sharing one Connect group must (the config
 * topic holds {@code ${env:...}} references, the same for every instance).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstanceFailureIT {
  // a fabric run JVM starts its streams and its Connect worker; on a busy 2-core machine that has
  // taken over 2 min
  private static final Duration START_PATIENCE = Duration.ofMinutes(4);
  private static final double RATE = 200;
  private static final Duration MAX_LOAD = Duration.ofMinutes(3);
  private static final Duration LOAD_AFTER = Duration.ofSeconds(5);

  private static String ns;
  private static StackEndpoints ep;
  private static Path work;
  private static Path configFile;
  private static Ed25519.SigningKey issuer;
  private static FabricConfig cfg;
  private static final Instance[] instances = new Instance[2];

  /** One child JVM running {@code fabric run}. */
  private static final class Instance {
    final String name;
    final Path dir;
    FabricProcess process;
    int starts;

    Instance(String name, Path dir) {
      this.name = name;
      this.dir = dir;
    }

    void start() throws IOException {
      starts++;
      process =
          InstancePair.startRun(
              configFile,
              dir,
              dir.resolve("instance-" + name + "-" + starts + ".log"),
              InstancePair.secretsEnvironment(ep));
    }

    void awaitRunning() throws IOException, InterruptedException {
      process.awaitRunning(START_PATIENCE);
    }

    void kill() throws InterruptedException {
      process.kill();
    }

    void stopGracefully() throws InterruptedException {
      if (!process.stop(Duration.ofSeconds(60))) {
        throw new IllegalStateException(
            "instance " + name + " did not stop within 60 s of SIGTERM; log: " + process.log());
      }
    }
  }

  @BeforeAll
  static void startTwoInstances() throws Exception {
    ns = "inst" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffL);
    ep = TestEnvironment.endpoints();
    work = Files.createTempDirectory("fabric-instance-failure-it-");
    issuer = Ed25519.SigningKey.generate("instance-it-issuer", new SecureRandom());
    Path trusted = ItFixtures.trustOnly(work.resolve("trusted.keys"), issuer);
    Properties p = InstancePair.clusterProperties(ep, ns, trusted);
    // one log, one signing key for the whole cluster: every instance's sequencer signs with the
    // same file
    p.put(FabricConfig.EVIDENCE_KEY_CONFIG, work.resolve("evidence.key").toString());
    configFile = work.resolve("fabric.properties");
    try (var w = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
      p.store(w, "InstanceFailureIT: two instances against the test JVM's servers");
    }
    cfg = FabricConfig.load(configFile, Map.of(), Map.of());
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()))) {
      TopicSetup.ensure(
          admin, cfg); // before the instances start, so they do not race to create them
    }
    for (int i = 0; i < 2; i++) {
      instances[i] =
          new Instance(i == 0 ? "a" : "b", Files.createDirectories(work.resolve("instance-" + i)));
      instances[i].start();
    }
    for (Instance in : instances) {
      in.awaitRunning();
    }
  }

  @AfterAll
  static void stopInstances() throws InterruptedException, IOException {
    for (Instance in : instances) {
      if (in != null && in.process != null && in.process.isAlive()) {
        in.kill();
      }
      if (in != null) {
        deleteTree(
            in.dir.resolve("work")); // state stores; the instance logs stay for a post-mortem
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  @Order(1)
  void anInstanceKilledMidStreamLeavesExactlyOneDecisionAndOneRowPerRequest() throws Exception {
    Events events = new Events();
    LoadResult result =
        underLoad(
            "kill",
            events,
            () -> {
              events.awaitSecond(6);
              events.mark("SIGKILL a");
              instances[0].kill();
              instances[0].start();
              instances[0].awaitRunning();
              events.mark("a running again");
            });
    report("SIGKILL and restart", result, events);
    assertDecidedOnce(result);
    assertOneCommittedRowPerRequest(result);
    assertEachDecisionInExactlyOneEntry(result);
  }

  @Test
  @Order(2)
  void aRollingRestartUnderLoadLosesNoRequest() throws Exception {
    Events events = new Events();
    LoadResult result =
        underLoad(
            "rolling",
            events,
            () -> {
              events.awaitSecond(6);
              for (Instance in : instances) {
                events.mark("SIGTERM " + in.name);
                in.stopGracefully();
                in.start();
                in.awaitRunning();
                events.mark(in.name + " running again");
              }
            });
    report("rolling restart", result, events);
    assertDecidedOnce(result);
    assertOneCommittedRowPerRequest(result);
    assertEachDecisionInExactlyOneEntry(result);
  }

  private interface Disruption {
    void run() throws Exception;
  }

  /** Seconds of the run at which things happened, from the generator's one-per-second samples. */
  private static final class Events {
    final AtomicInteger second = new AtomicInteger();
    final List<String> marks = new ArrayList<>();

    void awaitSecond(int s) {
      await()
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> second.get() >= s);
    }

    synchronized void mark(String what) {
      marks.add("s" + second.get() + " " + what);
    }

    synchronized int firstSecond() {
      return Integer.parseInt(marks.get(0).substring(1, marks.get(0).indexOf(' ')));
    }

    synchronized int lastSecond() {
      String last = marks.get(marks.size() - 1);
      return Integer.parseInt(last.substring(1, last.indexOf(' ')));
    }
  }

  /**
   * Sends at a constant rate from before the disruption starts until {@link #LOAD_AFTER} after it
   * ends (at most {@link #MAX_LOAD}), then waits for every decision.
   */
  private LoadResult underLoad(String name, Events events, Disruption disruption) throws Exception {
    LoadProfile profile =
        new LoadProfile(
            RATE,
            MAX_LOAD,
            2_000,
            4,
            10,
            LoadProfile.Mix.parse("plan=60,retrieval=25,egress=15"),
            0.7,
            0.8,
            7L);
    LoadTraffic traffic =
        new LoadTraffic(
            ns + "-" + name + "-", ns + "-" + name + "-", profile, issuer, Clock.systemUTC());
    try (KafkaTransport transport =
        new KafkaTransport(ep.bootstrapServers(), cfg.topicRequests(), cfg.topicDecisions(), 2)) {
      LoadGenerator generator =
          new LoadGenerator(Clock.systemUTC(), Duration.ofSeconds(90), Duration.ofSeconds(2));
      CompletableFuture<Void> disrupted =
          CompletableFuture.runAsync(
              () -> {
                try {
                  disruption.run();
                  int ended = events.second.get();
                  events.awaitSecond(ended + (int) LOAD_AFTER.toSeconds());
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                } finally {
                  generator.requestStop();
                }
              });
      LoadResult result =
          generator.run(name, profile, traffic, transport, s -> events.second.set(s.second()));
      disrupted.get();
      return result;
    }
  }

  private static void report(String what, LoadResult r, Events events) {
    int from = events.firstSecond();
    int to = events.lastSecond() + 5;
    long windowMax = 0;
    long windowP99 = 0;
    long steadyP99 = 0;
    for (LoadResult.Sample s : r.timeline()) {
      if (s.second() >= from && s.second() <= to) {
        windowMax = Math.max(windowMax, s.maxMicros());
        windowP99 = Math.max(windowP99, s.p99Micros());
      } else if (s.second() < from) {
        steadyP99 = Math.max(steadyP99, s.p99Micros());
      }
    }
    System.out.printf(
        "instance failure IT, %s: %,d sent, %,d decided, %,d lost, %,d duplicates seen by the generator; "
            + "events %s; latency before: worst 1-s p99 %.0f ms; during the disruption (s%d-s%d): worst 1-s p99 %.0f ms, "
            + "max %.0f ms; whole run p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
        what,
        r.sent(),
        r.decided(),
        r.lost(),
        r.duplicates(),
        events.marks,
        steadyP99 / 1000.0,
        from,
        to,
        windowP99 / 1000.0,
        windowMax / 1000.0,
        r.percentileMillis(50),
        r.percentileMillis(99),
        r.latency().getMaxValue() / 1000.0);
  }

  /**
   * Every request sent has exactly one committed decision on the topic, as the generator expected.
   */
  private static void assertDecidedOnce(LoadResult r) {
    assertThat(r.sendErrors()).as("send errors (first: %s)", r.firstSendError()).isZero();
    assertThat(r.lost()).as("requests without a decision").isZero();
    assertThat(r.mismatches()).as("unexpected decisions: %s", r.mismatchSamples()).isZero();
    Map<String, List<Decision>> onTopic = committedDecisions(r.prefix());
    assertThat(onTopic).as("requests with a committed decision").hasSize((int) r.sent());
    assertThat(onTopic.values())
        .as("committed decisions per request")
        .allSatisfy(list -> assertThat(list).hasSize(1));
  }

  /** Every request has exactly one decision-log row, and it is the committed decision. */
  private static void assertOneCommittedRowPerRequest(LoadResult r) throws SQLException {
    Map<String, List<Decision>> onTopic = committedDecisions(r.prefix());
    try (Connection c = ItFixtures.db(ep)) {
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> rows(c, r.prefix()).size() >= r.sent());
      Map<String, List<Instant>> rows = rows(c, r.prefix());
      assertThat(rows).hasSize((int) r.sent());
      rows.forEach(
          (requestId, decidedAt) -> {
            assertThat(decidedAt).as("rows of %s", requestId).hasSize(1);
            assertThat(decidedAt.get(0))
                .as("the row of %s is the committed decision", requestId)
                .isEqualTo(onTopic.get(requestId).get(0).getDecidedAt());
          });
    }
  }

  /**
   * Every committed decision has exactly one committed evidence entry, and that entry holds the
   * decision byte for byte: the entry is produced in the same exactly-once transaction as the
   * decision, so a kill or a restart neither loses nor repeats one.
   */
  private static void assertEachDecisionInExactlyOneEntry(LoadResult r) {
    Map<String, List<Decision>> onTopic = committedDecisions(r.prefix());
    Map<String, List<byte[]>> entries = new HashMap<>();
    EventCodec codec = EventCodec.standard();
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              entries.clear();
              for (byte[] value : readCommitted(cfg.topicEvidence(), (topic, bytes) -> bytes)) {
                LogEntry entry = LogEntry.decode(value);
                Decision d = codec.decode(entry.decisionBytes(), Decision.class);
                if (d.getRequestId().startsWith(r.prefix())) {
                  entries
                      .computeIfAbsent(d.getRequestId(), k -> new ArrayList<>())
                      .add(entry.decisionBytes());
                }
              }
              return entries.size() >= r.sent();
            });
    assertThat(entries).as("requests with an evidence entry").hasSize((int) r.sent());
    entries.forEach(
        (requestId, decisions) -> {
          assertThat(decisions).as("entries of %s", requestId).hasSize(1);
          assertThat(decisions.get(0))
              .as("the entry of %s holds the committed decision", requestId)
              .isEqualTo(codec.encode(onTopic.get(requestId).get(0)));
        });
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer view = buffer.duplicate();
    byte[] out = new byte[view.remaining()];
    view.get(out);
    return out;
  }

  /** Every record of {@code topic} up to its current end, read with read_committed. */
  private static <T> List<T> readCommitted(String topic, Deserializer<T> values) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<T> out = new ArrayList<>();
    try (KafkaConsumer<String, T> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), values)) {
      List<TopicPartition> parts = new ArrayList<>();
      consumer
          .partitionsFor(topic)
          .forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      await()
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(10))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(rec -> out.add(rec.value()));
                return parts.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
              });
    }
    return out;
  }

  private static Map<String, List<Instant>> rows(Connection c, String prefix) throws SQLException {
    Map<String, List<Instant>> out = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT request_id, decided_at FROM decision_log WHERE request_id LIKE ?")) {
      ps.setString(1, prefix.replace("_", "\\_") + "%");
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Timestamp t = rs.getTimestamp(2);
          out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(t.toInstant());
        }
      }
    }
    return out;
  }

  /** Reads the whole decisions topic with read_committed; this run's decisions by request id. */
  private static Map<String, List<Decision>> committedDecisions(String requestPrefix) {
    Map<String, List<Decision>> out = new HashMap<>();
    for (Decision d :
        readCommitted(cfg.topicDecisions(), EventSerde.of(Decision.class).deserializer())) {
      if (d.getRequestId().startsWith(requestPrefix)) {
        out.computeIfAbsent(d.getRequestId(), k -> new ArrayList<>()).add(d);
      }
    }
    return out;
  }
}
