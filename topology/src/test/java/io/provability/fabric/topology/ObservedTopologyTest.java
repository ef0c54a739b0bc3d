package io.provability.fabric.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventSerde;
import io.provability.fabric.topology.traffic.SyntheticTraffic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The observer sees exactly what the topology writes: every decision and every dead letter, once.
 */
class ObservedTopologyTest {
  private static final Instant START = Instant.parse("2026-11-27T12:00:00Z");

  @TempDir Path stateDir;

  @Test
  void theObserverSeesEachDecisionAndDeadLetterThatIsWritten() {
    Ed25519.SigningKey issuer = Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]);
    FabricTopology.Settings settings =
        new FabricTopology.Settings(
            new FabricTopology.Topics("requests", "decisions", "evidence", "dlq", "policy"),
            Duration.ofHours(1));
    FabricTopology.Keys keys =
        new FabricTopology.Keys(KeyRing.of(Map.of(issuer.keyId(), issuer.publicKey())));
    List<Decision> seen = new ArrayList<>();
    List<Long> latencies = new ArrayList<>();
    List<DeadLetter> letters = new ArrayList<>();
    DecisionObserver observer =
        new DecisionObserver() {
          @Override
          public void onDecision(Decision decision, long requestTimestamp, long nowMs) {
            seen.add(decision);
            latencies.add(nowMs - requestTimestamp);
          }

          @Override
          public void onDeadLetter(DeadLetter letter) {
            letters.add(letter);
          }
        };
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "observed-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put("processing.exception.handler.global.enabled", true);
    try (TopologyTestDriver driver =
        new TopologyTestDriver(FabricTopology.build(settings, keys, observer), props, START)) {
      TestInputTopic<byte[], byte[]> requests =
          driver.createInputTopic("requests", new ByteArraySerializer(), new ByteArraySerializer());
      SyntheticTraffic traffic = new SyntheticTraffic(issuer, 2, 5, START, 7L);
      for (int i = 0; i < 20; i++) {
        PlanRequest plan = traffic.next().request();
        // requested 250 ms before the driver's wall clock: the latency the observer gets
        requests.pipeInput(
            plan.getSessionId().getBytes(StandardCharsets.UTF_8),
            EventCodec.standard().encode(plan),
            START.minusMillis(250));
      }
      requests.pipeInput("s".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}, START);

      List<Decision> written =
          driver
              .createOutputTopic(
                  "decisions",
                  new StringDeserializer(),
                  EventSerde.of(Decision.class).deserializer())
              .readValuesToList();
      List<DeadLetter> dead =
          driver
              .createOutputTopic("dlq", (t, b) -> b, EventSerde.of(DeadLetter.class).deserializer())
              .readValuesToList();
      assertThat(written).hasSize(20);
      assertThat(seen).containsExactlyElementsOf(written);
      assertThat(latencies).containsOnly(250L);
      assertThat(dead).hasSize(1);
      assertThat(letters).containsExactlyElementsOf(dead);
    }
  }
}
