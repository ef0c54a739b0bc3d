package io.provability.fabric.tests.jmh;

import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.topology.FabricTopology;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * What the decision topology itself costs per request, without a broker: the real topology (caches
 * off) driven through {@link TopologyTestDriver} on one thread, against a pass-through topology
 * driven the same way, in the same run. It reports
 *
 * <ul>
 *   <li>the CPU time of the driving thread per request (thread CPU, so other processes on a shared
 *       machine inflate it far less than they inflate a rate), and
 *   <li>the records the topology produces per request, by topic, changelogs included: each is one
 *       more record the broker must take inside the transaction. This count is exact and the same
 *       on any machine.
 * </ul>
 *
 * Plans are the Zipf workload of {@link HotTierHitRate} over 2,000 sessions; wall-clock time
 * advances 1 ms per request, so a 10 s evidence window holds about five decisions of a session.
 *
 * <p>Arguments: {@code [requests=200000] [rounds=3]}.
 */
public final class TopologyCpuCost {
  private TopologyCpuCost() {}

  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Instant start = Instant.now();
    PlanRequest[] plans = HotTierHitRate.zipfPlans(100_000, requests, 1.1, 1_000, 1, start);
    EventCodec codec = EventCodec.standard();
    byte[][] keys = new byte[requests][];
    byte[][] values = new byte[requests][];
    for (int i = 0; i < requests; i++) {
      keys[i] = plans[i].getSessionId().getBytes(StandardCharsets.UTF_8);
      values[i] = codec.encode(plans[i]);
    }
    Ed25519.SigningKey evidenceKey = Ed25519.SigningKey.fromSeed("evidence-1", new byte[32]);
    FabricTopology.Settings settings =
        new FabricTopology.Settings(
            new FabricTopology.Topics(
                "requests", "decisions", "evidence", "dead-letter", "policy-state"),
            Duration.ofHours(24));
    FabricTopology.Keys keyRing =
        new FabricTopology.Keys(
            KeyRing.of(Map.of(HotTierHitRate.ISSUER.keyId(), HotTierHitRate.ISSUER.publicKey())));

    StreamsBuilder b = new StreamsBuilder();
    b.stream("requests", Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .to("passthrough", Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    Topology passThrough = b.build();

    for (int round = 1; round <= rounds; round++) {
      Result pass = run(passThrough, keys, values, start);
      Result fabric = run(FabricTopology.build(settings, keyRing), keys, values, start);
      System.out.printf(
          "round %d: pass-through %.1f CPU-us/request; fabric %.1f CPU-us/decision (%.1fx); "
              + "records produced per request: pass-through %.2f, fabric %.2f %s%n",
          round,
          pass.cpuMicros(),
          fabric.cpuMicros(),
          fabric.cpuMicros() / pass.cpuMicros(),
          pass.recordsPerRequest(),
          fabric.recordsPerRequest(),
          fabric.byTopic());
    }
  }

  private record Result(double cpuMicros, double recordsPerRequest, Map<String, String> byTopic) {}

  private static Result run(Topology topology, byte[][] keys, byte[][] values, Instant start)
      throws Exception {
    Path state = Files.createTempDirectory("fabric-cpu-cost-");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "cpu-cost");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, props, start)) {
      TestInputTopic<byte[], byte[]> in =
          driver.createInputTopic(
              "requests",
              new ByteArraySerializer(),
              new ByteArraySerializer(),
              start,
              Duration.ZERO);
      long cpu0 = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < keys.length; i++) {
        in.pipeInput(keys[i], values[i]);
        driver.advanceWallClockTime(Duration.ofMillis(1));
      }
      driver.advanceWallClockTime(Duration.ofSeconds(11));
      long cpu = threads.getCurrentThreadCpuTime() - cpu0;
      Map<String, String> byTopic = new TreeMap<>();
      long total = 0;
      for (String topic : driver.producedTopicNames()) {
        long n =
            driver
                .createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer())
                .getQueueSize();
        total += n;
        byTopic.put(
            topic.replace("cpu-cost-", ""), String.format("%.2f", (double) n / keys.length));
      }
      return new Result(cpu / 1e3 / keys.length, (double) total / keys.length, byTopic);
    }
  }
}
