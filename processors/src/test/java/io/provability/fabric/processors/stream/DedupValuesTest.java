package io.provability.fabric.processors.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.decide.DecisionIds;
import io.provability.fabric.schemas.serde.EventCodec;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The deduplication store's values: the two ids out, and back exactly. */
class DedupValuesTest {
  private final EventCodec codec = EventCodec.standard();

  private byte[] decisionFor(String requestId) {
    Decision d = Decision.newBuilder()
        .setDecisionId(DecisionIds.forRequest(requestId)).setRequestId(requestId).setSessionId("session-ü-1")
        .setTenant("acme").setSubjectId("agent-7").setKind(RequestKind.PLAN).setVerdict(Verdict.DENY)
        .setReasons(List.of(new Reason("CAP_MISS", 1, "step 1 needs read_docs")))
        .setMatchedCapabilities(List.of("retrieve")).setTokenId("tok-1").setPolicyVersion(7)
        .setDecidedAt(Instant.ofEpochMilli(1_764_000_000_000L)).setEvalMicros(12)
        .setRequestHash(ByteBuffer.wrap(new byte[32])).build();
    return codec.encode(d);
  }

  @ParameterizedTest
  @ValueSource(strings = {"r", "load-20261201-152932-17", "日本語-request", "x"})
  void theStoredValueLeavesOutBothIdsAndRestoresToTheSameBytes(String requestId) {
    byte[] decision = decisionFor(requestId);
    byte[] stored = DedupValues.compact(decision);

    assertThat(decision.length - stored.length).isEqualTo(DecisionIds.forRequest(requestId).length()
        + requestId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    assertThat(codec.decode(stored, Decision.class).getDecisionId()).isEmpty();
    assertThat(DedupValues.restore(requestId, stored)).isEqualTo(decision);
  }

  @Test
  void requestIdsLongerThanOneVarintByteRestoreToo() {
    String requestId = "r".repeat(300); // a length that takes two varint bytes
    byte[] decision = decisionFor(requestId);

    assertThat(DedupValues.restore(requestId, DedupValues.compact(decision))).isEqualTo(decision);
  }

  @Test
  void wholeDecisionsFromBeforeThisFormatAreReturnedAsTheyAre() {
    byte[] decision = decisionFor("req-1");

    assertThat(DedupValues.restore("req-1", decision)).isSameAs(decision);
  }

  @Test
  void decisionIdAndRequestIdAreTheFirstTwoFieldsOfTheSchema() {
    // the byte layout DedupValues relies on: reordering the schema must fail here, not corrupt state
    List<Schema.Field> fields = Decision.getClassSchema().getFields();
    assertThat(fields.get(0).name()).isEqualTo("decision_id");
    assertThat(fields.get(1).name()).isEqualTo("request_id");
    assertThat(fields.get(0).schema().getType()).isEqualTo(Schema.Type.STRING);
    assertThat(fields.get(1).schema().getType()).isEqualTo(Schema.Type.STRING);
  }

  @Test
  void bytesThatAreNotADecisionAreRefused() {
    byte[] decision = decisionFor("req-1");
    byte[] truncated = Arrays.copyOf(decision, 14);

    assertThatThrownBy(() -> DedupValues.compact(truncated)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an encoded decision");
  }
}
