package io.provability.fabric.connectors.internal;

import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Access to the raw bytes of a sink record's value (the connectors expect the ByteArrayConverter).
 */
public final class RecordValues {

  private RecordValues() {}

  /**
   * @param record a sink record
   * @return its value bytes
   * @throws DataException when the value is null or not bytes (a misconfigured converter)
   */
  public static byte[] bytes(SinkRecord record) {
    Object value = record.value();
    if (value instanceof byte[] bytes) {
      return bytes;
    }
    if (value == null) {
      throw new DataException(
          "record value is null (a tombstone); expected a single-object-encoded event");
    }
    throw new DataException(
        "record value is a "
            + value.getClass().getName()
            + "; configure value.converter="
            + "org.apache.kafka.connect.converters.ByteArrayConverter");
  }
}
