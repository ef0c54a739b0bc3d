package io.provability.fabric.schemas.serde.internal;

import io.provability.fabric.schemas.serde.EventCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaFormatter;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The contract's event schemas as another language needs them: each one self-contained (every named
 * type it uses defined inline where first used, so one file is enough to parse it), with its
 * Parsing Canonical Form and the two fingerprints the Avro specification defines over that form:
 * CRC-64-AVRO (the one in a single-object header) and SHA-256.
 *
 * <p>{@code schemas/published/} holds these files; a test regenerates them in memory and fails when
 * the checked-in copies are stale.
 */
public final class PublishedSchemas {

  /**
   * One published schema.
   *
   * @param fullName the record's full name, for example {@code
   *     io.provability.fabric.events.Decision}
   * @param json the self-contained schema, docs and defaults included (what a producer writes with
   *     and what the registry stores)
   * @param canonicalForm the Parsing Canonical Form (no docs, no defaults: what is fingerprinted)
   * @param crc64 the CRC-64-AVRO fingerprint of the canonical form
   * @param sha256 the SHA-256 fingerprint of the canonical form
   * @param historical whether this is an older writer version, kept so that old bytes still decode
   */
  public record Entry(
      String fullName,
      String json,
      String canonicalForm,
      long crc64,
      byte[] sha256,
      boolean historical) {
    /** Returns the record's simple name, for example {@code Decision}. */
    public String simpleName() {
      return fullName.substring(fullName.lastIndexOf('.') + 1);
    }
  }

  private PublishedSchemas() {}

  /**
   * Returns every current event schema, sorted by full name.
   *
   * @return the current schemas
   */
  public static List<Entry> current() {
    List<Entry> out = new ArrayList<>();
    for (Class<? extends SpecificRecord> type : EventCodec.standard().eventTypes()) {
      out.add(entry(SpecificData.getForClass(type).getSchema(type), false));
    }
    out.sort(Comparator.comparing(Entry::fullName));
    return List.copyOf(out);
  }

  /**
   * Returns the historical writer schemas, in the order of {@code history/index.txt}.
   *
   * @return the older versions the standard codec still reads
   */
  public static List<Entry> historical() {
    return EventCodec.historicalSchemas().stream().map(s -> entry(s, true)).toList();
  }

  /**
   * Describes one schema.
   *
   * @param schema a parsed schema
   * @param historical whether it is an older version
   * @return its entry
   */
  public static Entry entry(Schema schema, boolean historical) {
    String canonical = SchemaNormalization.toParsingForm(schema);
    return new Entry(
        schema.getFullName(),
        portableJson(schema),
        canonical,
        SchemaNormalization.parsingFingerprint64(schema),
        sha256(canonical),
        historical);
  }

  /**
   * The schema as pretty JSON without the Java code generator's {@code avro.java.string} hints,
   * which mean nothing to other languages (they change no fingerprint either).
   */
  private static String portableJson(Schema schema) {
    String compact =
        schema
            .toString()
            .replace("{\"type\":\"string\",\"avro.java.string\":\"String\"}", "\"string\"")
            .replace(",\"avro.java.string\":\"String\"", "");
    Schema portable = new Schema.Parser().parse(compact);
    return SchemaFormatter.getInstance("json/pretty").format(portable);
  }

  private static byte[] sha256(String canonical) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(canonical.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
