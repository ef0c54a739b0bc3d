package io.provability.fabric.schemas.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.events.EgressCertificate;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.fixtures.EventFixtures;
import io.provability.fabric.schemas.fixtures.SingleFieldMutations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CanonicalEncodingTest {

  @Test
  void mapInsertionOrderDoesNotChangeTheBytesOrTheHash() {
    PlanRequest forward = planWithArgs(List.of("query", "k", "shard", "ünïcode", "𝄞", "\uffff"));
    PlanRequest backward = planWithArgs(List.of("\uffff", "𝄞", "ünïcode", "shard", "k", "query"));

    assertThat(forward).isEqualTo(backward);
    assertThat(CanonicalEncoding.encode(forward)).isEqualTo(CanonicalEncoding.encode(backward));
    assertThat(CanonicalEncoding.sha256(forward)).isEqualTo(CanonicalEncoding.sha256(backward));
  }

  @Test
  void mapKeysAreWrittenInUtf8ByteOrder() throws Exception {
    // U+FFFF sorts before U+1D11E in UTF-16 (String.compareTo) but after it in UTF-8 bytes.
    PlanRequest plan = planWithArgs(List.of("𝄞", "\uffff", "b", "a"));
    PlanRequest sortedByBytes = planWithArgs(List.of("a", "b", "\uffff", "𝄞"));

    // Avro's own encoder writes maps in iteration order, so with keys inserted in byte order it
    // must produce exactly the canonical bytes.
    assertThat(CanonicalEncoding.encode(plan))
        .isEqualTo(Bytes.toArray(sortedByBytes.toByteBuffer()))
        .isNotEqualTo(Bytes.toArray(plan.toByteBuffer()));
  }

  @ParameterizedTest
  @MethodSource("stringValues")
  void stringsAreWrittenAsAvroWritesThem(String text) throws Exception {
    // ASCII strings take a path of their own (bytes copied straight into the buffer); every other
    // string Avro's path. Both must give Avro's own bytes: Latin-1 chars (0x80-0xFF) are the case a
    // low-byte copy would get wrong.
    PlanRequest plan = EventFixtures.planRequest();
    plan.setRequestId(text);
    plan.setSessionId(text + text);
    assertThat(CanonicalEncoding.encode(plan)).isEqualTo(Bytes.toArray(plan.toByteBuffer()));
  }

  static Stream<String> stringValues() {
    return Stream.of(
        "",
        "a",
        "plain-ascii-0123456789/**",
        "\u007f edge",
        "caf\u00e9",
        "\u00ff\u0080",
        "Łódź",
        "日本語",
        "𝄞 clef",
        "x".repeat(5000),
        "x".repeat(5000) + "é");
  }

  @Test
  void integerValuedMapsAreSortedToo() {
    EgressCertificate one = EventFixtures.egressCertificate();
    EgressCertificate other = EventFixtures.egressCertificate();
    Map<String, Integer> reversed = new LinkedHashMap<>();
    reversed.put("phone", 1);
    reversed.put("ip_address", 0);
    reversed.put("email", 1);
    other.setDetectorCounts(reversed);

    assertThat(CanonicalEncoding.encode(other)).isEqualTo(CanonicalEncoding.encode(one));
  }

  static Stream<SpecificRecord> fixtures() {
    return EventFixtures.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void changingAnyOneFieldChangesTheHash(SpecificRecord event) {
    byte[] original = CanonicalEncoding.sha256(event);
    Map<String, SpecificRecord> mutations = SingleFieldMutations.of(event);
    Set<String> hashes = new HashSet<>();
    hashes.add(Hex.encode(original));

    for (Map.Entry<String, SpecificRecord> mutation : mutations.entrySet()) {
      assertThat(mutation.getValue()).as(mutation.getKey()).isNotEqualTo(event);
      String hash = Hex.encode(CanonicalEncoding.sha256(mutation.getValue()));
      assertThat(hashes.add(hash)).as("%s gives a hash seen before", mutation.getKey()).isTrue();
    }
    assertThat(mutations.size()).isGreaterThanOrEqualTo(event.getSchema().getFields().size());
  }

  @Test
  void everyFieldOfAPlanIsCoveredByTheMutations() {
    Set<String> paths = SingleFieldMutations.of(EventFixtures.planRequest()).keySet();

    assertThat(paths)
        .contains(
            "request_id",
            "subject.caps-",
            "subject.token=null",
            "subject.token.capabilities[0].effect",
            "steps[0].args+",
            "steps[0].effect",
            "steps[0].receipts[0].signature",
            "input_channels.user.quoted",
            "input_channels.file[0].content_hash",
            "constraints.dp_delta",
            "expires_at")
        .hasSizeGreaterThanOrEqualTo(70);
  }

  @Test
  void everyNanIsWrittenAsTheOneCanonicalNan() {
    PlanRequest plain = EventFixtures.planRequest();
    plain.getConstraints().setBudget(Double.NaN);
    PlanRequest payload = EventFixtures.planRequest();
    payload.getConstraints().setBudget(Double.longBitsToDouble(0x7ff8_0000_dead_beefL));

    assertThat(payload.getConstraints().getBudget()).isNaN();
    assertThat(CanonicalEncoding.encode(payload)).isEqualTo(CanonicalEncoding.encode(plain));
  }

  @Test
  void unpairedSurrogatesAreRejectedInsteadOfWrittenAsQuestionMarks() {
    PlanRequest plan = EventFixtures.planRequest();
    plan.setPlanId("plan-\ud800");

    assertThatThrownBy(() -> CanonicalEncoding.encode(plan))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("surrogate")
        .hasMessageContaining("plan_id");
  }

  @Test
  void twoMapKeysSpellingTheSameStringAreRejected() {
    PlanRequest plan = EventFixtures.planRequest();
    Map<String, String> args = new LinkedHashMap<>();
    args.put("k", "5");
    addUtf8Key(args, "k", "6");
    plan.getSteps().get(0).setArgs(args);

    assertThatThrownBy(() -> CanonicalEncoding.encode(plan))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate map key \"k\"");
  }

  @Test
  void aMissingRequiredFieldIsRejectedWithItsName() {
    PlanRequest plan = EventFixtures.planRequest();
    plan.setSessionId(null);

    assertThatThrownBy(() -> CanonicalEncoding.encode(plan))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("session_id");
  }

  @Test
  void theHeaderIsTheSingleObjectHeaderOfTheRecordsSchema() {
    byte[] bytes = CanonicalEncoding.encode(EventFixtures.policyVersion());
    long fingerprint =
        SchemaNormalization.parsingFingerprint64(EventFixtures.policyVersion().getSchema());

    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    assertThat(ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong())
        .isEqualTo(fingerprint);
  }

  private static PlanRequest planWithArgs(List<String> keysInOrder) {
    PlanRequest plan = EventFixtures.planRequest();
    Map<String, String> args = new LinkedHashMap<>();
    for (String key : keysInOrder) {
      args.put(key, "value of " + key);
    }
    List<PlanStep> steps = new ArrayList<>(plan.getSteps());
    steps.get(0).setArgs(args);
    plan.setSteps(steps);
    return plan;
  }

  @SuppressWarnings({"unchecked", "rawtypes"}) // puts a Utf8 key where the type says String
  private static void addUtf8Key(Map<String, String> map, String key, String value) {
    ((Map) map).put(new Utf8(key), value);
  }
}
