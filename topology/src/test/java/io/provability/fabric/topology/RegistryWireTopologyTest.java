package io.provability.fabric.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.processors.cache.HotTier;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.RegistryHeader;
import io.provability.fabric.schemas.serde.SchemaIds;
import io.provability.fabric.schemas.serde.WireFormat;
import io.provability.fabric.topology.traffic.SyntheticTraffic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The topology with {@code serde.format=registry}: what it writes, what it reads, what it hashes.
 */
class RegistryWireTopologyTest {
  private static final Instant START = Instant.parse("2026-11-27T12:00:00Z");
  private static final SchemaIds IDS =
      SchemaIds.of(
          Map.of(
              7,
              PlanRequest.getClassSchema(),
              8,
              Decision.getClassSchema(),
              9,
              DeadLetter.getClassSchema()));

  private final Ed25519.SigningKey issuer = Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]);
  private final EventCodec codec = EventCodec.standard().withSchemaIds(IDS);
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> requests;
  private TestOutputTopic<byte[], byte[]> decisions;
  private TestOutputTopic<byte[], byte[]> deadLetters;

  @TempDir Path stateDir;

  @BeforeEach
  void start() {
    FabricTopology.Settings settings =
        new FabricTopology.Settings(
            new FabricTopology.Topics("requests", "decisions", "evidence", "dlq", "policy"),
            Duration.ofHours(1));
    FabricTopology.Keys keys =
        new FabricTopology.Keys(KeyRing.of(Map.of(issuer.keyId(), issuer.publicKey())));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "registry-wire-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver =
        new TopologyTestDriver(
            FabricTopology.build(
                settings,
                keys,
                DecisionObserver.NONE,
                HotTier.disabled(),
                new FabricTopology.Wire(codec, WireFormat.REGISTRY)),
            props,
            START);
    requests =
        driver.createInputTopic("requests", new ByteArraySerializer(), new ByteArraySerializer());
    decisions =
        driver.createOutputTopic(
            "decisions", new ByteArrayDeserializer(), new ByteArrayDeserializer());
    deadLetters =
        driver.createOutputTopic("dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void
      registryFramedAndSingleObjectRequestsGetTheSameRegistryFramedDecisionHashedOverTheCanonicalRequest() {
    PlanRequest plan = new SyntheticTraffic(issuer, 1, 1, START, 5L).next().request();
    byte[] canonical = codec.encode(plan);
    byte[] registryFramed = WireFormat.REGISTRY.frame(canonical, IDS);
    PlanRequest again = PlanRequest.newBuilder(plan).setRequestId("req-again").build();

    requests.pipeInput(plan.getSessionId().getBytes(StandardCharsets.UTF_8), registryFramed, START);
    requests.pipeInput(
        plan.getSessionId().getBytes(StandardCharsets.UTF_8), codec.encode(again), START);

    List<byte[]> out = decisions.readValuesToList();
    assertThat(out).hasSize(2);
    for (byte[] value : out) {
      assertThat(RegistryHeader.isPresent(value)).isTrue();
      assertThat(RegistryHeader.schemaId(value)).isEqualTo(8);
    }
    Decision first = codec.decode(out.get(0), Decision.class);
    assertThat(first.getRequestId()).isEqualTo(plan.getRequestId());
    // the request hash is over the canonical single-object encoding, whatever framing arrived
    assertThat(Bytes.toArray(first.getRequestHash()))
        .isEqualTo(Sha256.digest(CanonicalEncoding.encode(plan)));
    assertThat(codec.decode(out.get(1), Decision.class).getRequestId()).isEqualTo("req-again");
    // and the registry framing is the canonical decision behind another header
    byte[] canonicalDecision = CanonicalEncoding.encode(first);
    assertThat(Arrays.copyOfRange(out.get(0), 5, out.get(0).length))
        .isEqualTo(Arrays.copyOfRange(canonicalDecision, 10, canonicalDecision.length));
  }

  @Test
  void anUnknownSchemaIdIsADeadLetterWrittenInTheRegistryFormat() {
    byte[] unknown =
        WireFormat.REGISTRY.frame(
            codec.encode(new SyntheticTraffic(issuer, 1, 1, START, 6L).next().request()), IDS);
    unknown[4] = 99;

    requests.pipeInput("s".getBytes(StandardCharsets.UTF_8), unknown, START);

    List<byte[]> dlq = deadLetters.readValuesToList();
    assertThat(dlq).hasSize(1);
    assertThat(RegistryHeader.schemaId(dlq.get(0))).isEqualTo(9);
    DeadLetter letter = codec.decode(dlq.get(0), DeadLetter.class);
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA);
    assertThat(letter.getDetail()).contains("registry schema id 99");
    assertThat(decisions.isEmpty()).isTrue();
  }
}
