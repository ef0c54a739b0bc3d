package io.provability.fabric.tests.bench;

import io.provability.fabric.embedded.EmbeddedStack;
import io.provability.fabric.load.FabricProcess;
import io.provability.fabric.load.KafkaTransport;
import io.provability.fabric.load.LoadGenerator;
import io.provability.fabric.load.LoadResult;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.tests.InstancePair;
import io.provability.fabric.tools.cli.EmbeddedMode;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.TopicSetup;
import io.provability.fabric.topology.traffic.LoadProfile;
import io.provability.fabric.topology.traffic.LoadTraffic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The failover gap of a two-instance cluster, as a program (not a test): two {@code fabric run}
 * JVMs (topology and sinks, the cluster defaults) on an embedded stack of its own, steady load
 * through Kafka, then each instance in turn SIGKILLed and started again. Measured per round:
 *
 * <ul>
 *   <li><b>join</b>: from a (re)started instance logging "running" until the consumer group shows
 *       it owning input partitions (active tasks), i.e. how long a joining instance takes to get
 *       its share;
 *   <li><b>gap</b>: the longest time, over the decisions topic's partitions, between two decisions
 *       arriving on one partition (read_committed), from the kill until the partitions flow again:
 *       how long the killed instance's partitions stalled;
 *   <li><b>max latency</b> of the requests decided in the seconds after the kill, from the load
 *       generator.
 * </ul>
 *
 * Prints one line per round and the machine's load average. Arguments after the third are
 * configuration overrides for both instances (e.g. {@code streams.transaction.timeout.ms=6000}).
 *
 * <pre>
 * java -cp tests/target/test-classes:tests/target/classes:$(cat /tmp/failover.cp) \
 *   io.provability.fabric.tests.bench.FailoverBenchmark [rate=200] [settle-seconds=75] [after-seconds=30] [key=value ...]
 * </pre>
 */
public final class FailoverBenchmark {
  private FailoverBenchmark() {}

  public static void main(String[] args) throws Exception {
    double rate = args.length > 0 ? Double.parseDouble(args[0]) : 200;
    int settle = args.length > 1 ? Integer.parseInt(args[1]) : 75;
    int after = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    Path work = Files.createTempDirectory("fabric-failover-bench-");
    String ns = "fo" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffL);
    try (EmbeddedStack stack = EmbeddedStack.start(work.resolve("stack"))) {
      StackEndpoints ep = EmbeddedMode.endpoints(stack);
      Ed25519.SigningKey issuer =
          Ed25519.SigningKey.generate("failover-issuer", new SecureRandom());
      Path trusted = work.resolve("trusted.keys");
      KeyRing.empty().with(issuer.keyId(), issuer.publicKey()).write(trusted);
      Properties p = InstancePair.clusterProperties(ep, ns, trusted);
      // a cluster signs its one log with one key: both instances name the same file
      p.put(FabricConfig.EVIDENCE_KEY_CONFIG, work.resolve("evidence.key").toString());
      for (int i = 3;
          i < args.length;
          i++) { // key=value overrides, e.g. streams.session.timeout.ms=6000
        int eq = args[i].indexOf('=');
        if (eq < 1) {
          throw new IllegalArgumentException("expected key=value, got " + args[i]);
        }
        p.put(args[i].substring(0, eq), args[i].substring(eq + 1));
      }
      Path config = work.resolve("fabric.properties");
      try (var w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
        p.store(w, "FailoverBenchmark");
      }
      FabricConfig cfg = FabricConfig.load(config, Map.of(), Map.of());
      try (Admin admin =
          Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()))) {
        TopicSetup.ensure(admin, cfg);
        Map<String, String> env = InstancePair.secretsEnvironment(ep);
        Child a = new Child("a", work, config, env);
        Child b = new Child("b", work, config, env);
        try {
          a.start();
          a.awaitRunning();
          b.start();
          b.awaitRunning();
        } catch (Exception | Error e) {
          a.destroy(); // an instance that did start must not outlive the benchmark
          b.destroy();
          throw e;
        }
        System.out.printf(
            "join: b got active tasks %.1f s after it logged running%n",
            awaitShare(admin, cfg, 2, b.runningAt) / 1000.0);

        LoadProfile profile =
            new LoadProfile(
                rate,
                Duration.ofSeconds(settle * 2L + after * 2L + 300),
                2_000,
                4,
                10,
                LoadProfile.Mix.parse("plan=60,retrieval=25,egress=15"),
                0.7,
                0.8,
                7L);
        LoadTraffic traffic =
            new LoadTraffic(ns + "-", ns + "-", profile, issuer, Clock.systemUTC());
        LoadGenerator generator =
            new LoadGenerator(Clock.systemUTC(), Duration.ofSeconds(120), Duration.ofSeconds(2));
        List<LoadResult.Sample> samples = Collections.synchronizedList(new ArrayList<>());
        GapWatch gaps = new GapWatch(ep.bootstrapServers(), cfg.topicDecisions());
        gaps.start();
        CompletableFuture<LoadResult> load;
        try (KafkaTransport transport =
            new KafkaTransport(
                ep.bootstrapServers(), cfg.topicRequests(), cfg.topicDecisions(), 2)) {
          load =
              CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return generator.run("failover", profile, traffic, transport, samples::add);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  });
          for (Child victim : List.of(a, b)) {
            TimeUnit.SECONDS.sleep(settle); // steady state: both instances own tasks, standbys warm
            int killSecond = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).second();
            gaps.reset();
            victim.kill();
            TimeUnit.SECONDS.sleep(after);
            long gapMs = gaps.maxGapMillis();
            long maxLatency = 0;
            synchronized (samples) {
              for (LoadResult.Sample s : samples) {
                if (s.second() >= killSecond) {
                  maxLatency = Math.max(maxLatency, s.maxMicros());
                }
              }
            }
            victim.start();
            victim.awaitRunning();
            long join = awaitShare(admin, cfg, 2, victim.runningAt);
            System.out.printf(
                "kill %s: longest per-partition gap between decisions %.1f s; max decision latency "
                    + "after the kill %.1f s; restarted %s took its share %.1f s after it logged running%n",
                victim.name, gapMs / 1000.0, maxLatency / 1e6, victim.name, join / 1000.0);
          }
          generator.requestStop();
          LoadResult r = load.get(5, TimeUnit.MINUTES);
          System.out.printf(
              "load: %,d sent, %,d decided, %,d lost, %,d duplicates, %,d mismatches%n",
              r.sent(), r.decided(), r.lost(), r.duplicates(), r.mismatches());
        } finally {
          gaps.stop();
          a.destroy();
          b.destroy();
        }
      }
    }
    Process uptime = new ProcessBuilder("uptime").redirectErrorStream(true).start();
    System.out.println(
        "uptime: "
            + new String(uptime.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
  }

  /**
   * Waits until {@code members} members of the Streams group each own input partitions; returns ms
   * since {@code from}.
   */
  private static long awaitShare(Admin admin, FabricConfig cfg, int members, long from)
      throws Exception {
    String group = cfg.getString(FabricConfig.APPLICATION_ID_CONFIG);
    long deadline = System.currentTimeMillis() + TimeUnit.MINUTES.toMillis(5);
    while (System.currentTimeMillis() < deadline) {
      ConsumerGroupDescription d =
          admin.describeConsumerGroups(List.of(group)).all().get().get(group);
      Map<String, Integer> owned = new HashMap<>();
      for (MemberDescription m : d.members()) {
        long n =
            m.assignment().topicPartitions().stream()
                .filter(tp -> tp.topic().equals(cfg.topicRequests()))
                .count();
        owned.merge(
            m.host() + "/" + m.clientId().replaceAll("-StreamThread.*", ""), (int) n, Integer::sum);
      }
      if (owned.size() >= members && owned.values().stream().allMatch(n -> n > 0)) {
        return System.currentTimeMillis() - from;
      }
      TimeUnit.MILLISECONDS.sleep(250);
    }
    return -1;
  }

  /**
   * The longest time between two decisions arriving on one partition, since the last {@link
   * #reset()}.
   */
  private static final class GapWatch {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<Integer, Long> last = new HashMap<>();
    private long maxGapNanos;
    private Thread thread;

    GapWatch(String bootstrap, String topic) {
      this.topic = topic;
      this.consumer =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  bootstrap,
                  ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                  "read_committed",
                  ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                  false),
              new ByteArrayDeserializer(),
              new ByteArrayDeserializer());
    }

    void start() {
      List<TopicPartition> parts =
          consumer.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToEnd(parts);
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.nanoTime();
                    synchronized (this) {
                      Long prev = last.put(r.partition(), now);
                      if (prev != null) {
                        maxGapNanos = Math.max(maxGapNanos, now - prev);
                      }
                    }
                  }
                }
                consumer.close();
              },
              "failover-gap-watch");
      thread.start();
    }

    synchronized void reset() {
      long now = System.nanoTime();
      last.replaceAll((p, t) -> now);
      maxGapNanos = 0;
    }

    synchronized long maxGapMillis() {
      // a partition still stalled counts up to now
      long now = System.nanoTime();
      long open = last.values().stream().mapToLong(t -> now - t).max().orElse(0);
      return TimeUnit.NANOSECONDS.toMillis(Math.max(maxGapNanos, open));
    }

    void stop() throws InterruptedException {
      running.set(false);
      if (thread != null) {
        thread.join(5_000);
      }
    }
  }

  /** One {@code fabric run} JVM. */
  private static final class Child {
    final String name;
    final Path dir;
    final Path config;
    final Map<String, String> env;
    FabricProcess process;
    int starts;
    long runningAt;

    Child(String name, Path work, Path config, Map<String, String> env) throws IOException {
      this.name = name;
      this.dir = Files.createDirectories(work.resolve("instance-" + name));
      this.config = config;
      this.env = env;
    }

    void start() throws IOException {
      starts++;
      process = InstancePair.startRun(config, dir, dir.resolve("run-" + starts + ".log"), env);
    }

    void awaitRunning() throws Exception {
      process.awaitRunning(Duration.ofMinutes(6));
      runningAt = System.currentTimeMillis();
    }

    void kill() throws InterruptedException {
      process.kill(); // SIGKILL
    }

    void destroy() throws InterruptedException {
      if (process != null && process.isAlive()) {
        kill();
      }
    }
  }
}
