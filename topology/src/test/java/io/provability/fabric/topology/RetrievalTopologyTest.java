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
import io.provability.fabric.processors.retrieval.SessionKey;
import io.provability.fabric.processors.retrieval.StoredSpend;
import io.provability.fabric.processors.stream.StoreNames;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.assertj.core.data.Offset;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  private final Ed25519.SigningKey certificateKey =
      Ed25519.SigningKey.fromSeed("egress-1", seed(5));
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> requests;
  private TestOutputTopic<String, Decision> decisions;
  private TestOutputTopic<String, byte[]> evidence;
  private KeyValueStore<String, StoredSpend> budgets;
  private static final Duration IDLE_EXPIRY = Duration.ofHours(2);

  @TempDir Path stateDir;

  private static byte[] seed(int v) {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) v);
    return s;
  }

  @BeforeEach
  void start() {
    start(HotTier.disabled());
  }

  private void start(HotTier hotTier) {
    FabricTopology.Settings settings =
        new FabricTopology.Settings(
            TOPICS,
            Duration.ofHours(1),
            KernelLimits.DEFAULTS,
            100L,
            new PrivacyBudget(1.0, 1e-5, IDLE_EXPIRY),
            EgressPolicies.defaults());
    FabricTopology.Keys keys =
        new FabricTopology.Keys(
            KeyRing.of(Map.of(issuer.keyId(), issuer.publicKey())),
            KeyRing.of(Map.of(gatewayKey.keyId(), gatewayKey.publicKey())),
            gatewayKey,
            certificateKey);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "retrieval-topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put("processing.exception.handler.global.enabled", true);
    driver = new TopologyTestDriver(FabricTopology.build(settings, keys, hotTier), props, START);
    requests =
        driver.createInputTopic("requests", new ByteArraySerializer(), new ByteArraySerializer());
    decisions =
        driver.createOutputTopic(
            "decisions", new StringDeserializer(), EventSerde.of(Decision.class).deserializer());
    evidence =
        driver.createOutputTopic("evidence", new StringDeserializer(), new ByteArrayDeserializer());
    budgets = driver.getKeyValueStore(StoreNames.PRIVACY_BUDGETS);
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
    }
  }

  private CapabilityToken token() {
    return token("acme");
  }

  private CapabilityToken token(String tenant) {
    Capability retrieve =
        Capability.newBuilder()
            .setName("retrieve")
            .setEffect(EffectKind.READ)
            .setResources(List.of(tenant + "/**"))
            .build();
    Capability pii =
        Capability.newBuilder()
            .setName("read_pii")
            .setEffect(EffectKind.READ)
            .setResources(List.of(tenant + "/**"))
            .build();
    return TokenSigning.sign(
        CapabilityToken.newBuilder()
            .setTokenId("tok-" + tenant)
            .setTenant(tenant)
            .setSubjectId("agent-7")
            .setCapabilities(List.of(retrieve, pii))
            .setIssuedAt(START.minusSeconds(60))
            .setNotBefore(START.minusSeconds(60))
            .setExpiresAt(START.plus(Duration.ofDays(1)))
            .setIssuer("test")
            .setKeyId(issuer.keyId())
            .setSignature(ByteBuffer.allocate(0))
            .build(),
        issuer);
  }

  private RetrievalRequest pii(String requestId, String session, double epsilon) {
    return pii("acme", requestId, session, epsilon);
  }

  private RetrievalRequest pii(String tenant, String requestId, String session, double epsilon) {
    return RetrievalRequest.newBuilder()
        .setRequestId(requestId)
        .setSessionId(session)
        .setRequestedAt(START)
        .setTenant(tenant)
        .setSubjectId("agent-7")
        .setToken(token(tenant))
        .setQuery("customers in Lisbon")
        .setRequestedLabels(List.of("pii"))
        .setIndexShard("crm-1")
        .setDpEpsilon(epsilon)
        .setDpDelta(1e-6)
        .build();
  }

  private void send(String session, SpecificRecord request) {
    requests.pipeInput(
        session.getBytes(StandardCharsets.UTF_8), EventCodec.standard().encode(request), START);
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
    // s1: r1 miss, then r2, r3, r5, r6 hits; s2: r4 miss (the retry of r1 is answered before any
    // read)
    assertThat(metrics.lookups(CacheName.RETRIEVAL_SESSIONS, CacheMetrics.Outcome.HIT_EXACT))
        .isEqualTo(4);
    assertThat(metrics.lookups(CacheName.RETRIEVAL_SESSIONS, CacheMetrics.Outcome.MISS))
        .isEqualTo(2);
    assertThat(metrics.shadowChecks()).isEqualTo(4);
    assertThat(metrics.shadowMismatches()).isZero();
    driver.close();
    driver = null;
    assertThat(metrics.invalidations(CacheName.RETRIEVAL_SESSIONS, "task_closed"))
        .as("closing the task drops its cache")
        .isEqualTo(2);
  }

  private void spendAcrossRequests() {
    send("s1", pii("r1", "s1", 0.4));
    send("s1", pii("r2", "s1", 0.4));
    send("s1", pii("r1", "s1", 0.4)); // a retry of r1: its first decision again, no second charge
    send("s1", pii("r3", "s1", 0.4)); // 0.8 + 0.4 > 1.0
    send("s2", pii("r4", "s2", 0.4)); // another session has its own budget
    send("s1", pii("r5", "s1", 0.2)); // exactly the rest
    send("s1", pii("r6", "s1", 0.0)); // nothing left for pii, even at epsilon 0

    List<Decision> out = decisions.readValuesToList();
    assertThat(out)
        .extracting(Decision::getRequestId)
        .containsExactly("r1", "r2", "r1", "r3", "r4", "r5", "r6");
    assertThat(out)
        .extracting(Decision::getVerdict)
        .containsExactly(
            Verdict.ALLOW,
            Verdict.ALLOW,
            Verdict.ALLOW,
            Verdict.DENY,
            Verdict.ALLOW,
            Verdict.ALLOW,
            Verdict.DENY);
    assertThat(out.get(2)).isEqualTo(out.get(0));
    assertThat(out.get(3).getReasons())
        .extracting(r -> r.getCode())
        .containsExactly("BUDGET_EXHAUSTED");
    assertThat(out.get(6).getReasons())
        .extracting(r -> r.getCode())
        .containsExactly("BUDGET_EXHAUSTED");
    assertThat(out).allSatisfy(d -> assertThat(d.getKind()).isEqualTo(RequestKind.RETRIEVAL));
    assertThat(out.get(3).getReceipt()).isNull();

    PrivacySpend s1 = budgets.get(SessionKey.of("acme", "s1")).spend();
    assertThat(s1.epsilon()).isCloseTo(1.0, Offset.offset(1e-12));
    assertThat(s1.delta()).isCloseTo(3e-6, Offset.offset(1e-18));
    assertThat(budgets.get(SessionKey.of("acme", "s2")).spend())
        .isEqualTo(new PrivacySpend(0.4, 1e-6));
    assertThat(driver.producedTopicNames())
        .as("the budget store is changelogged, so it is restored after a restart")
        .contains("retrieval-topology-test-" + StoreNames.PRIVACY_BUDGETS + "-changelog");
  }

  @Test
  void twoTenantsReusingASessionIdHaveTheirOwnBudgets() {
    send("shared", pii("acme", "a1", "shared", 0.9));
    send(
        "shared", pii("globex", "g1", "shared", 0.9)); // would exceed 1.0 if the budget were shared
    send("shared", pii("acme", "a2", "shared", 0.2)); // acme's own budget: 0.9 + 0.2 > 1.0

    assertThat(decisions.readValuesToList())
        .extracting(Decision::getRequestId, Decision::getVerdict)
        .containsExactly(
            Tuple.tuple("a1", Verdict.ALLOW),
            Tuple.tuple("g1", Verdict.ALLOW),
            Tuple.tuple("a2", Verdict.DENY));
    assertThat(budgets.get(SessionKey.of("acme", "shared")).spend().epsilon()).isEqualTo(0.9);
    assertThat(budgets.get(SessionKey.of("globex", "shared")).spend().epsilon()).isEqualTo(0.9);
    assertThat(budgets.get("shared")).as("no entry under the bare session id").isNull();
  }

  @Test
  void aSessionIdlePastTheExpiryIsForgottenAndOneStillActiveIsKept() {
    send("idle", pii("r1", "idle", 0.6));
    driver.advanceWallClockTime(Duration.ofMinutes(90));
    send("busy", pii("r2", "busy", 0.6)); // spends 90 minutes after "idle" last did
    driver.advanceWallClockTime(Duration.ofMinutes(31)); // "idle" is now 121 minutes old, "busy" 31

    assertThat(budgets.get(SessionKey.of("acme", "idle"))).as("idle past the 2 h expiry").isNull();
    assertThat(budgets.get(SessionKey.of("acme", "busy")).spend().epsilon()).isEqualTo(0.6);
    assertThat(budgets.get(SessionKey.of("acme", "busy")).lastSpentMillis())
        .isEqualTo(START.plus(Duration.ofMinutes(90)).toEpochMilli());

    driver.advanceWallClockTime(Duration.ofMinutes(90));
    assertThat(budgets.approximateNumEntries())
        .as("every session idle: the store is empty again")
        .isZero();
    // the documented hazard: a session forgotten starts again from zero spend
    send("idle", pii("r3", "idle", 0.6));
    assertThat(decisions.readValuesToList())
        .extracting(Decision::getVerdict)
        .containsExactly(Verdict.ALLOW, Verdict.ALLOW, Verdict.ALLOW);
  }

  @Test
  void theExpirySweepKeepsTheSessionSpendCacheInStepWithTheStore() {
    driver.close();
    CacheMetrics metrics = CacheMetrics.simple();
    start(HotTier.inProcess(HotTierSettings.DEFAULTS.withShadowCheck(true), metrics));
    send("idle", pii("r1", "idle", 0.6));
    driver.advanceWallClockTime(IDLE_EXPIRY.plusMinutes(1));
    send("idle", pii("r2", "idle", 0.6)); // the cache must not serve the forgotten 0.6

    assertThat(decisions.readValuesToList())
        .extracting(Decision::getVerdict)
        .containsExactly(Verdict.ALLOW, Verdict.ALLOW);
    assertThat(metrics.shadowMismatches()).isZero();
  }

  @Test
  void anAllowedRetrievalCarriesASignedReceiptIntoItsDecisionAndItsEvidence() {
    send("s1", pii("r1", "s1", 0.1));
    Decision d = decisions.readValue();
    assertThat(d.getVerdict()).as(d.getReasons().toString()).isEqualTo(Verdict.ALLOW);
    assertThat(d.getMatchedCapabilities()).containsExactly("retrieve", "read_pii");
    AccessReceipt receipt = d.getReceipt();
    assertThat(receipt.getKeyId()).isEqualTo("gateway-1");
    assertThat(
            Ed25519.verify(
                gatewayKey.publicKey(),
                ReceiptSigning.signedBytes(receipt),
                ReceiptSigning.signatureOf(receipt)))
        .isTrue();

    // the entry's decision carries the receipt
    LogEntry entry = LogEntry.decode(evidence.readValue());
    assertThat(EventCodec.standard().decode(entry.decisionBytes(), Decision.class).getReceipt())
        .isEqualTo(receipt);
  }

  @Test
  void egressRequestsAreDecidedByTheFirewallWithACertificate() {
    EgressRequest clean =
        EgressRequest.newBuilder()
            .setRequestId("e1")
            .setSessionId("s9")
            .setRequestedAt(START)
            .setTenant("acme")
            .setSubjectId("agent-7")
            .setText("The meeting moved to Thursday.")
            .setPolicyId(null)
            .build();
    send("s9", clean);
    Decision d = decisions.readValue();
    assertThat(d.getKind()).isEqualTo(RequestKind.EGRESS);
    assertThat(d.getVerdict()).as(d.getReasons().toString()).isEqualTo(Verdict.ALLOW);
    assertThat(d.getCertificate()).isNotNull();
    assertThat(d.getRedactedText()).isNull();

    LogEntry entry = LogEntry.decode(evidence.readValue());
    assertThat(EventCodec.standard().decode(entry.decisionBytes(), Decision.class).getCertificate())
        .isEqualTo(d.getCertificate());
    assertThat(entry.requestBytes()).isEqualTo(CanonicalEncoding.encode(clean));
  }
}
