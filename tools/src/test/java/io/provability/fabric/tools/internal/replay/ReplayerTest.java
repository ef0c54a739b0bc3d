package io.provability.fabric.tools.internal.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.decide.RequestDecider;
import io.provability.fabric.processors.kernel.TokenSigning;
import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.processors.stream.PolicyStateKeys;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.topology.FabricTopology;
import io.provability.fabric.topology.traffic.SyntheticTraffic;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay without servers: decisions recorded by one decider are re-decided by a fresh one (as
 * {@code fabric replay} builds it) under the same or a changed policy state.
 */
class ReplayerTest {
  private static final Instant NOW = Instant.parse("2026-12-01T09:00:00Z");

  private final Ed25519.SigningKey issuer = Ed25519.SigningKey.fromSeed("issuer", new byte[32]);
  private final FabricTopology.Settings settings =
      new FabricTopology.Settings(
          new FabricTopology.Topics("r", "d", "e", "dl", "p"), Duration.ofHours(1));
  private final FabricTopology.Keys keys =
      new FabricTopology.Keys(KeyRing.empty().with(issuer.keyId(), issuer.publicKey()));

  private final Map<String, PlanRequest> requests = new HashMap<>();
  private final List<Decision> recorded = new ArrayList<>();
  private PolicySnapshot policy;

  @BeforeEach
  void record() {
    SyntheticTraffic traffic = new SyntheticTraffic("r-", issuer, 3, 30, NOW, 5L);
    List<PlanRequest> plans = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      plans.add(traffic.next().request());
    }
    Map<String, byte[]> state = new HashMap<>();
    traffic
        .revocations()
        .forEach(
            (id, r) -> state.put(PolicyStateKeys.revocation(id), EventCodec.standard().encode(r)));
    policy = new PolicySnapshot(state, "test");
    RequestDecider live = FabricTopology.decider(settings, keys);
    for (int i = 0; i < plans.size(); i++) {
      PlanRequest p = plans.get(i);
      requests.put(p.getRequestId(), p);
      // decision times spread over 10 minutes: some plans expire on the way
      recorded.add(
          live.decide(p, policy.view(), s -> PrivacySpend.ZERO, NOW.plusSeconds(i)).decision());
    }
  }

  private ReplayReport replay(PolicySnapshot under, List<ReplayedDecision> out) {
    return new Replayer(FabricTopology.decider(settings, keys))
        .replay(
            NOW,
            NOW.plusSeconds(3600),
            recorded,
            id -> requests.containsKey(id) ? new Replayer.Found(requests.get(id), "kafka") : null,
            under.view(),
            under.description(),
            out::add);
  }

  @Test
  void theSamePolicyStateGivesTheSameDecisions() {
    List<ReplayedDecision> out = new ArrayList<>();
    ReplayReport r = replay(policy, out);
    assertThat(r.replayed()).isEqualTo(600);
    assertThat(r.different()).isZero();
    assertThat(r.byReason()).isEmpty();
    assertThat(out).allMatch(ReplayedDecision::same);
    assertThat(recorded).extracting(Decision::getVerdict).contains(Verdict.ALLOW, Verdict.DENY);
  }

  @Test
  void oneRevokedTokenChangesExactlyTheDecisionsMadeWithIt(@TempDir Path dir) throws IOException {
    String token =
        recorded.stream()
            .filter(d -> d.getVerdict() == Verdict.ALLOW)
            .findFirst()
            .orElseThrow()
            .getTokenId();
    Set<String> expected = new TreeSet<>();
    recorded.stream()
        .filter(d -> token.equals(d.getTokenId()))
        .forEach(d -> expected.add(d.getDecisionId()));
    Path file = dir.resolve("policy.json");
    Files.writeString(
        file, "{\"revocations\": [{\"token_id\": \"" + token + "\", \"tenant\": \"t\"}]}");
    List<ReplayedDecision> out = new ArrayList<>();
    ReplayReport r = replay(PolicySnapshot.fromFile(file, policy), out);
    Set<String> differing = new TreeSet<>();
    out.stream().filter(d -> !d.same()).forEach(d -> differing.add(d.recorded().getDecisionId()));
    assertThat(differing).isEqualTo(expected);
    assertThat(r.byReason()).containsEntry("+TOKEN_REVOKED", (long) expected.size());
  }

  @Test
  void aNarrowerGrantDeniesTheStepsItNoLongerCovers(@TempDir Path dir) throws IOException {
    Decision allowed =
        recorded.stream()
            .filter(
                d ->
                    d.getVerdict() == Verdict.ALLOW
                        && d.getMatchedCapabilities().contains("send_email"))
            .findFirst()
            .orElseThrow();
    Path file = dir.resolve("grant.json");
    Files.writeString(
        file,
        "{\"grants\": [{\"tenant\": \""
            + allowed.getTenant()
            + "\", \"subject_id\": \""
            + allowed.getSubjectId()
            + "\", \"capabilities\": [{\"name\": \"read_docs\", \"effect\": \"READ\", "
            + "\"resources\": [\""
            + allowed.getTenant()
            + "/docs/**\"]}]}]}");
    List<ReplayedDecision> out = new ArrayList<>();
    ReplayReport r = replay(PolicySnapshot.fromFile(file, policy), out);
    assertThat(r.different()).isPositive();
    assertThat(r.byReason()).containsKey("+CAP_MISS");
    Set<String> differing = new TreeSet<>();
    out.stream()
        .filter(d -> !d.same())
        .forEach(
            d -> {
              assertThat(d.recorded().getSubjectId()).isEqualTo(allowed.getSubjectId());
              assertThat(d.recorded().getTenant()).isEqualTo(allowed.getTenant());
              differing.add(d.recorded().getDecisionId());
            });
    recorded.stream()
        .filter(
            d ->
                d.getSubjectId().equals(allowed.getSubjectId())
                    && d.getTenant().equals(allowed.getTenant())
                    && d.getMatchedCapabilities().contains("send_email"))
        .forEach(d -> assertThat(differing).contains(d.getDecisionId()));
  }

  @Test
  void aRequestThatDoesNotHashToTheRecordIsNotReplayed() {
    Decision first = recorded.get(0);
    PlanRequest changed =
        PlanRequest.newBuilder(requests.get(first.getRequestId())).setPlanId("other").build();
    requests.put(first.getRequestId(), changed);
    requests.remove(recorded.get(1).getRequestId());
    ReplayReport r = replay(policy, new ArrayList<>());
    assertThat(r.unavailable()).isEqualTo(2);
    assertThat(r.replayed()).isEqualTo(598);
    assertThat(r.examples()).anyMatch(e -> e.startsWith(first.getDecisionId() + ": input differs"));
  }

  @Test
  void policyFilesAreCheckedField(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{\"revoke\": []}");
    assertThatThrownBy(() -> PolicySnapshot.fromFile(file, policy))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown field 'revoke'");
    Files.writeString(file, "{\"policy_version\": 9}");
    assertThat(PolicySnapshot.fromFile(file, PolicySnapshot.empty()).view().policyVersion())
        .isEqualTo(9L);
  }

  @Test
  void retrievalsWithTheirPrivacySpendAndEgressChecksReplayTheSame() {
    Ed25519.SigningKey gateway =
        Ed25519.SigningKey.fromSeed(
            "gateway",
            new byte[] {
              1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
              25, 26, 27, 28, 29, 30, 31, 32
            });
    Ed25519.SigningKey certificates = Ed25519.SigningKey.fromSeed("certificates", new byte[32]);
    FabricTopology.Keys all =
        new FabricTopology.Keys(
            keys.trustedIssuers(),
            KeyRing.empty().with(gateway.keyId(), gateway.publicKey()),
            gateway,
            certificates);
    CapabilityToken token =
        TokenSigning.sign(
            CapabilityToken.newBuilder()
                .setTokenId("tok-r")
                .setTenant("t")
                .setSubjectId("agent")
                .setCapabilities(
                    List.of(
                        Capability.newBuilder()
                            .setName("retrieve")
                            .setEffect(EffectKind.READ)
                            .setResources(List.of("t/*"))
                            .build(),
                        Capability.newBuilder()
                            .setName("read_pii")
                            .setEffect(EffectKind.READ)
                            .setResources(List.of("t/*"))
                            .build()))
                .setIssuedAt(NOW.minusSeconds(60))
                .setNotBefore(NOW.minusSeconds(60))
                .setExpiresAt(NOW.plusSeconds(3600))
                .setIssuer("test")
                .setKeyId(issuer.keyId())
                .setSignature(ByteBuffer.allocate(0))
                .build(),
            issuer);
    List<SpecificRecord> inputs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      inputs.add(
          RetrievalRequest.newBuilder()
              .setRequestId("ret-" + i)
              .setSessionId("s")
              .setRequestedAt(NOW)
              .setTenant("t")
              .setSubjectId("agent")
              .setToken(token)
              .setQuery("q" + i)
              .setRequestedLabels(List.of("pii"))
              .setIndexShard("shard")
              .setDpEpsilon(0.3)
              .setDpDelta(0.0)
              .build());
      inputs.add(
          EgressRequest.newBuilder()
              .setRequestId("egr-" + i)
              .setSessionId("s")
              .setRequestedAt(NOW)
              .setTenant("t")
              .setSubjectId("agent")
              .setText("write to jane.doe" + i + "@example.com today")
              .setPolicyId(null)
              .build());
    }
    // recorded as the topology records them: the session's spend carried from one retrieval to the
    // next
    RequestDecider live = FabricTopology.decider(settings, all);
    Map<String, PrivacySpend> spend = new HashMap<>();
    Map<String, SpecificRecord> byId = new HashMap<>();
    List<Decision> decided = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      RequestDecider.Decided d =
          live.decide(
              inputs.get(i),
              policy.view(),
              session -> spend.getOrDefault(session, PrivacySpend.ZERO),
              NOW.plusSeconds(i));
      if (d.sessionSpend() != null) {
        spend.put(d.sessionKey(), d.sessionSpend());
      }
      decided.add(d.decision());
      byId.put(d.decision().getRequestId(), inputs.get(i));
    }
    assertThat(decided)
        .extracting(d -> d.getVerdict().name())
        .contains("ALLOW", "REDACT")
        .anyMatch(v -> v.equals("DENY"));
    assertThat(decided).filteredOn(d -> d.getCertificate() != null).hasSize(6);

    List<ReplayedDecision> out = new ArrayList<>();
    ReplayReport r =
        new Replayer(FabricTopology.decider(settings, all))
            .replay(
                NOW,
                NOW.plusSeconds(60),
                decided,
                id -> new Replayer.Found(byId.get(id), "kafka"),
                policy.view(),
                "test",
                out::add);
    assertThat(r.replayed()).isEqualTo(12);
    assertThat(r.different()).as("%s", r.examples()).isZero();
    assertThat(out).filteredOn(d -> d.recorded().getReceipt() != null).hasSize(3);

    // a range starting after the session's first retrievals: only with them re-decided first
    // (warm-up)
    // does the budget run out where it did live
    Instant from = NOW.plusSeconds(5);
    List<Decision> range = decided.stream().filter(d -> !d.getDecidedAt().isBefore(from)).toList();
    List<Decision> earlier =
        decided.stream()
            .filter(d -> d.getDecidedAt().isBefore(from) && d.getKind() == RequestKind.RETRIEVAL)
            .toList();
    ReplayReport cold =
        new Replayer(FabricTopology.decider(settings, all))
            .replay(
                from,
                NOW.plusSeconds(60),
                range,
                id -> new Replayer.Found(byId.get(id), "kafka"),
                policy.view(),
                "test",
                d -> {});
    assertThat(cold.different()).isEqualTo(3);
    assertThat(cold.byReason()).containsEntry("-BUDGET_EXHAUSTED", 3L);
    ReplayReport warm =
        new Replayer(FabricTopology.decider(settings, all))
            .replay(
                from,
                NOW.plusSeconds(60),
                earlier,
                range,
                id -> new Replayer.Found(byId.get(id), "kafka"),
                policy.view(),
                "test",
                d -> {});
    assertThat(warm.warmedUp()).isEqualTo(3);
    assertThat(warm.different()).as("%s", warm.examples()).isZero();
  }
}
