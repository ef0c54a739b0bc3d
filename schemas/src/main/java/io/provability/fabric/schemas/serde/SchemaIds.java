package io.provability.fabric.schemas.serde;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * The schema registry's ids for the writer schemas an instance knows, both ways: id to CRC-64-AVRO
 * fingerprint (to decode registry-framed bytes with the codec's own schemas) and fingerprint to id
 * (to frame what it writes). Immutable; built once at start-up from the registry.
 *
 * <p>A registry may give one schema several ids (one per subject, in some id modes); every id
 * decodes, and the lowest is the one written.
 */
public final class SchemaIds {
  private static final SchemaIds NONE = new SchemaIds(Map.of());

  private final Map<Integer, Long> fingerprintById;
  private final Map<Long, Integer> idByFingerprint;

  private SchemaIds(Map<Integer, Long> fingerprintById) {
    this.fingerprintById = Map.copyOf(fingerprintById);
    Map<Long, Integer> byFingerprint = new HashMap<>();
    fingerprintById.forEach((id, fp) -> byFingerprint.merge(fp, id, Math::min));
    this.idByFingerprint = Map.copyOf(byFingerprint);
  }

  /**
   * Returns the empty mapping: every registry-framed value is an unknown schema.
   *
   * @return no ids
   */
  public static SchemaIds none() {
    return NONE;
  }

  /**
   * Returns the mapping for schemas by registry id.
   *
   * @param schemasById the writer schema each id stands for
   * @return the ids
   */
  public static SchemaIds of(Map<Integer, Schema> schemasById) {
    Map<Integer, Long> fingerprints = new HashMap<>();
    schemasById.forEach(
        (id, schema) ->
            fingerprints.put(
                Objects.requireNonNull(id, "id"),
                SchemaNormalization.parsingFingerprint64(schema)));
    return new SchemaIds(fingerprints);
  }

  /**
   * Parses the text form of {@link #format()}: {@code id:fingerprint-hex} pairs separated by
   * commas.
   *
   * @param text for example {@code 101:6a6b6828aa640d96,104:1f00aa0000000000}; blank gives none
   * @return the ids
   * @throws IllegalArgumentException naming the pair that does not parse
   */
  public static SchemaIds parse(String text) {
    if (text == null || text.isBlank()) {
      return NONE;
    }
    Map<Integer, Long> fingerprints = new HashMap<>();
    for (String pair : text.split(",")) {
      String[] parts = pair.strip().split(":");
      try {
        if (parts.length != 2) {
          throw new NumberFormatException("expected id:fingerprint");
        }
        fingerprints.put(
            Integer.parseInt(parts[0].strip()), Long.parseUnsignedLong(parts[1].strip(), 16));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "schema ids: '" + pair.strip() + "' is not id:fingerprint-hex", e);
      }
    }
    return new SchemaIds(fingerprints);
  }

  /**
   * Returns the ids as text that {@link #parse} reads, sorted by id (for a connector's config).
   *
   * @return {@code id:fingerprint-hex} pairs separated by commas
   */
  public String format() {
    StringBuilder out = new StringBuilder();
    new TreeMap<>(fingerprintById)
        .forEach(
            (id, fp) ->
                out.append(out.length() == 0 ? "" : ",")
                    .append(id)
                    .append(':')
                    .append(String.format("%016x", fp)));
    return out.toString();
  }

  /**
   * Returns the fingerprint of the schema with a registry id.
   *
   * @param schemaId a registry id
   * @return its schema's CRC-64-AVRO fingerprint, or empty if the id is not known
   */
  public OptionalLong fingerprint(int schemaId) {
    Long fp = fingerprintById.get(schemaId);
    return fp == null ? OptionalLong.empty() : OptionalLong.of(fp);
  }

  /**
   * Returns the registry id of the schema with a fingerprint.
   *
   * @param fingerprint a CRC-64-AVRO fingerprint
   * @return its id, or empty if the schema is not registered
   */
  public OptionalInt id(long fingerprint) {
    Integer id = idByFingerprint.get(fingerprint);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /**
   * Returns how many ids are known.
   *
   * @return the number of ids
   */
  public int size() {
    return fingerprintById.size();
  }
}
