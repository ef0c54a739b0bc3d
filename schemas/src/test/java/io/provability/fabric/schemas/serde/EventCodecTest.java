package io.provability.fabric.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PolicyVersion;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.fixtures.EventFixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecTest {

  private final EventCodec codec = EventCodec.standard();

  static Stream<SpecificRecord> everyEventType() {
    return EventFixtures.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyEventType")
  void everyEventTypeRoundTrips(SpecificRecord event) {
    byte[] bytes = codec.encode(event);

    assertThat(codec.decode(bytes)).isEqualTo(event).isInstanceOf(event.getClass());
    assertThat(codec.decode(bytes, event.getClass())).isEqualTo(event);
    assertThat(codec.encode(codec.decode(bytes))).isEqualTo(bytes);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyEventType")
  void bytesAreAvroSingleObjectEncodingThatAvroItselfReads(SpecificRecord event) throws Exception {
    byte[] bytes = codec.encode(event);
    // The fixtures fill their maps in sorted key order, where Avro's encoder and ours agree.
    ByteBuffer avroEncoded = (ByteBuffer) event.getClass().getMethod("toByteBuffer").invoke(event);
    BinaryMessageDecoder<?> avroDecoder =
        (BinaryMessageDecoder<?>)
            event
                .getClass()
                .getMethod("createDecoder", SchemaStore.class)
                .invoke(null, codec.schemaStore());

    assertThat(bytes).isEqualTo(Bytes.toArray(avroEncoded));
    assertThat(avroDecoder.decode(bytes)).isEqualTo(event);
  }

  @Test
  void theFixturesCoverEveryEventTypeOfTheCodec() {
    assertThat(EventFixtures.all().stream().map(Object::getClass).collect(Collectors.toSet()))
        .isEqualTo(codec.eventTypes());
  }

  @Test
  void theSchemaStoreKnowsEveryCurrentSchema() {
    for (SpecificRecord event : EventFixtures.all()) {
      long fingerprint = SchemaNormalization.parsingFingerprint64(event.getSchema());
      assertThat(codec.schemaStore().findByFingerprint(fingerprint))
          .isNotNull()
          .extracting(Schema::getFullName)
          .isEqualTo(event.getSchema().getFullName());
    }
    assertThat(codec.schemaStore().findByFingerprint(0x0123456789abcdefL)).isNull();
  }

  @Test
  void anUnknownFingerprintIsUnknownSchemaAndTheMessageNamesIt() {
    byte[] bytes = codec.encode(EventFixtures.policyVersion());
    writeFingerprint(bytes, 0x0123456789abcdefL);

    assertThatThrownBy(() -> codec.decode(bytes))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA))
        .hasMessageContaining("0x0123456789abcdef");
  }

  @Test
  void nullIsMalformed() {
    assertReason(null, DeadLetterReason.MALFORMED, "null");
  }

  @Test
  void anythingShorterThanTheHeaderIsMalformed() {
    byte[] full = codec.encode(EventFixtures.policyVersion());
    for (int length = 0; length < 10; length++) {
      assertReason(Arrays.copyOf(full, length), DeadLetterReason.MALFORMED, "header");
    }
  }

  // 0x00 is the schema-registry format's magic byte: RegistryWireFormatTest covers it
  @ParameterizedTest
  @ValueSource(ints = {0x01, 0xC2, 0xFF})
  void aWrongFirstMagicByteIsMalformed(int first) {
    byte[] bytes = codec.encode(EventFixtures.policyVersion());
    bytes[0] = (byte) first;
    assertReason(bytes, DeadLetterReason.MALFORMED, "expected c301");
  }

  @Test
  void anotherSingleObjectFormatVersionIsMalformed() {
    byte[] bytes = codec.encode(EventFixtures.policyVersion());
    bytes[1] = 0x02;
    assertReason(bytes, DeadLetterReason.MALFORMED, "c302");
  }

  @Test
  void everyTruncationOfABodyIsMalformed() {
    byte[] full = codec.encode(EventFixtures.planRequest());
    for (int length = 10; length < full.length; length++) {
      assertReason(Arrays.copyOf(full, length), DeadLetterReason.MALFORMED, "PlanRequest");
    }
  }

  @Test
  void trailingBytesAreMalformed() {
    byte[] full = codec.encode(EventFixtures.decision());
    byte[] longer = Arrays.copyOf(full, full.length + 2);

    assertReason(longer, DeadLetterReason.MALFORMED, "2 trailing bytes");
  }

  @Test
  void aLengthBeyondTheInputIsMalformedAndAllocatesNothing() {
    // A PolicyVersion body starts with a long, then a string whose length we claim is 2^31 - 2.
    byte[] body = {0x0e, (byte) 0xfc, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 'x'};
    byte[] bytes = header(PolicyVersion.getClassSchema(), body);

    assertReason(bytes, DeadLetterReason.MALFORMED, "claims 2147483646 bytes");
  }

  @Test
  void aHugeArrayCountIsMalformed() {
    // Decision: five empty strings and two enums (seven zero bytes), then the reasons array
    // claiming 2^40 items (the zig-zag varint 80 80 80 80 80 40).
    byte[] body = {
      0, 0, 0, 0, 0, 0, 0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x40
    };

    assertReason(
        header(Decision.getClassSchema(), body),
        DeadLetterReason.MALFORMED,
        "claims 1099511627776 items");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "ascii only",
        "\u007f",
        "caf\u00e9",
        "\u00ff\u0080",
        "日本語",
        "𝄞 clef",
        "mixed é and ascii"
      })
  void stringsRoundTripWhetherAsciiOrNot(String text) {
    // ASCII strings are decoded on a path of their own; every other string by the strict decoder
    PlanRequest plan = EventFixtures.planRequest();
    plan.setRequestId(text);
    plan.setSessionId(text + "/" + text);
    byte[] bytes = codec.encode(plan);
    PlanRequest back = codec.decode(bytes, PlanRequest.class);

    assertThat(back.getRequestId()).isEqualTo(text);
    assertThat(back.getSessionId()).isEqualTo(text + "/" + text);
    assertThat(back).isEqualTo(plan);
  }

  @Test
  void invalidUtf8AfterAsciiIsMalformed() {
    // PolicyVersion: version 7, then a 3-byte string: ASCII, then a lead byte with no continuation.
    byte[] bytes =
        header(
            PolicyVersion.getClassSchema(), new byte[] {0x0e, 0x06, 'a', 'b', (byte) 0xC3, 0x00});

    assertReason(bytes, DeadLetterReason.MALFORMED, "not valid UTF-8");
  }

  @Test
  void invalidUtf8IsMalformed() {
    // PolicyVersion: version 7, then a 2-byte string that is not UTF-8 (a lone continuation byte).
    byte[] bytes =
        header(PolicyVersion.getClassSchema(), new byte[] {0x0e, 0x04, 'a', (byte) 0x80, 0x00});

    assertReason(bytes, DeadLetterReason.MALFORMED, "not valid UTF-8");
  }

  @Test
  void aBooleanThatIsNeitherZeroNorOneIsMalformed() {
    PlanRequest plan = EventFixtures.planRequest();
    plan.getConstraints().setPii(true);
    byte[] bytes = codec.encode(plan);
    int pii = indexOfConstraintsPii(bytes);
    bytes[pii] = 2;

    assertReason(bytes, DeadLetterReason.MALFORMED, "neither 0 nor 1");
  }

  @Test
  void flippingAnyBodyByteGivesAnEventOrMalformedNeverAnythingElse() {
    byte[] original = codec.encode(EventFixtures.decision());
    Random random = new Random(6962);
    for (int i = 10; i < original.length; i++) {
      byte[] bytes = original.clone();
      bytes[i] ^= (byte) (1 + random.nextInt(255));
      try {
        assertThat(codec.decode(bytes)).isInstanceOf(Decision.class);
      } catch (EventDecodeException e) {
        assertThat(e.reason()).as("offset %d", i).isEqualTo(DeadLetterReason.MALFORMED);
      }
    }
  }

  @Test
  void anotherTypeThanTheOneAskedForIsUnsupportedType() {
    byte[] decision = codec.encode(EventFixtures.decision());

    assertThatThrownBy(() -> codec.decode(decision, PlanRequest.class))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.UNSUPPORTED_TYPE))
        .hasMessageContaining("expected PlanRequest")
        .hasMessageContaining("Decision");
    assertThat(codec.decode(decision, SpecificRecord.class)).isInstanceOf(Decision.class);
  }

  @Test
  void theTypeIsCheckedBeforeTheBodyIsRead() {
    byte[] truncatedDecision = Arrays.copyOf(codec.encode(EventFixtures.decision()), 12);

    assertThatThrownBy(() -> codec.decode(truncatedDecision, PlanRequest.class))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.UNSUPPORTED_TYPE));
  }

  @Test
  void onlyEventTypesAreEncoded() {
    Capability notAnEvent = EventFixtures.capabilityGrant().getCapabilities().get(0);

    assertThatThrownBy(() -> codec.encode(notAnEvent))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an event type");
  }

  @Test
  void anInvalidEventIsNotEncoded() {
    PlanRequest plan = EventFixtures.planRequest();
    plan.setTenant(null);

    assertThatThrownBy(() -> codec.encode(plan))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tenant");
  }

  @Test
  void oneCodecServesManyThreadsAtOnce() throws Exception {
    List<SpecificRecord> events = EventFixtures.all();
    List<byte[]> encoded = events.stream().map(codec::encode).toList();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Boolean>> tasks = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        tasks.add(
            () -> {
              for (int round = 0; round < 50; round++) {
                for (int i = 0; i < events.size(); i++) {
                  if (!codec.decode(encoded.get(i)).equals(events.get(i))
                      || !Arrays.equals(codec.encode(events.get(i)), encoded.get(i))) {
                    return false;
                  }
                }
              }
              return true;
            });
      }
      for (Future<Boolean> result : pool.invokeAll(tasks)) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private void assertReason(byte[] bytes, DeadLetterReason reason, String messagePart) {
    assertThatThrownBy(() -> codec.decode(bytes))
        .isInstanceOfSatisfying(
            EventDecodeException.class, e -> assertThat(e.reason()).isEqualTo(reason))
        .hasMessageContaining(messagePart);
  }

  /** The single-object header of {@code schema} followed by {@code body}. */
  static byte[] header(Schema schema, byte[] body) {
    byte[] bytes = new byte[10 + body.length];
    bytes[0] = (byte) 0xC3;
    bytes[1] = 0x01;
    writeFingerprint(bytes, SchemaNormalization.parsingFingerprint64(schema));
    System.arraycopy(body, 0, bytes, 10, body.length);
    return bytes;
  }

  private static void writeFingerprint(byte[] bytes, long fingerprint) {
    for (int i = 0; i < 8; i++) {
      bytes[2 + i] = (byte) (fingerprint >>> (8 * i));
    }
  }

  /**
   * Finds constraints.pii in an encoded plan: it is the only byte between budget's 8 bytes and
   * dp_epsilon's 8 bytes, which we recognise by their values.
   */
  private static int indexOfConstraintsPii(byte[] bytes) {
    byte[] budget = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(1.0).array();
    for (int i = 10; i + 9 <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + 8, budget, 0, 8) && bytes[i + 8] == 1) {
        return i + 8;
      }
    }
    throw new AssertionError("constraints not found");
  }
}
