package io.provability.fabric.schemas.serde;

import io.provability.fabric.schemas.hash.SingleObjectHeader;
import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How event bytes are framed on a topic. The Avro binary body is the same in both; only the header
 * differs. Hashes, signatures and evidence are always taken over the canonical single-object form,
 * whatever travels on the topic, so switching the format changes no digest.
 *
 * <ul>
 *   <li>{@link #SINGLE_OBJECT}: Avro's single-object encoding, {@code C3 01} and the 8-byte
 *       fingerprint. Needs no registry: the reader finds the schema by fingerprint.
 *   <li>{@link #REGISTRY}: the Confluent/Apicurio schema-registry format, {@code 00} and a 4-byte
 *       big-endian schema id, readable by standard registry-aware deserializers.
 * </ul>
 *
 * <p>{@link EventCodec#decode} reads both, whatever the configured format, so a topic can be moved
 * from one to the other without stopping its consumers.
 */
public enum WireFormat {
  /** Avro single-object encoding (the default). */
  SINGLE_OBJECT("single-object"),
  /** Magic byte 0, 4-byte schema id, Avro binary body. */
  REGISTRY("registry");

  private final String configName;

  WireFormat(String configName) {
    this.configName = configName;
  }

  /**
   * Returns the name used in configuration ({@code serde.format}).
   *
   * @return {@code single-object} or {@code registry}
   */
  public String configName() {
    return configName;
  }

  /**
   * Parses a configuration name.
   *
   * @param name {@code single-object} or {@code registry}
   * @return the format
   * @throws IllegalArgumentException for any other name
   */
  public static WireFormat fromConfigName(String name) {
    for (WireFormat f : values()) {
      if (f.configName.equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "unknown wire format '" + name + "': expected single-object or registry");
  }

  /**
   * Frames a canonical single-object encoding in this format.
   *
   * @param singleObject bytes from {@link EventCodec#encode}
   * @param ids the registry's ids (unused for {@link #SINGLE_OBJECT})
   * @return {@code singleObject} itself, or the same body behind a registry header
   * @throws IllegalStateException if the schema has no registry id (it was not registered)
   */
  public byte[] frame(byte[] singleObject, SchemaIds ids) {
    if (this == SINGLE_OBJECT) {
      return singleObject;
    }
    Objects.requireNonNull(ids, "ids");
    if (!SingleObjectHeader.isPresent(singleObject)) {
      throw new IllegalArgumentException("not a single-object encoding");
    }
    long fingerprint = SingleObjectHeader.fingerprint(singleObject);
    OptionalInt id = ids.id(fingerprint);
    if (id.isEmpty()) {
      throw new IllegalStateException(
          String.format(
              "schema with fingerprint 0x%016x has no registry id: run 'fabric schemas register'",
              fingerprint));
    }
    byte[] out =
        Arrays.copyOfRange(
            singleObject, SingleObjectHeader.LENGTH - RegistryHeader.LENGTH, singleObject.length);
    System.arraycopy(RegistryHeader.of(id.getAsInt()), 0, out, 0, RegistryHeader.LENGTH);
    return out;
  }
}
