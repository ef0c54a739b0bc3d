package io.provability.fabric.schemas.serde;

import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka {@link Serde} for one event type, or ({@link #any()}) for any event of the contract, on
 * {@link EventCodec}'s single-object encoding, or on the schema-registry wire format ({@link
 * WireFormat}).
 *
 * <p>Serializing null gives null and deserializing null gives null (tombstones pass through). Bytes
 * that do not decode make the deserializer throw {@link EventDecodeException}; Kafka Streams'
 * deserialization exception handler, or the intake processor, decides what happens to the record
 * (normally: the dead-letter topic, with {@link EventDecodeException#reason()}). Needs no
 * configuration and no schema registry (the registry format needs the ids looked up from one,
 * carried by the codec); thread-safe.
 *
 * @param <T> the event type
 */
public final class EventSerde<T extends SpecificRecord> implements Serde<T> {

  private final Class<T> type;
  private final Serializer<T> serializer;
  private final Deserializer<T> deserializer;

  private EventSerde(Class<T> type, EventCodec codec, WireFormat format) {
    this.type = type;
    SchemaIds ids = codec.schemaIds();
    this.serializer =
        (topic, event) -> event == null ? null : format.frame(codec.encode(event), ids);
    this.deserializer = (topic, bytes) -> bytes == null ? null : codec.decode(bytes, type);
  }

  /**
   * Returns a serde for one event type, on {@link EventCodec#standard()}.
   *
   * @param type the event class
   * @param <T> the event type
   * @return the serde
   * @throws IllegalArgumentException if {@code type} is not an event type of the contract
   */
  public static <T extends SpecificRecord> EventSerde<T> of(Class<T> type) {
    return of(type, EventCodec.standard());
  }

  /**
   * Returns a serde for one event type on a given codec (for example one that knows extra writer
   * schemas).
   *
   * @param type the event class, or {@code SpecificRecord.class} for any event
   * @param codec the codec to encode and decode with
   * @param <T> the event type
   * @return the serde
   * @throws IllegalArgumentException if {@code type} is not an event type of the codec
   */
  public static <T extends SpecificRecord> EventSerde<T> of(Class<T> type, EventCodec codec) {
    return of(type, codec, WireFormat.SINGLE_OBJECT);
  }

  /**
   * Returns a serde for one event type whose serializer writes {@code format}; the deserializer
   * reads both formats (the registry one for the ids in {@link EventCodec#schemaIds()}).
   *
   * @param type the event class, or {@code SpecificRecord.class} for any event
   * @param codec the codec to encode and decode with
   * @param format how serialized values are framed
   * @param <T> the event type
   * @return the serde
   * @throws IllegalArgumentException if {@code type} is not an event type of the codec
   */
  public static <T extends SpecificRecord> EventSerde<T> of(
      Class<T> type, EventCodec codec, WireFormat format) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(format, "format");
    if (type != SpecificRecord.class && !codec.eventTypes().contains(type)) {
      throw new IllegalArgumentException(type.getName() + " is not an event type of the contract");
    }
    return new EventSerde<>(type, codec, format);
  }

  /**
   * Returns a serde for any event of the contract, on {@link EventCodec#standard()}: the
   * deserializer returns whichever generated class the bytes hold.
   *
   * @return the serde
   */
  public static Serde<SpecificRecord> any() {
    return new EventSerde<>(SpecificRecord.class, EventCodec.standard(), WireFormat.SINGLE_OBJECT);
  }

  /**
   * Returns the event class this serde handles.
   *
   * @return the event class, {@code SpecificRecord.class} for {@link #any()}
   */
  public Class<T> type() {
    return type;
  }

  @Override
  public Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer;
  }
}
