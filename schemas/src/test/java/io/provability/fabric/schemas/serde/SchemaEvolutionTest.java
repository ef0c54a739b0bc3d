package io.provability.fabric.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PolicyVersion;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.fixtures.EventFixtures;
import io.provability.fabric.schemas.fixtures.WriterSchemaCopy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

/**
 * Bytes written by producers on older or other schemas: what the history folder makes readable,
 * what it cannot, and the defaults the contract relies on ("deny by default" for verdicts).
 */
class SchemaEvolutionTest {

  private static final String HISTORY = "/io/provability/fabric/schemas/history/";

  @Test
  void aPlanWrittenWithTheFirstSchemaDecodesWithTheNewFieldsDefaulted() {
    Schema v1 = historySchema("PlanRequest.v1.avsc");
    assertThat(v1.getField("subject").schema().getField("caps")).isNull();
    GenericRecord old = WriterSchemaCopy.of(v1, EventFixtures.planRequest());

    PlanRequest decoded = EventCodec.standard().decode(writeWith(v1, old), PlanRequest.class);

    assertThat(decoded.getSubject().getCaps()).isEmpty();
    assertThat(decoded.getSteps()).extracting(s -> s.getEffect()).containsOnly(EffectKind.UNKNOWN);
    assertThat(decoded.getInputChannels().getFile()).isEmpty();
    PlanRequest expected = EventFixtures.planRequest();
    expected.getSubject().setCaps(List.of());
    expected.getSteps().forEach(step -> step.setEffect(EffectKind.UNKNOWN));
    expected.getInputChannels().setFile(List.of());
    assertThat(decoded).isEqualTo(expected);
  }

  @Test
  void theTestWritesTheSameBytesAsAvrosOwnSingleObjectEncoder() throws IOException {
    Schema v1 = historySchema("PlanRequest.v1.avsc");
    GenericRecord old = WriterSchemaCopy.of(v1, EventFixtures.planRequest());
    ByteBuffer avro = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);

    assertThat(writeWith(v1, old)).isEqualTo(Bytes.toArray(avro));
    assertThat(SchemaNormalization.parsingFingerprint64(v1))
        .isNotEqualTo(SchemaNormalization.parsingFingerprint64(PlanRequest.getClassSchema()));
  }

  @Test
  void aWriterSchemaWithoutAFieldTheReaderNeedsIsMissingField() {
    Schema old =
        parse(
            """
        {"type": "record", "name": "PolicyVersion", "namespace": "io.provability.fabric.events",
         "fields": [
          {"name": "version", "type": "long"},
          {"name": "effective_at", "type": {"type": "long", "logicalType": "timestamp-millis"}}
         ]}""");
    byte[] bytes =
        writeWith(
            old,
            new GenericRecordBuilder(old)
                .set("version", 7L)
                .set("effective_at", 1_764_230_400_000L)
                .build());

    assertThatThrownBy(() -> EventCodec.withWriterSchemas(List.of(old)).decode(bytes))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.MISSING_FIELD))
        .hasMessageContaining("policy_hash")
        .hasMessageContaining("PolicyVersion");
    assertThatThrownBy(() -> EventCodec.standard().decode(bytes))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA));
  }

  @Test
  void missingFieldsAreNamedByTheirPathFromTheEventEvenInsideOptionalRecords() {
    Schema old =
        parse(
            PlanRequest.getClassSchema()
                .toString()
                .replace(
                    "{\"name\":\"key_id\",\"type\":{\"type\":\"string\",\"avro.java.string\":"
                        + "\"String\"}},{\"name\":\"signature\"",
                    "{\"name\":\"signature\""));
    assertThat(
            old.getField("subject")
                .schema()
                .getField("token")
                .schema()
                .getTypes()
                .get(1)
                .getField("key_id"))
        .isNull();
    byte[] bytes = writeWith(old, WriterSchemaCopy.of(old, EventFixtures.planRequest()));

    assertThatThrownBy(() -> EventCodec.withWriterSchemas(List.of(old)).decode(bytes))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.MISSING_FIELD))
        .hasMessageContaining("the writer lacks field subject.token.key_id,")
        .hasMessageContaining("the writer lacks field steps[].receipts[].key_id,");
  }

  @Test
  void aWriterFieldOfAnUnreadableTypeIsInvalidField() {
    Schema old =
        parse(
            PolicyVersion.getClassSchema()
                .toString()
                .replace(
                    "{\"name\":\"version\",\"type\":\"long\"}",
                    "{\"name\":\"version\",\"type\":\"string\"}"));
    assertThat(old.getField("version").schema().getType()).isEqualTo(Schema.Type.STRING);
    byte[] bytes =
        writeWith(
            old,
            new GenericRecordBuilder(old)
                .set("version", "seven")
                .set("policy_hash", "h")
                .set("effective_at", 0L)
                .build());

    assertThatThrownBy(() -> EventCodec.withWriterSchemas(List.of(old)).decode(bytes))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.INVALID_FIELD))
        .hasMessageContaining("version");
  }

  @Test
  void aDecisionWrittenBeforeStructuredReasonsDecodesWithTheReasonFieldsNull() {
    Schema v1 = historySchema("Decision.v1.avsc");
    assertThat(v1.getField("reasons").schema().getElementType().getField("label")).isNull();
    GenericRecord old = WriterSchemaCopy.of(v1, EventFixtures.decision());

    Decision decoded = EventCodec.standard().decode(writeWith(v1, old), Decision.class);

    Decision expected = EventFixtures.decision();
    expected
        .getReasons()
        .forEach(
            r -> {
              r.setCapability(null);
              r.setResource(null);
              r.setLabel(null);
              r.setReceiptId(null);
            });
    assertThat(decoded).isEqualTo(expected);
    assertThat(decoded.getReasons())
        .extracting(r -> r.getCode())
        .containsExactly("PII_EMAIL", "PII_PHONE");
  }

  @Test
  void aVerdictAddedByANewerWriterIsReadAsDeny() {
    Schema newer =
        parse(
            Decision.getClassSchema()
                .toString()
                .replace("\"BLOCK\"]", "\"BLOCK\",\"QUARANTINE\"]"));
    Schema verdict = newer.getField("verdict").schema();
    assertThat(verdict.getEnumSymbols()).contains("QUARANTINE");
    GenericRecord record = WriterSchemaCopy.of(newer, EventFixtures.decision());
    record.put("verdict", new GenericData.EnumSymbol(verdict, "QUARANTINE"));

    Decision decoded =
        EventCodec.withWriterSchemas(List.of(newer))
            .decode(writeWith(newer, record), Decision.class);

    Decision expected = EventFixtures.decision();
    expected.setVerdict(Verdict.DENY);
    assertThat(decoded).isEqualTo(expected);
  }

  @Test
  void anEffectKindAddedByANewerWriterIsReadAsUnknown() {
    Schema newer =
        parse(
            CapabilityGrant.getClassSchema()
                .toString()
                .replace("\"EXECUTE\"]", "\"EXECUTE\",\"DELETE\"]"));
    Schema effect =
        newer.getField("capabilities").schema().getElementType().getField("effect").schema();
    GenericRecord record = WriterSchemaCopy.of(newer, EventFixtures.capabilityGrant());
    @SuppressWarnings("unchecked") // a generic array of capability records
    List<GenericRecord> capabilities = (List<GenericRecord>) record.get("capabilities");
    capabilities.get(0).put("effect", new GenericData.EnumSymbol(effect, "DELETE"));

    CapabilityGrant decoded =
        EventCodec.withWriterSchemas(List.of(newer))
            .decode(writeWith(newer, record), CapabilityGrant.class);

    assertThat(decoded.getCapabilities().get(0).getEffect()).isEqualTo(EffectKind.UNKNOWN);
    assertThat(decoded.getCapabilities().get(1).getEffect()).isEqualTo(EffectKind.SEND);
  }

  @Test
  void aWriterSchemaOfNoEventTypeIsRefused() {
    Schema stranger =
        parse(
            """
        {"type": "record", "name": "Stranger", "namespace": "elsewhere",
         "fields": [{"name": "x", "type": "int"}]}""");

    assertThatThrownBy(() -> EventCodec.withWriterSchemas(List.of(stranger)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("elsewhere.Stranger");
  }

  @Test
  void everyHistorySchemaIsListedInTheIndexAndReadableAsItsCurrentSchema() throws Exception {
    List<String> listed = readIndex();
    List<String> present;
    try (Stream<Path> files =
        Files.list(Path.of(SchemaEvolutionTest.class.getResource(HISTORY).toURI()))) {
      present =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".avsc"))
              .sorted()
              .toList();
    }
    assertThat(listed).containsExactlyInAnyOrderElementsOf(present).isNotEmpty();

    for (String name : listed) {
      Schema writer = historySchema(name);
      Schema reader = SpecificData.get().getSchema(Class.forName(writer.getFullName()));
      assertThat(SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType())
          .as(name)
          .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
      assertThat(
              EventCodec.standard()
                  .schemaStore()
                  .findByFingerprint(SchemaNormalization.parsingFingerprint64(writer)))
          .as(name)
          .isNotNull();
    }
  }

  /** Writes {@code record} as a producer on {@code schema} would: header, then Avro binary. */
  private static byte[] writeWith(Schema schema, GenericRecord record) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(0xC3);
      out.write(0x01);
      long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
      for (int i = 0; i < 8; i++) {
        out.write((int) (fingerprint >>> (8 * i)) & 0xff);
      }
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Schema historySchema(String name) {
    try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream(HISTORY + name)) {
      assertThat(in).as(name).isNotNull();
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> readIndex() throws IOException, URISyntaxException {
    try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream(HISTORY + "index.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .map(String::strip)
          .filter(line -> !line.isEmpty() && !line.startsWith("#"))
          .toList();
    }
  }

  private static Schema parse(String json) {
    return new Schema.Parser().parse(json);
  }
}
