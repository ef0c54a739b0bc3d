package io.provability.fabric.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.schemas.fixtures.EventFixtures;
import io.provability.fabric.schemas.hash.Hex;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schema-registry wire format ({@code 00}, 4-byte big-endian schema id, Avro body) against the
 * checked-in vectors in {@code src/test/resources/golden/registry/} (see the README there), with
 * the fixed ids of {@link #IDS}. Regenerate with {@code -Dgolden.regenerate=true}.
 */
class RegistryWireFormatTest {

  private static final boolean REGENERATE = Boolean.getBoolean("golden.regenerate");

  /** The ids the vectors were made with; a registry assigns its own. */
  static final SchemaIds IDS =
      SchemaIds.of(
          Map.of(
              101, PlanRequest.getClassSchema(),
              102, RetrievalRequest.getClassSchema(),
              103, EgressRequest.getClassSchema(),
              104, Decision.getClassSchema()));

  private final EventCodec codec = EventCodec.standard().withSchemaIds(IDS);

  static Stream<Arguments> goldenEvents() {
    return Stream.of(
        Arguments.of("PlanRequest", EventFixtures.planRequest(), 101),
        Arguments.of("RetrievalRequest", EventFixtures.retrievalRequest(), 102),
        Arguments.of("EgressRequest", EventFixtures.egressRequest(), 103),
        Arguments.of("Decision", EventFixtures.decision(), 104));
  }

  @BeforeAll
  static void regenerateWhenAsked() throws IOException {
    if (!REGENERATE) {
      return;
    }
    Files.createDirectories(sourceDirectory());
    for (Arguments golden : goldenEvents().toList()) {
      String name = (String) golden.get()[0];
      SpecificRecord fixture = (SpecificRecord) golden.get()[1];
      Files.write(
          sourceDirectory().resolve(name + ".bin"),
          WireFormat.REGISTRY.frame(EventCodec.standard().encode(fixture), IDS));
    }
  }

  @ParameterizedTest(name = "{0}.bin")
  @MethodSource("goldenEvents")
  void framingTheFixtureGivesTheGoldenBytes(String name, SpecificRecord fixture, int id) {
    assertThat(Hex.encode(WireFormat.REGISTRY.frame(codec.encode(fixture), IDS)))
        .isEqualTo(Hex.encode(golden(name)));
  }

  @ParameterizedTest(name = "{0}.bin")
  @MethodSource("goldenEvents")
  void decodingTheGoldenBytesGivesTheFixture(String name, SpecificRecord fixture, int id) {
    assertThat(codec.decode(golden(name))).isEqualTo(fixture);
  }

  @ParameterizedTest(name = "{0}.bin")
  @MethodSource("goldenEvents")
  void theHeaderIsMagicZeroAndTheBigEndianIdAndTheBodyIsTheSingleObjectBody(
      String name, SpecificRecord fixture, int id) {
    byte[] golden = golden(name);
    byte[] singleObject = codec.encode(fixture);

    assertThat(Arrays.copyOf(golden, 5)).containsExactly(0, 0, 0, id >>> 8, id & 0xff);
    assertThat(RegistryHeader.schemaId(golden)).isEqualTo(id);
    assertThat(Arrays.copyOfRange(golden, 5, golden.length))
        .isEqualTo(Arrays.copyOfRange(singleObject, 10, singleObject.length));
  }

  @Test
  void singleObjectFramingIsTheCanonicalEncodingItself() {
    byte[] canonical = codec.encode(EventFixtures.decision());

    assertThat(WireFormat.SINGLE_OBJECT.frame(canonical, SchemaIds.none())).isSameAs(canonical);
  }

  @Test
  void bothFormatsDecodeToTheSameEventAndReencodeToTheSameCanonicalBytes() {
    Decision decision = EventFixtures.decision();
    byte[] canonical = codec.encode(decision);

    Decision fromRegistry = codec.decode(golden("Decision"), Decision.class);

    assertThat(fromRegistry).isEqualTo(codec.decode(canonical, Decision.class));
    assertThat(codec.encode(fromRegistry)).isEqualTo(canonical);
  }

  @Test
  void anIdTheInstanceDidNotLookUpIsAnUnknownSchema() {
    byte[] bytes = golden("Decision").clone();
    bytes[4] = 99;

    assertThatThrownBy(() -> codec.decode(bytes))
        .isInstanceOf(EventDecodeException.class)
        .hasMessageContaining("unknown registry schema id 99")
        .extracting(e -> ((EventDecodeException) e).reason())
        .isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA);
  }

  @Test
  void aCodecWithoutIdsReadsNoRegistryFramedValue() {
    assertThatThrownBy(() -> EventCodec.standard().decode(golden("Decision")))
        .isInstanceOf(EventDecodeException.class)
        .extracting(e -> ((EventDecodeException) e).reason())
        .isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA);
  }

  @Test
  void trailingBytesAfterARegistryFramedBodyAreMalformed() {
    byte[] golden = golden("EgressRequest");
    byte[] longer = Arrays.copyOf(golden, golden.length + 1);

    assertThatThrownBy(() -> codec.decode(longer))
        .isInstanceOf(EventDecodeException.class)
        .hasMessageContaining("trailing")
        .extracting(e -> ((EventDecodeException) e).reason())
        .isEqualTo(DeadLetterReason.MALFORMED);
  }

  @Test
  void aTruncatedRegistryHeaderIsMalformed() {
    assertThatThrownBy(() -> codec.decode(new byte[] {0, 0, 0}))
        .isInstanceOf(EventDecodeException.class)
        .extracting(e -> ((EventDecodeException) e).reason())
        .isEqualTo(DeadLetterReason.MALFORMED);
  }

  @Test
  void theTypeIsCheckedFromTheIdBeforeTheBody() {
    assertThatThrownBy(() -> codec.decode(golden("PlanRequest"), Decision.class))
        .isInstanceOf(EventDecodeException.class)
        .extracting(e -> ((EventDecodeException) e).reason())
        .isEqualTo(DeadLetterReason.UNSUPPORTED_TYPE);
  }

  @Test
  void framingASchemaWithoutAnIdSaysToRegisterIt() {
    byte[] canonical = codec.encode(EventFixtures.decision());

    assertThatThrownBy(() -> WireFormat.REGISTRY.frame(canonical, SchemaIds.none()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("fabric schemas register");
  }

  @Test
  void theSerdeWritesTheConfiguredFormatAndReadsBoth() {
    EventSerde<Decision> serde = EventSerde.of(Decision.class, codec, WireFormat.REGISTRY);
    Decision decision = EventFixtures.decision();

    byte[] written = serde.serializer().serialize("fabric.decisions", decision);

    assertThat(written).isEqualTo(golden("Decision"));
    assertThat(serde.deserializer().deserialize("t", written)).isEqualTo(decision);
    assertThat(serde.deserializer().deserialize("t", codec.encode(decision))).isEqualTo(decision);
  }

  @Test
  void aSchemaWithSeveralIdsIsWrittenWithTheLowest() {
    Schema decision = Decision.getClassSchema();
    SchemaIds ids = SchemaIds.of(Map.of(7, decision, 3, decision));

    byte[] framed = WireFormat.REGISTRY.frame(codec.encode(EventFixtures.decision()), ids);

    assertThat(RegistryHeader.schemaId(framed)).isEqualTo(3);
  }

  private static byte[] golden(String name) {
    try {
      if (REGENERATE) {
        return Files.readAllBytes(sourceDirectory().resolve(name + ".bin"));
      }
      try (InputStream in =
          RegistryWireFormatTest.class.getResourceAsStream("/golden/registry/" + name + ".bin")) {
        assertThat(in)
            .as("golden/registry/%s.bin is missing; run with -Dgolden.regenerate=true", name)
            .isNotNull();
        return in.readAllBytes();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path sourceDirectory() {
    return Path.of(System.getProperty("basedir", "")).resolve("src/test/resources/golden/registry");
  }
}
