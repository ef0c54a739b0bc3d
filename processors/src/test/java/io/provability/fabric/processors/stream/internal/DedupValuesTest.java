package io.provability.fabric.processors.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.decide.internal.DecisionIds;
import io.provability.fabric.schemas.hash.SingleObjectHeader;
import io.provability.fabric.schemas.serde.EventCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The deduplication store's values: the two ids out, and back exactly. */
class DedupValuesTest {
  private final EventCodec codec = EventCodec.standard();

  private byte[] decisionFor(String requestId) {
    Decision d =
        Decision.newBuilder()
            .setDecisionId(DecisionIds.forRequest(requestId))
            .setRequestId(requestId)
            .setSessionId("session-ü-1")
            .setTenant("acme")
            .setSubjectId("agent-7")
            .setKind(RequestKind.PLAN)
            .setVerdict(Verdict.DENY)
            .setReasons(
                List.of(
                    Reason.newBuilder()
                        .setCode("CAP_MISS")
                        .setStep(1)
                        .setDetail("step 1 needs read_docs")
                        .setCapability("read_docs")
                        .build()))
            .setMatchedCapabilities(List.of("retrieve"))
            .setTokenId("tok-1")
            .setPolicyVersion(7)
            .setDecidedAt(Instant.ofEpochMilli(1_764_000_000_000L))
            .setEvalMicros(12)
            .setRequestHash(ByteBuffer.wrap(new byte[32]))
            .build();
    return codec.encode(d);
  }

  @ParameterizedTest
  @ValueSource(strings = {"r", "load-20261201-152932-17", "日本語-request", "x"})
  void theStoredValueLeavesOutBothIdsAndRestoresToTheSameBytes(String requestId) {
    byte[] decision = decisionFor(requestId);
    byte[] stored = DedupValues.compact(decision);

    // both ids with their one-byte lengths, and 9 of the header's 10 bytes
    assertThat(decision.length - stored.length)
        .isEqualTo(
            DecisionIds.forRequest(requestId).length()
                + 1
                + requestId.getBytes(StandardCharsets.UTF_8).length
                + 1
                + 9);
    assertThat(stored[0]).isEqualTo((byte) 2);
    assertThat(DedupValues.restore(requestId, stored)).isEqualTo(decision);
  }

  @Test
  void aValueStoredUnderThePreviousSchemasTagStillRestoresAndDecodes() throws Exception {
    // what a build before the structured reason fields stored: tag 1, a decision of Decision.v1
    Schema v1 =
        new Schema.Parser()
            .parse(
                getClass()
                    .getResourceAsStream(
                        "/io/provability/fabric/schemas/history/Decision.v1.avsc"));
    assertThat(DedupValues.TAGGED_SCHEMAS.get((byte) 1))
        .isEqualTo(SchemaNormalization.parsingFingerprint64(v1));
    GenericRecord reason = new GenericData.Record(v1.getField("reasons").schema().getElementType());
    reason.put("code", "CAP_MISS");
    reason.put("step", 1);
    reason.put("detail", "step 1 needs read_docs");
    GenericRecord d = new GenericData.Record(v1);
    d.put("decision_id", DecisionIds.forRequest("r-old"));
    d.put("request_id", "r-old");
    d.put("session_id", "s");
    d.put("tenant", "acme");
    d.put("subject_id", "agent-7");
    d.put("kind", new GenericData.EnumSymbol(v1.getField("kind").schema(), "PLAN"));
    d.put("verdict", new GenericData.EnumSymbol(v1.getField("verdict").schema(), "DENY"));
    d.put("reasons", List.of(reason));
    d.put("matched_capabilities", List.of());
    d.put("policy_version", 7L);
    d.put("decided_at", 1_764_000_000_000L);
    d.put("eval_micros", 12L);
    d.put("request_hash", ByteBuffer.wrap(new byte[32]));
    byte[] old = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(d).array();

    byte[] stored = DedupValues.compact(old);
    assertThat(stored[0]).isEqualTo((byte) 1);
    byte[] restored = DedupValues.restore("r-old", stored);
    assertThat(restored).isEqualTo(old);
    Decision decoded = codec.decode(restored, Decision.class);
    assertThat(decoded.getReasons().get(0).getCode()).isEqualTo("CAP_MISS");
    assertThat(decoded.getReasons().get(0).getCapability()).isNull();
  }

  @Test
  void requestIdsLongerThanOneVarintByteRestoreToo() {
    String requestId = "r".repeat(300); // a length that takes two varint bytes
    byte[] decision = decisionFor(requestId);

    assertThat(DedupValues.restore(requestId, DedupValues.compact(decision))).isEqualTo(decision);
  }

  @Test
  void theCurrentDecisionSchemaHasAFormatTag() {
    // fails when Decision.avsc changes: give the new fingerprint the next tag, and keep the old
    // ones
    long current = SchemaNormalization.parsingFingerprint64(Decision.getClassSchema());
    assertThat(DedupValues.TAGGED_SCHEMAS).containsValue(current);
    assertThat(SingleObjectHeader.fingerprint(decisionFor("r-1"))).isEqualTo(current);
    assertThat(DedupValues.TAGGED_SCHEMAS).doesNotContainKey((byte) 0xC3);
  }

  @Test
  void valuesWrittenBySession4sFormatStillRestore() {
    // the header kept, the two ids written as empty strings: what the store held before the tags
    String requestId = "load-20261201-152932-17";
    byte[] decision = decisionFor(requestId);
    byte[] tagged = DedupValues.compact(decision);
    byte[] headerForm = new byte[10 + 2 + tagged.length - 1];
    System.arraycopy(decision, 0, headerForm, 0, 10);
    System.arraycopy(tagged, 1, headerForm, 12, tagged.length - 1);

    assertThat(codec.decode(headerForm, Decision.class).getDecisionId()).isEmpty();
    assertThat(DedupValues.restore(requestId, headerForm)).isEqualTo(decision);
  }

  @Test
  void aDecisionOfAnUntaggedWriterSchemaKeepsItsHeader() {
    byte[] decision = decisionFor("req-9");
    decision[2] ^= 0x55; // another fingerprint: as if written with a schema that has no tag yet
    byte[] stored = DedupValues.compact(decision);

    assertThat(stored[0]).isEqualTo((byte) 0xC3);
    assertThat(DedupValues.restore("req-9", stored)).isEqualTo(decision);
  }

  @Test
  void anUnknownTagIsRefusedNotGuessed() {
    byte[] stored = DedupValues.compact(decisionFor("req-2"));
    stored[0] = 0x7f;

    assertThatThrownBy(() -> DedupValues.restore("req-2", stored))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown format tag 127");
  }

  @Test
  void wholeDecisionsFromBeforeThisFormatAreReturnedAsTheyAre() {
    byte[] decision = decisionFor("req-1");

    assertThat(DedupValues.restore("req-1", decision)).isSameAs(decision);
  }

  @Test
  void decisionIdAndRequestIdAreTheFirstTwoFieldsOfTheSchema() {
    // the byte layout DedupValues relies on: reordering the schema must fail here, not corrupt
    // state
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

    assertThatThrownBy(() -> DedupValues.compact(truncated))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an encoded decision");
  }
}
