package io.provability.fabric.processors.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EvidenceBundle;
import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.events.LeafKind;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.merkle.MerkleTree;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bundler on its own, with a real in-memory store: what it keeps, what it emits, and that a new
 * bundler over the same store (what a restart, a task move or an exactly-once abort amounts to once
 * the store is restored from its changelog) carries on the open bundles.
 */
class EvidenceBundlerTest {
  private static final long T0 = 1_764_000_000_000L;
  private static final EvidenceBundler.Settings SETTINGS =
      new EvidenceBundler.Settings(Duration.ofSeconds(10), 8, 1 << 20, Duration.ofSeconds(1));

  private KeyValueStore<String, PendingEvidence> store;
  private MockProcessorContext<String, EvidenceBundle> context;
  private final List<byte[]> s1Bodies = new ArrayList<>();
  private int seq;

  @BeforeEach
  void openStore() {
    context = new MockProcessorContext<>();
    store = Stores.keyValueStoreBuilder(HashKeyValueStore.supplier(StoreNames.EVIDENCE_PENDING),
        Serdes.String(), StoreSerdes.pendingEvidence()).withLoggingDisabled().build();
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
  }

  private EvidenceBundler bundler(long now) {
    context.setCurrentSystemTimeMs(now);
    EvidenceBundler bundler = new EvidenceBundler(SETTINGS, null);
    bundler.init(context);
    return bundler;
  }

  private void decide(EvidenceBundler bundler, String session, String tenant) {
    int n = seq++;
    byte[] request = ("request " + n).getBytes(StandardCharsets.UTF_8);
    Decision decision = Decision.newBuilder()
        .setDecisionId("dec-" + n).setRequestId("req-" + n).setSessionId(session).setTenant(tenant)
        .setSubjectId("alice").setKind(RequestKind.PLAN).setVerdict(Verdict.ALLOW).setReasons(List.of())
        .setPolicyVersion(1).setDecidedAt(Instant.ofEpochMilli(T0)).setEvalMicros(1)
        .setRequestHash(ByteBuffer.wrap(new byte[32])).build();
    byte[] decisionBytes = CanonicalEncoding.encode(decision);
    if (session.equals("s1")) {
      s1Bodies.add(request);
      s1Bodies.add(decisionBytes);
    }
    // the bundler reads the request only as its canonical bytes, so the event itself can be any record
    bundler.process(new Record<>(session, new Evidence(decision, request, decision, decisionBytes), T0));
  }

  private void punctuateAt(long now) {
    context.setCurrentSystemTimeMs(now);
    context.scheduledPunctuators().get(context.scheduledPunctuators().size() - 1).getPunctuator().punctuate(now);
  }

  private List<EvidenceBundle> emitted() {
    List<EvidenceBundle> out = new ArrayList<>();
    context.forwarded().forEach(f -> out.add(f.record().value()));
    return out;
  }

  private static List<byte[]> bodies(EvidenceBundle bundle) {
    List<byte[]> out = new ArrayList<>();
    for (EvidenceLeaf leaf : bundle.getLeaves()) {
      ByteBuffer b = leaf.getBody().duplicate();
      byte[] bytes = new byte[b.remaining()];
      b.get(bytes);
      out.add(bytes);
    }
    return out;
  }

  @Test
  void aNewBundlerOverTheRestoredStoreCarriesOnTheOpenBundlesAndClosesThemOnTheirOriginalDeadline() {
    EvidenceBundler first = bundler(T0);
    decide(first, "s1", "tenant-a");
    decide(first, "s2", "tenant-a");
    context.setCurrentSystemTimeMs(T0 + 3_000);
    decide(first, "s1", "tenant-a");
    assertThat(emitted()).isEmpty();
    assertThat(store.approximateNumEntries()).as("one entry per decision, not per leaf").isEqualTo(3);

    // the "restart": a fresh bundler, same (restored) store, and a clock that has moved on
    EvidenceBundler second = bundler(T0 + 6_000);
    decide(second, "s1", "tenant-a");
    punctuateAt(T0 + 9_999);
    assertThat(emitted()).as("nothing is due before the first bundler's deadline").isEmpty();

    punctuateAt(T0 + 10_000);
    List<EvidenceBundle> bundles = emitted();
    assertThat(bundles).extracting(EvidenceBundle::getSessionId).containsExactlyInAnyOrder("s1", "s2");
    EvidenceBundle s1 = bundles.stream().filter(b -> b.getSessionId().equals("s1")).findFirst().orElseThrow();
    assertThat(s1.getWindowStart()).isEqualTo(Instant.ofEpochMilli(T0));
    assertThat(s1.getLeaves()).extracting(EvidenceLeaf::getKind).containsExactly(
        LeafKind.REQUEST, LeafKind.DECISION, LeafKind.REQUEST, LeafKind.DECISION, LeafKind.REQUEST, LeafKind.DECISION);
    assertThat(s1.getLeaves()).extracting(EvidenceLeaf::getDecisionId)
        .containsExactly("dec-0", "dec-0", "dec-2", "dec-2", "dec-3", "dec-3");
    assertThat(bodies(s1)).containsExactlyElementsOf(s1Bodies);
    assertThat(s1.getRoot()).isEqualTo(ByteBuffer.wrap(MerkleTree.fromLeaves(s1Bodies).root()));
    assertThat(store.approximateNumEntries()).as("closed bundles leave nothing behind").isZero();
  }

  @Test
  void aBundleClosesAtItsLeafBoundAndATenantChangeClosesTheOpenOne() {
    EvidenceBundler bundler = bundler(T0);
    for (int i = 0; i < 4; i++) {
      decide(bundler, "s1", "tenant-a");
    }
    assertThat(emitted()).hasSize(1);
    assertThat(emitted().get(0).getLeaves()).hasSize(8);
    assertThat(store.approximateNumEntries()).isZero();

    decide(bundler, "s1", "tenant-a");
    decide(bundler, "s1", "tenant-b");
    assertThat(emitted()).extracting(EvidenceBundle::getTenant).containsExactly("tenant-a", "tenant-a");
    assertThat(emitted().get(1).getLeaves()).hasSize(2);
    assertThat(store.approximateNumEntries()).as("the tenant-b bundle is open").isEqualTo(1);
  }

  @Test
  void theStoreFormatRoundTripsAndAForeignOrTruncatedValueIsRefused() {
    PendingEvidence entry = new PendingEvidence(T0, T0 + 10_000, "tenant-ä", "dec-1", "req-1", List.of(
        new PendingEvidence.Leaf(LeafKind.REQUEST, new byte[] {1, 2, 3}),
        new PendingEvidence.Leaf(LeafKind.CERTIFICATE, new byte[0])));
    byte[] bytes = entry.toBytes();
    PendingEvidence back = PendingEvidence.fromBytes(bytes);
    assertThat(back.tenant()).isEqualTo("tenant-ä");
    assertThat(back.leaves()).extracting(PendingEvidence.Leaf::kind).containsExactly(LeafKind.REQUEST, LeafKind.CERTIFICATE);
    assertThat(back.leaves().get(0).body()).containsExactly(1, 2, 3);
    assertThat(back.bodyBytes()).isEqualTo(3);

    byte[] foreign = bytes.clone();
    foreign[0] = 7;
    assertThatThrownBy(() -> PendingEvidence.fromBytes(foreign)).hasMessageContaining("format 7");
    byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 2);
    assertThatThrownBy(() -> PendingEvidence.fromBytes(truncated)).isInstanceOf(IllegalStateException.class);
    byte[] trailing = java.util.Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> PendingEvidence.fromBytes(trailing)).hasMessageContaining("trailing");
  }

  @Test
  void entryKeysSortByPositionAsTenZeroPaddedDigits() {
    assertThat(EvidenceBundler.entryKey("s1", 7)).isEqualTo("s1\u0000" + "0000000007");
    assertThat(EvidenceBundler.entryKey("s1", 1_234_567_890)).isEqualTo("s1\u0000" + "1234567890");
    assertThat(EvidenceBundler.entryKey("s", 9).compareTo(EvidenceBundler.entryKey("s", 10))).isNegative();
  }
}
