package io.provability.fabric.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.schemas.fixtures.EventFixtures;
import io.provability.fabric.schemas.hash.Hex;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checked-in single-object encodings of the request and decision fixtures ({@code
 * src/test/resources/golden/*.bin}, see the README there). A difference means the wire format
 * changed: a schema, the fixture, or the encoder. If the change is intended, regenerate with {@code
 * -Dgolden.regenerate=true} and keep the old writer schema in the history folder.
 */
class GoldenVectorsTest {

  private static final boolean REGENERATE = Boolean.getBoolean("golden.regenerate");

  private final EventCodec codec = EventCodec.standard();

  static Stream<Arguments> goldenEvents() {
    return Stream.of(
        Arguments.of("PlanRequest", EventFixtures.planRequest()),
        Arguments.of("RetrievalRequest", EventFixtures.retrievalRequest()),
        Arguments.of("EgressRequest", EventFixtures.egressRequest()),
        Arguments.of("Decision", EventFixtures.decision()));
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
      Files.write(sourceDirectory().resolve(name + ".bin"), EventCodec.standard().encode(fixture));
    }
  }

  @ParameterizedTest(name = "{0}.bin")
  @MethodSource("goldenEvents")
  void encodingTheFixtureGivesTheGoldenBytes(String name, SpecificRecord fixture) {
    // Compared as hex so that a failure shows where the bytes part.
    assertThat(Hex.encode(codec.encode(fixture))).isEqualTo(Hex.encode(golden(name)));
  }

  @ParameterizedTest(name = "{0}.bin")
  @MethodSource("goldenEvents")
  void decodingTheGoldenBytesGivesTheFixture(String name, SpecificRecord fixture) {
    assertThat(codec.decode(golden(name))).isEqualTo(fixture);
  }

  @ParameterizedTest(name = "{0}.bin")
  @MethodSource("goldenEvents")
  void theGoldenBytesCarryTheSingleObjectHeaderOfTheCurrentSchema(
      String name, SpecificRecord fixture) {
    ByteBuffer header = ByteBuffer.wrap(golden(name), 0, 10).order(ByteOrder.LITTLE_ENDIAN);

    assertThat(header.get()).isEqualTo((byte) 0xC3);
    assertThat(header.get()).isEqualTo((byte) 0x01);
    assertThat(header.getLong())
        .isEqualTo(SchemaNormalization.parsingFingerprint64(fixture.getSchema()));
  }

  private static byte[] golden(String name) {
    try {
      if (REGENERATE) {
        return Files.readAllBytes(sourceDirectory().resolve(name + ".bin"));
      }
      String resource = "/golden/" + name + ".bin";
      try (InputStream in = GoldenVectorsTest.class.getResourceAsStream(resource)) {
        assertThat(in)
            .as("golden/%s.bin is missing; run the test with -Dgolden.regenerate=true", name)
            .isNotNull();
        return in.readAllBytes();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The checked-in folder; Surefire sets {@code basedir} to the module directory. */
  private static Path sourceDirectory() {
    return Path.of(System.getProperty("basedir", "")).resolve("src/test/resources/golden");
  }
}
