package io.provability.fabric.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityRevocation;
import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.cache.HotTier;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.stream.PolicyStateKeys;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.hash.Sha256;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unit test of the topology wiring on TopologyTestDriver (the end-to-end tests use a real broker).
 */
class FabricTopologyTest {
  private static final Instant START = Instant.parse("2026-11-27T12:00:00Z");
  private static final FabricTopology.Topics TOPICS =
      new FabricTopology.Topics("requests", "decisions", "evidence", "dlq", "policy");

  private final Ed25519.SigningKey issuer = Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]);
  private final Ed25519.SigningKey evidenceKey =
      Ed25519.SigningKey.fromSeed(
          "evidence-1",
          new byte[] {
            9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
            9, 9, 9
          });
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> requests;
  private TestInputTopic<String, byte[]> policy;
  private TestOutputTopic<String, Decision> decisions;
  private TestOutputTopic<String, byte[]> evidence;
  private TestOutputTopic<byte[], DeadLetter> deadLetters;

  @TempDir Path stateDir;

  /**
   * The hot tier the topology runs with: none here; the subclass runs every test again with caches
   * on.
   */
  HotTier hotTier() {
    return HotTier.disabled();
  }

  @BeforeEach
  void start() {
    FabricTopology.Settings settings = new FabricTopology.Settings(TOPICS, Duration.ofHours(1));
    FabricTopology.Keys keys =
        new FabricTopology.Keys(KeyRing.of(Map.of(issuer.keyId(), issuer.publicKey())));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put("processing.exception.handler.global.enabled", true);
    driver = new TopologyTestDriver(FabricTopology.build(settings, keys, hotTier()), props, START);
    requests =
        driver.createInputTopic("requests", new ByteArraySerializer(), new ByteArraySerializer());
    policy = driver.createInputTopic("policy", new StringSerializer(), new ByteArraySerializer());
    decisions =
        driver.createOutputTopic(
            "decisions", new StringDeserializer(), EventSerde.of(Decision.class).deserializer());
    evidence =
        driver.createOutputTopic("evidence", new StringDeserializer(), new ByteArrayDeserializer());
    deadLetters =
        driver.createOutputTopic(
            "dlq", (t, b) -> b, EventSerde.of(DeadLetter.class).deserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private void send(PlanRequest plan) {
    requests.pipeInput(
        plan.getSessionId().getBytes(StandardCharsets.UTF_8),
        EventCodec.standard().encode(plan),
        START);
  }

  @Test
  void decidesEachRequestAsTheKernelDoesAndKeepsBadRecordsOnTheDeadLetterTopic() {
    SyntheticTraffic traffic = new SyntheticTraffic(issuer, 3, 20, START, 42L);
    List<SyntheticTraffic.Generated> generated = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      generated.add(traffic.next());
    }
    traffic
        .revocations()
        .forEach(
            (id, rev) ->
                policy.pipeInput(
                    PolicyStateKeys.revocation(id), EventCodec.standard().encode(rev)));

    for (int i = 0; i < generated.size(); i++) {
      if (i == 50) {
        requests.pipeInput("s".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
      }
      if (i == 100) {
        byte[] unknown = EventCodec.standard().encode(generated.get(0).request());
        unknown[5] ^= 0x55;
        requests.pipeInput("s".getBytes(StandardCharsets.UTF_8), unknown);
      }
      if (i == 150) {
        PlanRequest noTenant =
            PlanRequest.newBuilder(generated.get(0).request()).setTenant("").build();
        send(noTenant);
      }
      send(generated.get(i).request());
    }

    List<Decision> out = decisions.readValuesToList();
    assertThat(out).hasSize(200);
    for (int i = 0; i < out.size(); i++) {
      SyntheticTraffic.Generated g = generated.get(i);
      Decision d = out.get(i);
      assertThat(d.getRequestId()).isEqualTo(g.request().getRequestId());
      assertThat(d.getVerdict())
          .as("request %d (%s)", i, d.getReasons())
          .isEqualTo(g.expectedVerdict());
      if (g.expectedCode() != null) {
        assertThat(d.getReasons()).extracting(r -> r.getCode()).contains(g.expectedCode().name());
      }
    }
    assertThat(out).extracting(Decision::getVerdict).contains(Verdict.ALLOW, Verdict.DENY);

    List<DeadLetter> dlq = deadLetters.readValuesToList();
    assertThat(dlq)
        .extracting(DeadLetter::getReason)
        .containsExactly(
            DeadLetterReason.MALFORMED,
            DeadLetterReason.UNKNOWN_SCHEMA,
            DeadLetterReason.MISSING_FIELD);
    assertThat(dlq.get(2).getDetail()).contains("tenant");
    assertThat(dlq.get(0).getSourceTopic()).isEqualTo("requests");
  }

  @Test
  void aRepeatedRequestGetsTheSameDecisionAndNoNewEvidence() {
    SyntheticTraffic traffic = new SyntheticTraffic(issuer, 1, 1, START, 7L);
    PlanRequest plan = traffic.next().request();
    send(plan);
    send(plan);
    List<Decision> out = decisions.readValuesToList();
    assertThat(out).hasSize(2);
    assertThat(out.get(1)).isEqualTo(out.get(0));

    // one evidence record: the first decision's entry (the repeat adds none)
    List<byte[]> entries = evidence.readValuesToList();
    assertThat(entries).hasSize(1);
    LogEntry entry = LogEntry.decode(entries.get(0));
    assertThat(entry.requestBytes()).isEqualTo(CanonicalEncoding.encode(plan));
    assertThat(EventCodec.standard().decode(entry.decisionBytes(), Decision.class))
        .isEqualTo(out.get(0));
  }

  @Test
  void everyNewDecisionEmitsExactlyOneEntryAtOnceKeyedBySession() {
    SyntheticTraffic traffic = new SyntheticTraffic(issuer, 1, 1, START, 9L);
    List<PlanRequest> sent = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      PlanRequest p = traffic.next().request();
      sent.add(p);
      send(p);
    }
    // no window, no punctuation: each entry leaves with its decision
    List<TestRecord<String, byte[]>> out = evidence.readRecordsToList();
    assertThat(out).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertThat(out.get(i).key()).isEqualTo(sent.get(i).getSessionId());
      LogEntry entry = LogEntry.decode(out.get(i).value());
      byte[] request = CanonicalEncoding.encode(sent.get(i));
      assertThat(entry.requestBytes()).isEqualTo(request);
      Decision d = EventCodec.standard().decode(entry.decisionBytes(), Decision.class);
      assertThat(d.getRequestId()).isEqualTo(sent.get(i).getRequestId());
      assertThat(Bytes.toArray(d.getRequestHash())).isEqualTo(Sha256.digest(request));
    }
  }

  @Test
  void aRevocationOnThePolicyTopicDeniesTheNextRequest() {
    SyntheticTraffic traffic = new SyntheticTraffic(issuer, 1, 1, START, 11L);
    SyntheticTraffic.Generated allowed;
    do {
      allowed = traffic.next();
    } while (allowed.expectedVerdict() != Verdict.ALLOW);
    send(allowed.request());
    String tokenId = allowed.request().getSubject().getToken().getTokenId();
    policy.pipeInput(
        PolicyStateKeys.revocation(tokenId),
        EventCodec.standard()
            .encode(
                CapabilityRevocation.newBuilder()
                    .setTokenId(tokenId)
                    .setTenant(allowed.request().getTenant())
                    .setRevokedAt(START)
                    .setReason("test")
                    .build()));
    PlanRequest again =
        PlanRequest.newBuilder(allowed.request()).setRequestId("req-after-revocation").build();
    send(again);
    List<Decision> out = decisions.readValuesToList();
    assertThat(out).extracting(Decision::getVerdict).containsExactly(Verdict.ALLOW, Verdict.DENY);
    assertThat(out.get(1).getReasons())
        .extracting(r -> r.getCode())
        .containsExactly("TOKEN_REVOKED");
  }

  @Test
  void aGrantOnThePolicyTopicNarrowsTheTokenUntilItIsRemoved() {
    SyntheticTraffic traffic = new SyntheticTraffic(issuer, 1, 1, START, 11L);
    SyntheticTraffic.Generated allowed;
    do {
      allowed = traffic.next();
    } while (allowed.expectedVerdict() != Verdict.ALLOW);
    PlanRequest plan = allowed.request();
    String tenant = plan.getTenant();
    String subject = plan.getSubject().getId();
    String key = PolicyStateKeys.grant(tenant, subject);
    // the current grant holds send_email but no longer read_docs, which every synthetic plan uses
    policy.pipeInput(
        key,
        EventCodec.standard()
            .encode(
                CapabilityGrant.newBuilder()
                    .setGrantId("g-1")
                    .setTenant(tenant)
                    .setSubjectId(subject)
                    .setPolicyVersion(2)
                    .setGrantedAt(START)
                    .setCapabilities(
                        List.of(
                            Capability.newBuilder()
                                .setName("send_email")
                                .setEffect(EffectKind.SEND)
                                .setResources(List.of(tenant + "/mail/*"))
                                .build()))
                    .build()));
    send(PlanRequest.newBuilder(plan).setRequestId("req-under-grant").build());
    policy.pipeInput(key, (byte[]) null);
    send(PlanRequest.newBuilder(plan).setRequestId("req-after-grant-removed").build());

    List<Decision> out = decisions.readValuesToList();
    assertThat(out).extracting(Decision::getVerdict).containsExactly(Verdict.DENY, Verdict.ALLOW);
    assertThat(out.get(0).getReasons()).extracting(r -> r.getCode()).containsOnly("CAP_MISS");
    assertThat(out.get(0).getReasons()).extracting(r -> r.getStep()).contains(0);
  }
}
