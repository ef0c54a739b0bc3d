package io.provability.fabric.topology.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.serde.EventSerde;
import io.provability.fabric.topology.FabricTopology;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's expectations are only worth checking against if they are right: every generated
 * request, of every kind, is decided by the real topology (TopologyTestDriver) exactly as {@link
 * LoadTraffic} says it must be.
 */
class LoadTrafficTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  @TempDir Path stateDir;

  @Test
  void everyGeneratedRequestIsDecidedAsExpectedByTheRealTopology() {
    Ed25519.SigningKey issuer = Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]);
    Ed25519.SigningKey gateway = Ed25519.SigningKey.fromSeed("gateway-1", filled(3));
    FabricTopology.Topics topics =
        new FabricTopology.Topics("requests", "decisions", "evidence", "dlq", "policy");
    FabricTopology.Settings settings = new FabricTopology.Settings(topics, Duration.ofHours(1));
    FabricTopology.Keys keys =
        new FabricTopology.Keys(
            KeyRing.of(Map.of(issuer.keyId(), issuer.publicKey())),
            KeyRing.of(Map.of(gateway.keyId(), gateway.publicKey())),
            gateway,
            Ed25519.SigningKey.fromSeed("egress-1", filled(5)));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "load-traffic-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    LoadProfile profile =
        new LoadProfile(
            1_000,
            Duration.ofSeconds(2),
            500,
            4,
            5,
            LoadProfile.Mix.parse("plan=50,retrieval=30,egress=20"),
            0.6,
            1.0,
            11L);
    LoadTraffic traffic =
        new LoadTraffic("t-r-", "t-", profile, issuer, Clock.fixed(NOW, ZoneOffset.UTC));

    Map<String, LoadTraffic.LoadRequest> sent = new HashMap<>();
    Map<RequestKind, Integer> kinds = new EnumMap<>(RequestKind.class);
    Map<Verdict, Integer> verdicts = new EnumMap<>(Verdict.class);
    try (TopologyTestDriver driver =
        new TopologyTestDriver(FabricTopology.build(settings, keys), props, NOW)) {
      TestInputTopic<byte[], byte[]> requests =
          driver.createInputTopic("requests", new ByteArraySerializer(), new ByteArraySerializer());
      TestOutputTopic<String, Decision> decisions =
          driver.createOutputTopic(
              "decisions", new StringDeserializer(), EventSerde.of(Decision.class).deserializer());
      for (int i = 0; i < profile.totalRequests(); i++) {
        LoadTraffic.LoadRequest r = traffic.next();
        sent.put(r.requestId(), r);
        kinds.merge(r.kind(), 1, Integer::sum);
        requests.pipeInput(r.sessionId().getBytes(StandardCharsets.UTF_8), r.bytes(), NOW);
      }
      for (Decision d : decisions.readValuesToList()) {
        LoadTraffic.LoadRequest r = sent.remove(d.getRequestId());
        assertThat(r).as("one decision per request: %s", d.getRequestId()).isNotNull();
        assertThat(d.getVerdict())
            .as("verdict of %s (%s, reasons %s)", r.requestId(), r.kind(), d.getReasons())
            .isEqualTo(r.expectedVerdict());
        if (r.expectedCode() != null) {
          assertThat(d.getReasons()).extracting(Reason::getCode).contains(r.expectedCode());
        }
        verdicts.merge(d.getVerdict(), 1, Integer::sum);
      }
    }
    assertThat(sent).as("requests without a decision").isEmpty();
    assertThat(kinds).containsOnlyKeys(RequestKind.PLAN, RequestKind.RETRIEVAL, RequestKind.EGRESS);
    assertThat(verdicts).containsKeys(Verdict.ALLOW, Verdict.DENY, Verdict.REDACT, Verdict.BLOCK);
    assertThat(traffic.sessionsTouched()).isBetween(100, 500);
  }

  @Test
  void requestIdsCarryTheirSequenceAndForeignIdsAreRecognised() {
    assertThat(LoadTraffic.sequenceOf("ld1-0-", "ld1-0-4711")).isEqualTo(4711);
    assertThat(LoadTraffic.sequenceOf("ld1-0-", "ld1-1-4711")).isEqualTo(-1);
    assertThat(LoadTraffic.sequenceOf("ld1-0-", "ld1-0-x")).isEqualTo(-1);
  }

  @Test
  void zipfSkewsTowardsTheFirstRanksAndZeroIsUniform() {
    SplittableRandom random = new SplittableRandom(1);
    Zipf skewed = new Zipf(1_000, 1.0);
    Zipf uniform = new Zipf(1_000, 0.0);
    int[] s = new int[1_000];
    int[] u = new int[1_000];
    for (int i = 0; i < 200_000; i++) {
      s[skewed.next(random)]++;
      u[uniform.next(random)]++;
    }
    // Zipf(1) over 1,000 ranks: rank 0 has 1/H(1000) = 13.4 % of the mass, rank 9 a tenth of that
    assertThat(s[0] / 200_000.0).isBetween(0.125, 0.143);
    assertThat((double) s[0] / s[9]).isBetween(8.5, 11.5);
    assertThat(u[0] / 200_000.0).isBetween(0.0007, 0.0013);
  }

  private static byte[] filled(int value) {
    byte[] seed = new byte[32];
    Arrays.fill(seed, (byte) value);
    return seed;
  }

  @Test
  void roundRobinTouchesEverySessionOnceBeforeAnyTwice() {
    LoadProfile profile =
        new LoadProfile(
            1_000,
            Duration.ofSeconds(1),
            1_000,
            4,
            5,
            LoadProfile.Mix.parse("plan=1,retrieval=1,egress=1"),
            0.7,
            1.0,
            2L,
            LoadProfile.SessionOrder.ROUND_ROBIN);
    LoadTraffic traffic =
        new LoadTraffic(
            "rr-",
            "rr-",
            profile,
            Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]),
            Clock.fixed(NOW, ZoneOffset.UTC));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      assertThat(seen.add(traffic.next().sessionId()))
          .as("request %d went to a new session", i)
          .isTrue();
    }
    assertThat(traffic.sessionsTouched()).isEqualTo(1_000);
    assertThat(traffic.next().sessionId()).isEqualTo("rr-s0");
  }
}
