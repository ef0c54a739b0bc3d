package io.provability.fabric.schemas.serde;

/**
 * The schema-registry wire format's 5-byte header, as Confluent's and Apicurio's serdes write it:
 * the magic byte {@code 00}, then the registry's schema id as a 4-byte big-endian integer. The Avro
 * binary body that follows is the same as after a single-object header, so converting between the
 * two formats swaps headers and leaves the body alone.
 */
public final class RegistryHeader {
  /** Bytes in the header. */
  public static final int LENGTH = 5;

  /** The first byte: format version 0. */
  public static final byte MAGIC = 0;

  private RegistryHeader() {}

  /**
   * Returns the header for a schema id.
   *
   * @param schemaId the id the registry gave the writer schema
   * @return five bytes
   */
  public static byte[] of(int schemaId) {
    return new byte[] {
      MAGIC,
      (byte) (schemaId >>> 24),
      (byte) (schemaId >>> 16),
      (byte) (schemaId >>> 8),
      (byte) schemaId
    };
  }

  /**
   * Whether {@code bytes} is long enough for the header and starts with the magic byte.
   *
   * @param bytes a record value
   * @return true if the value is in the registry wire format
   */
  public static boolean isPresent(byte[] bytes) {
    return bytes.length >= LENGTH && bytes[0] == MAGIC;
  }

  /**
   * Returns the schema id of a header at the start of {@code bytes} (checked by {@link
   * #isPresent}).
   *
   * @param bytes a record value in the registry wire format
   * @return the schema id
   */
  public static int schemaId(byte[] bytes) {
    return (bytes[1] & 0xff) << 24
        | (bytes[2] & 0xff) << 16
        | (bytes[3] & 0xff) << 8
        | (bytes[4] & 0xff);
  }
}
