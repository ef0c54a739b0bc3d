package io.provability.fabric.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.cache.CacheMetrics;
import io.provability.fabric.processors.cache.CacheName;
import io.provability.fabric.processors.cache.HotTier;
import io.provability.fabric.processors.cache.HotTierSettings;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.egress.EgressPolicies;
import io.provability.fabric.processors.kernel.KernelLimits;
import io.provability.fabric.processors.kernel.ReceiptSigning;
import io.provability.fabric.processors.kernel.TokenSigning;
import io.provability.fabric.processors.retrieval.PrivacyBudget;
import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.processors.stream.StoreNames;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.serde.EventSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The retrieval gateway and the egress firewall in the topology: a session's privacy budget is kept
 * in the {@code privacy-budgets} store across its requests, and decisions carry receipts and
 * certificates into the evidence.
 */
class RetrievalTopologyTest {
  private static final Instant START = Instant.parse("2026-11-27T12:00:00Z");
  private static final FabricTopology.Topics TOPICS =
      new FabricTopology.Topics("requests", "decisions", "evidence", "dlq", "policy");

  private final Ed25519.SigningKey issuer = Ed25519.SigningKey.fromSeed("issuer-1", new byte[32]);
  private final Ed25519.SigningKey evidenceKey = Ed25519.SigningKey.fromSeed("evidence-1", seed(9));
  private final Ed25519.SigningKey gatewayKey = Ed25519.SigningKey.fromSeed("gateway-1", seed(3));
  private final Ed25519.SigningKey certificateKey = Ed25519.SigningKey.fromSeed("egress-1", seed(5));
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> requests;
  private TestOutputTopic<String, Decision> decisions;
  private TestOutputTopic<String, byte[]> evidence;
  private KeyValueStore<String, PrivacySpend> budgets;

  @org.junit.jupiter.api.io.TempDir
  java.nio.file.Path stateDir;

  private static byte[] seed(int v) {
    byte[] s = new byte[32];
    java.util.Arrays.fill(s, (byte) v);
    return s;
  }

  @BeforeEach
  void start() {
    start(HotTier.disabled());
  }

  private void start(HotTier hotTier) {
    FabricTopology.Settings settings = new FabricTopology.Settings(TOPICS, Duration.ofHours(1),
        KernelLimits.DEFAULTS, 100L, new PrivacyBudget(1.0, 1e-5), EgressPolicies.defaults());
    FabricTopology.Keys keys = new FabricTopology.Keys(KeyRing.of(Map.of(issuer.keyId(), issuer.publicKey())),
        KeyRing.of(Map.of(gatewayKey.keyId(), gatewayKey.publicKey())), gatewayKey, certificateKey);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "retrieval-topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put("processing.exception.handler.global.enabled", true);
    driver = new TopologyTestDriver(FabricTopology.build(settings, keys, hotTier), props, START);
    requests = driver.createInputTopic("requests", new ByteArraySerializer(), new ByteArraySerializer());
    decisions = driver.createOutputTopic("decisions", new StringDeserializer(), EventSerde.of(Decision.class).deserializer());
    evidence = driver.createOutputTopic("evidence", new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
    budgets = driver.getKeyValueStore(StoreNames.PRIVACY_BUDGETS);
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
    }
  }

  private CapabilityToken token() {
    Capability retrieve = Capability.newBuilder().setName("retrieve").setEffect(EffectKind.READ)
        .setResources(List.of("acme/**")).build();
    Capability pii = Capability.newBuilder().setName("read_pii").setEffect(EffectKind.READ)
        .setResources(List.of("acme/**")).build();
    return TokenSigning.sign(CapabilityToken.newBuilder()
        .setTokenId("tok-1").setTenant("acme").setSubjectId("agent-7").setCapabilities(List.of(retrieve, pii))
        .setIssuedAt(START.minusSeconds(60)).setNotBefore(START.minusSeconds(60)).setExpiresAt(START.plus(Duration.ofHours(1)))
        .setIssuer("test").setKeyId(issuer.keyId()).setSignature(ByteBuffer.allocate(0)).build(), issuer);
  }

  private RetrievalRequest pii(String requestId, String session, double epsilon) {
    return RetrievalRequest.newBuilder()
        .setRequestId(requestId).setSessionId(session).setRequestedAt(START).setTenant("acme").setSubjectId("agent-7")
        .setToken(token()).setQuery("customers in Lisbon").setRequestedLabels(List.of("pii"))
        .setIndexShard("crm-1").setDpEpsilon(epsilon).setDpDelta(1e-6).build();
  }

  private void send(String session, SpecificRecord request) {
    requests.pipeInput(session.getBytes(StandardCharsets.UTF_8), EventCodec.standard().encode(request), START);
  }

  @Test
  void aSessionsPrivacyBudgetIsSpentAcrossItsRequestsAndARetryIsNotChargedTwice() {
    spendAcrossRequests();
  }

  @Test
  void theBudgetIsEnforcedExactlyTheSameThroughTheSessionSpendCache() {
    driver.close();
    CacheMetrics metrics = CacheMetrics.simple();
    HotTier hotTier = HotTier.inProcess(HotTierSettings.DEFAULTS.withShadowCheck(true), metrics);
    start(hotTier);
    spendAcrossRequests();
    // s1: r1 miss, then r2, r3, r5, r6 hits; s2: r4 miss (the retry of r1 is answered before any read)
    assertThat(metrics.lookups(CacheName.RETRIEVAL_SESSIONS, CacheMetrics.Outcome.HIT_EXACT)).isEqualTo(4);
    assertThat(metrics.lookups(CacheName.RETRIEVAL_SESSIONS, CacheMetrics.Outcome.MISS)).isEqualTo(2);
    assertThat(metrics.shadowChecks()).isEqualTo(4);
    assertThat(metrics.shadowMismatches()).isZero();
    driver.close();
    driver = null;
    assertThat(metrics.invalidations(CacheName.RETRIEVAL_SESSIONS, "task_closed"))
        .as("closing the task drops its cache").isEqualTo(2);
  }

  private void spendAcrossRequests() {
    send("s1", pii("r1", "s1", 0.4));
    send("s1", pii("r2", "s1", 0.4));
    send("s1", pii("r1", "s1", 0.4));      // a retry of r1: its first decision again, no second charge
    send("s1", pii("r3", "s1", 0.4));      // 0.8 + 0.4 > 1.0
    send("s2", pii("r4", "s2", 0.4));      // another session has its own budget
    send("s1", pii("r5", "s1", 0.2));      // exactly the rest
    send("s1", pii("r6", "s1", 0.0));      // nothing left for pii, even at epsilon 0

    List<Decision> out = decisions.readValuesToList();
    assertThat(out).extracting(Decision::getRequestId).containsExactly("r1", "r2", "r1", "r3", "r4", "r5", "r6");
    assertThat(out).extracting(Decision::getVerdict).containsExactly(
        Verdict.ALLOW, Verdict.ALLOW, Verdict.ALLOW, Verdict.DENY, Verdict.ALLOW, Verdict.ALLOW, Verdict.DENY);
    assertThat(out.get(2)).isEqualTo(out.get(0));
    assertThat(out.get(3).getReasons()).extracting(r -> r.getCode()).containsExactly("BUDGET_EXHAUSTED");
    assertThat(out.get(6).getReasons()).extracting(r -> r.getCode()).containsExactly("BUDGET_EXHAUSTED");
    assertThat(out).allSatisfy(d -> assertThat(d.getKind()).isEqualTo(RequestKind.RETRIEVAL));
    assertThat(out.get(3).getReceipt()).isNull();

    PrivacySpend s1 = budgets.get("s1");
    assertThat(s1.epsilon()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(s1.delta()).isCloseTo(3e-6, org.assertj.core.data.Offset.offset(1e-18));
    assertThat(budgets.get("s2")).isEqualTo(new PrivacySpend(0.4, 1e-6));
    assertThat(driver.producedTopicNames())
        .as("the budget store is changelogged, so it is restored after a restart")
        .contains("retrieval-topology-test-" + StoreNames.PRIVACY_BUDGETS + "-changelog");
  }

  @Test
  void anAllowedRetrievalCarriesASignedReceiptIntoItsDecisionAndItsEvidence() {
    send("s1", pii("r1", "s1", 0.1));
    Decision d = decisions.readValue();
    assertThat(d.getVerdict()).as(d.getReasons().toString()).isEqualTo(Verdict.ALLOW);
    assertThat(d.getMatchedCapabilities()).containsExactly("retrieve", "read_pii");
    AccessReceipt receipt = d.getReceipt();
    assertThat(receipt.getKeyId()).isEqualTo("gateway-1");
    assertThat(Ed25519.verify(gatewayKey.publicKey(), ReceiptSigning.signedBytes(receipt), ReceiptSigning.signatureOf(receipt)))
        .isTrue();

    // the entry's decision carries the receipt
    LogEntry entry = LogEntry.decode(evidence.readValue());
    assertThat(EventCodec.standard().decode(entry.decisionBytes(), Decision.class).getReceipt()).isEqualTo(receipt);
  }

  @Test
  void egressRequestsAreDecidedByTheFirewallWithACertificate() {
    EgressRequest clean = EgressRequest.newBuilder().setRequestId("e1").setSessionId("s9").setRequestedAt(START)
        .setTenant("acme").setSubjectId("agent-7").setText("The meeting moved to Thursday.").setPolicyId(null).build();
    send("s9", clean);
    Decision d = decisions.readValue();
    assertThat(d.getKind()).isEqualTo(RequestKind.EGRESS);
    assertThat(d.getVerdict()).as(d.getReasons().toString()).isEqualTo(Verdict.ALLOW);
    assertThat(d.getCertificate()).isNotNull();
    assertThat(d.getRedactedText()).isNull();

    LogEntry entry = LogEntry.decode(evidence.readValue());
    assertThat(EventCodec.standard().decode(entry.decisionBytes(), Decision.class).getCertificate())
        .isEqualTo(d.getCertificate());
    assertThat(entry.requestBytes()).isEqualTo(io.provability.fabric.schemas.hash.CanonicalEncoding.encode(clean));
  }
}
