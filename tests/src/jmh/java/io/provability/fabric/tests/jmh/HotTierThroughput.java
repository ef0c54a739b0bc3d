package io.provability.fabric.tests.jmh;

import com.sun.management.OperatingSystemMXBean;
import io.provability.fabric.embedded.EmbeddedStack;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.processors.cache.CacheMetrics;
import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.tools.cli.EmbeddedMode;
import io.provability.fabric.tools.internal.demo.KafkaTraffic;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.TopicSetup;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * End-to-end decisions per second through the real topology with the hot tier on, with it off, and
 * a pass-through Kafka Streams topology (bytes in, bytes out, same processing guarantee and commit
 * interval) over the same pre-filled request topic, in one run on the embedded stack (broker and
 * Redis in this JVM / on this machine). A rate is measured between the moments 10 % and 90 % of the
 * topic's records are committed by the application's consumer group, so start-up and the last
 * commit do not count.
 *
 * <p>The fabric runs twice with caches on and twice with them off, in two rounds of opposite order,
 * since the first run in a JVM also pays for compiling the code.
 *
 * <p>Arguments: {@code [requests=200000] [shapes=100000] [guarantee=exactly_once_v2]
 * [commit.ms=100] [stream.threads=1]}; the thread count applies to the fabric and to the
 * pass-through alike.
 */
public final class HotTierThroughput {
  private HotTierThroughput() {}

  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int shapes = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    String guarantee = args.length > 2 ? args[2] : "exactly_once_v2";
    String commitMs = args.length > 3 ? args[3] : "100";
    String threads = args.length > 4 ? args[4] : "1";
    StackEndpoints ep = EmbeddedMode.endpoints(EmbeddedStack.shared());
    String ns = "bench" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffL) + "-";
    Path work = Files.createTempDirectory("fabric-hot-bench-");
    Path trusted = work.resolve("trusted.keys");
    KeyRing.empty()
        .with(HotTierHitRate.ISSUER.keyId(), HotTierHitRate.ISSUER.publicKey())
        .write(trusted);

    PlanRequest[] plans = HotTierHitRate.zipfPlans(shapes, requests, 1.1, 1_000, 1, Instant.now());
    FabricConfig base = config(ns, work, trusted, "unused", guarantee, commitMs, threads, true);
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()))) {
      TopicSetup.ensure(admin, base);
      admin
          .createTopics(
              List.of(
                  new NewTopic(
                      ns + "passthrough",
                      base.getInt(FabricConfig.TOPIC_PARTITIONS_CONFIG),
                      (short) 1)))
          .all()
          .get();
    }
    EventCodec codec = EventCodec.standard();
    long p0 = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers())) {
      for (PlanRequest p : plans) {
        producer.send(
            new ProducerRecord<>(
                base.topicRequests(),
                null,
                System.currentTimeMillis(),
                p.getSessionId().getBytes(StandardCharsets.UTF_8),
                codec.encode(p)));
      }
      producer.flush();
    }
    System.out.printf(
        "produced %,d plan requests in %.1f s%n", requests, (System.nanoTime() - p0) / 1e9);

    // two rounds in opposite orders: whichever runs first also pays for compiling the fabric's code
    for (int round = 1; round <= 2; round++) {
      // the pass-through of the same round: its rate moves with the machine as much as the fabric's
      // does
      Measured passM =
          passThrough(ep, ns, work, trusted, base, guarantee, commitMs, threads, requests, round);
      double passRate = passM.rate();
      System.out.printf(
          "round %d, pass-through topology: %,.0f records/s, %.1f CPU-us/record%n",
          round, passRate, passM.cpuMicrosPerRecord());
      boolean onFirst = round == 1;
      Measured onM = null;
      Measured offM = null;
      for (int leg = 0; leg < 2; leg++) {
        boolean caches = (leg == 0) == onFirst;
        String app = (caches ? "cache-on-" : "cache-off-") + round;
        FabricConfig cfg = config(ns, work, trusted, app, guarantee, commitMs, threads, caches);
        try (FabricRuntime runtime = FabricRuntime.start(cfg, ep, false)) {
          Measured measured = measure(ep, cfg, requests);
          CacheMetrics m = runtime.hotTier().metrics();
          if (caches) {
            onM = measured;
            long hits =
                m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.HIT_EXACT)
                    + m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.HIT_NORMALISED)
                    + m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.HIT_PATTERN);
            long misses = m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.MISS);
            System.out.printf(
                "round %d, fabric topology, caches on: %,.0f decisions/s, %.1f CPU-us/decision "
                    + "(hit rate %.2f %%, Redis SET ok %d, errors %d)%n",
                round,
                measured.rate(),
                measured.cpuMicrosPerRecord(),
                100.0 * hits / Math.max(1, hits + misses),
                m.redis("set", "ok"),
                m.redis("set", "error"));
          } else {
            offM = measured;
            System.out.printf(
                "round %d, fabric topology, caches off: %,.0f decisions/s, %.1f CPU-us/decision "
                    + "(%d decision lookups)%n",
                round,
                measured.rate(),
                measured.cpuMicrosPerRecord(),
                m.lookups(CacheName.DECISIONS, CacheMetrics.Outcome.MISS));
          }
        }
      }
      System.out.printf(
          "round %d (%s first): ratios to pass-through: caches on %.2f, caches off %.2f; on/off %.2f "
              + "(%s, commit %s ms, %s stream thread(s), %,d requests)%n",
          round,
          onFirst ? "caches on" : "caches off",
          onM.rate() / passRate,
          offM.rate() / passRate,
          onM.rate() / offM.rate(),
          guarantee,
          commitMs,
          threads,
          requests);
      System.out.printf(
          "round %d: CPU-us per record by thread kind (the rest is JIT compilation and GC): "
              + "pass-through {%s}; caches on {%s}; caches off {%s}%n",
          round, passM.threads(), onM.threads(), offM.threads());
      System.out.printf(
          "round %d: CPU per record as a multiple of the pass-through's: caches on %.1fx, caches off %.1fx%n",
          round,
          onM.cpuMicrosPerRecord() / passM.cpuMicrosPerRecord(),
          offM.cpuMicrosPerRecord() / passM.cpuMicrosPerRecord());
    }
    System.exit(0);
  }

  /** The pass-through: the same streams settings as the fabric's, bytes copied to another topic. */
  private static Measured passThrough(
      StackEndpoints ep,
      String ns,
      Path work,
      Path trusted,
      FabricConfig base,
      String guarantee,
      String commitMs,
      String threads,
      int requests,
      int round)
      throws Exception {
    FabricConfig pass =
        config(ns, work, trusted, "passthrough-" + round, guarantee, commitMs, threads, true);
    Properties props = FabricRuntime.streamsProperties(pass, ep);
    StreamsBuilder b = new StreamsBuilder();
    b.stream(base.topicRequests(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .to(ns + "passthrough", Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    try (KafkaStreams streams = new KafkaStreams(b.build(), props)) {
      streams.start();
      return measure(ep, pass, requests);
    }
  }

  private static FabricConfig config(
      String ns,
      Path work,
      Path trusted,
      String app,
      String guarantee,
      String commitMs,
      String threads,
      boolean caches) {
    String prefix = ns + "fabric.";
    Map<String, String> m =
        new HashMap<>(
            Map.ofEntries(
                Map.entry(FabricConfig.WORK_DIR_CONFIG, work.resolve(app).toString()),
                Map.entry(FabricConfig.APPLICATION_ID_CONFIG, ns + app),
                Map.entry(FabricConfig.TOPIC_REQUESTS_CONFIG, prefix + "requests"),
                Map.entry(FabricConfig.TOPIC_DECISIONS_CONFIG, prefix + "decisions-" + app),
                Map.entry(FabricConfig.TOPIC_EVIDENCE_CONFIG, prefix + "evidence-" + app),
                Map.entry(FabricConfig.TOPIC_DEAD_LETTER_CONFIG, prefix + "dead-letter"),
                Map.entry(FabricConfig.TOPIC_POLICY_STATE_CONFIG, prefix + "policy-state"),
                Map.entry(FabricConfig.TRUSTED_KEYS_CONFIG, trusted.toString()),
                Map.entry(FabricConfig.PROCESSING_GUARANTEE_CONFIG, guarantee),
                Map.entry(FabricConfig.COMMIT_INTERVAL_CONFIG, commitMs),
                Map.entry(FabricConfig.STREAM_THREADS_CONFIG, threads),
                Map.entry(FabricConfig.CACHE_ENABLED_CONFIG, Boolean.toString(caches)),
                Map.entry(FabricConfig.CACHE_REDIS_CHANNEL_CONFIG, ns + "hot-tier"),
                // instances share entries through Redis only under a shared MAC secret
                Map.entry(FabricConfig.CACHE_REDIS_MAC_SECRET_CONFIG, ns + "secret")));
    return FabricConfig.defaults(m);
  }

  /**
   * Records/s between 10 % and 90 % of {@code total} committed by the application's group, and the
   * CPU this JVM (application, broker, Redis client: everything but Redis itself) spent per record
   * meanwhile. On a shared machine the rate moves with whatever else runs; CPU per record moves
   * much less.
   */
  private static Measured measure(StackEndpoints ep, FabricConfig cfg, int total) throws Exception {
    String group = cfg.getString(FabricConfig.APPLICATION_ID_CONFIG);
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long t10 = 0;
    long cpu10 = 0;
    Map<String, Long> threads10 = Map.of();
    long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()))) {
      while (System.nanoTime() < deadline) {
        Map<TopicPartition, OffsetAndMetadata> offsets =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        long committed =
            offsets.entrySet().stream()
                .filter(e -> e.getKey().topic().equals(cfg.topicRequests()) && e.getValue() != null)
                .collect(Collectors.summingLong(e -> e.getValue().offset()));
        long now = System.nanoTime();
        if (t10 == 0 && committed >= total / 10) {
          t10 = now;
          cpu10 = os.getProcessCpuTime();
          threads10 = threadCpu();
        }
        if (committed >= total * 9L / 10) {
          double records = total * 0.8;
          Map<String, Long> threads90 = threadCpu();
          Map<String, Double> perRecord = new TreeMap<>();
          for (Map.Entry<String, Long> e : threads90.entrySet()) {
            perRecord.put(
                e.getKey(),
                (e.getValue() - threads10.getOrDefault(e.getKey(), 0L)) / 1e3 / records);
          }
          return new Measured(
              records / ((now - t10) / 1e9),
              (os.getProcessCpuTime() - cpu10) / 1e3 / records,
              perRecord);
        }
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("not drained within 20 minutes");
  }

  /**
   * CPU nanoseconds so far of this JVM's live threads, summed by kind: the application's stream
   * threads, producer and consumer network threads, the broker, the hot tier's Redis client,
   * everything else.
   */
  private static Map<String, Long> threadCpu() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> out = new TreeMap<>();
    for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long nanos = mx.getThreadCpuTime(info.getThreadId());
      if (nanos < 0) {
        continue;
      }
      String n = info.getThreadName();
      String group =
          n.contains("producer-network-thread")
              ? "producer-io"
              : n.contains("StreamThread")
                  ? "stream"
                  : n.contains("GlobalStreamThread")
                      ? "global-store"
                      : n.startsWith("data-plane-kafka")
                              || n.startsWith("kafka-")
                              || n.contains("quorum")
                              || n.contains("Txn")
                              || n.contains("ReplicaFetcher")
                              || n.contains("group-coordinator")
                              || n.contains("transaction-log")
                          ? "broker"
                          : n.startsWith("lettuce") || n.contains("hot-tier")
                              ? "hot-tier-redis"
                              : "other";
      out.merge(group, nanos, Long::sum);
    }
    return out;
  }

  /**
   * A rate, the CPU microseconds this JVM spent per record while it was measured, and by thread
   * kind.
   */
  private record Measured(
      double rate, double cpuMicrosPerRecord, Map<String, Double> byThreadKind) {
    String threads() {
      StringBuilder b = new StringBuilder();
      byThreadKind.forEach(
          (k, v) ->
              b.append(b.length() == 0 ? "" : ", ")
                  .append(k)
                  .append(' ')
                  .append(String.format("%.1f", v)));
      return b.toString();
    }
  }
}
