package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provability.fabric.events.CapabilityRevocation;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.stream.PolicyStateKeys;
import io.provability.fabric.processors.stream.StoreNames;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.tools.internal.demo.KafkaTraffic;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.TopicSetup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * Revocation on a running, scaled-out pipeline: two instances of the same application share the
 * request partitions while traffic using one token flows; the token is revoked on the policy-state
 * topic. "Applied" means: the revocation record is readable in the global policy-state store of
 * <em>both</em> instances (queried through {@link KafkaStreams#store}). Every decision for that
 * token whose {@code decided_at} is after that moment must be DENY with TOKEN_REVOKED, and a
 * control token that was not revoked must keep being allowed. The time from the broker's
 * acknowledgement of the revocation to its visibility in both stores is measured and printed.
 */
class RevocationEndToEndIT {
  private static final Duration PATIENCE = Duration.ofMinutes(3);
  private static final String HASH =
      Hex.encode(Sha256.digest("system prompt v1".getBytes(StandardCharsets.UTF_8)));

  @Test
  void aRevocationDeniesEveryLaterRequestOnEveryInstance() throws Exception {
    String ns = ItFixtures.namespace("rev");
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-revocation-it-");
    Ed25519.SigningKey issuer = Ed25519.SigningKey.generate("rev-issuer", new SecureRandom());
    Path trusted = ItFixtures.trustOnly(work.resolve("trusted.keys"), issuer);
    FabricConfig cfgA = ItFixtures.namespacedConfig(ns, work.resolve("a"), trusted, Map.of());
    FabricConfig cfgB = ItFixtures.namespacedConfig(ns, work.resolve("b"), trusted, Map.of());
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()))) {
      TopicSetup.ensure(admin, cfgA);
    }

    Instant now = Instant.now();
    CapabilityToken revoked = token(issuer, ns + "tok-revoked", now);
    CapabilityToken control = token(issuer, ns + "tok-control", now);
    long[] ackedAndApplied = new long[2];

    try (FabricRuntime a = FabricRuntime.start(cfgA, ep, false);
        FabricRuntime b = FabricRuntime.start(cfgB, ep, false);
        KafkaTraffic.DecisionReader reader =
            new KafkaTraffic.DecisionReader(ep.bootstrapServers(), cfgA.topicDecisions());
        // each flush waits for the broker: the round trip paces the traffic, no sleeping
        PlanStream traffic =
            new PlanStream(
                ep.bootstrapServers(),
                cfgA.topicRequests(),
                i -> plan(ns, i, i % 4 == 3 ? control : revoked, Instant.now()),
                "revocation-it-traffic")) {
      ItFixtures.awaitActiveTasks(PATIENCE, a, b);

      traffic.start();

      List<Decision> decisions = new ArrayList<>();
      try {
        ItFixtures.awaitDecisions(
            reader,
            decisions,
            PATIENCE,
            d -> ItFixtures.count(d, revoked.getTokenId(), Verdict.ALLOW, Long.MIN_VALUE) >= 200);

        String key = PolicyStateKeys.revocation(revoked.getTokenId());
        long[] sentAndAcked = new long[2];
        RecordMetadata appended = revoke(ep, cfgA.topicPolicyState(), key, revoked, sentAndAcked);
        long ackedAt = sentAndAcked[1];
        await()
            .atMost(PATIENCE)
            .pollInterval(Duration.ofMillis(1))
            .until(
                () ->
                    policyStore(a.streams()).get(key) != null
                        && policyStore(b.streams()).get(key) != null);
        long appliedAt = System.currentTimeMillis();
        ackedAndApplied[0] = ackedAt;
        ackedAndApplied[1] = appliedAt;
        System.out.printf(
            "revocation propagation: send -> broker ack %d ms; broker ack -> visible in both instances' "
                + "global stores %d ms; send -> visible %d ms (record timestamp %d, visible at %d)%n",
            ackedAt - sentAndAcked[0],
            appliedAt - ackedAt,
            appliedAt - sentAndAcked[0],
            appended.timestamp(),
            appliedAt);

        ItFixtures.awaitDecisions(
            reader,
            decisions,
            PATIENCE,
            d ->
                ItFixtures.count(d, revoked.getTokenId(), null, appliedAt) >= 300
                    && ItFixtures.count(decisions, control.getTokenId(), Verdict.ALLOW, appliedAt)
                        >= 50);
      } finally {
        traffic.halt();
      }
      traffic.stop();

      Instant visible = Instant.ofEpochMilli(ackedAndApplied[1]);
      List<Decision> after =
          decisions.stream()
              .filter(
                  d ->
                      d.getTokenId().equals(revoked.getTokenId())
                          && d.getDecidedAt().isAfter(visible))
              .toList();
      assertThat(after).isNotEmpty();
      assertThat(after)
          .allSatisfy(
              d -> {
                assertThat(d.getVerdict()).as(d.getRequestId()).isEqualTo(Verdict.DENY);
                assertThat(d.getReasons())
                    .extracting(r -> r.getCode())
                    .containsExactly("TOKEN_REVOKED");
              });
      assertThat(
              decisions.stream()
                  .filter(d -> d.getTokenId().equals(control.getTokenId()))
                  .allMatch(d -> d.getVerdict() == Verdict.ALLOW))
          .as("the control token is never denied")
          .isTrue();
      long firstDeny =
          decisions.stream()
              .filter(
                  d ->
                      d.getTokenId().equals(revoked.getTokenId()) && d.getVerdict() == Verdict.DENY)
              .mapToLong(d -> d.getDecidedAt().toEpochMilli())
              .min()
              .orElseThrow();
      long lastAllow =
          decisions.stream()
              .filter(
                  d ->
                      d.getTokenId().equals(revoked.getTokenId())
                          && d.getVerdict() == Verdict.ALLOW)
              .mapToLong(d -> d.getDecidedAt().toEpochMilli())
              .max()
              .orElseThrow();
      System.out.printf(
          "revocation IT: last ALLOW of the revoked token decided %+d ms, first DENY %+d ms after the broker ack%n",
          lastAllow - ackedAndApplied[0], firstDeny - ackedAndApplied[0]);
      assertThat(lastAllow)
          .as("no ALLOW after the revocation applied")
          .isLessThanOrEqualTo(ackedAndApplied[1]);
      System.out.printf(
          "revocation IT: %d requests sent, %d decided, %d decisions of the revoked token after it applied%n",
          traffic.sent(), decisions.size(), after.size());
    }
  }

  private static ReadOnlyKeyValueStore<String, byte[]> policyStore(KafkaStreams streams) {
    return streams.store(
        StoreQueryParameters.fromNameAndType(
            StoreNames.POLICY_STATE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
  }

  /**
   * Publishes the revocation; {@code sentAndAcked} receives the wall-clock send and acknowledgement
   * times.
   */
  private static RecordMetadata revoke(
      StackEndpoints ep, String topic, String key, CapabilityToken token, long[] sentAndAcked)
      throws Exception {
    CapabilityRevocation r =
        CapabilityRevocation.newBuilder()
            .setTokenId(token.getTokenId())
            .setTenant(token.getTenant())
            .setRevokedAt(Instant.now())
            .setReason("revocation IT")
            .build();
    ItFixtures.TimedSend sent =
        ItFixtures.timedSend(ep, topic, key, EventCodec.standard().encode(r));
    sentAndAcked[0] = sent.sentAt();
    sentAndAcked[1] = sent.ackedAt();
    return sent.metadata();
  }

  private static CapabilityToken token(Ed25519.SigningKey issuer, String id, Instant now) {
    return TestPlans.token(
        issuer,
        "revocation-it",
        id,
        "tenant-r",
        "agent-r",
        List.of(TestPlans.capability("read_docs", EffectKind.READ, "tenant-r/docs/**")),
        now.minus(Duration.ofMinutes(1)),
        now.plus(Duration.ofHours(1)));
  }

  private static PlanRequest plan(String ns, long i, CapabilityToken token, Instant at) {
    PlanStep step = TestPlans.searchDocs(Map.of(), "tenant-r/docs/handbook");
    return TestPlans.requestedAt(
        TestPlans.plan(
            ns + "req-" + i,
            ns + "session-" + (i % 64),
            "plan-" + i,
            "tenant-r",
            TestPlans.subject("agent-r", token),
            List.of(step),
            HASH,
            List.of()),
        at);
  }
}
