package io.provability.fabric.schemas.serde;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityRevocation;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EgressCertificate;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PolicyVersion;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.SingleObjectHeader;
import io.provability.fabric.schemas.serde.internal.ByteArrayDecoder;
import io.provability.fabric.schemas.serde.internal.SchemaResolution;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.DatumReader;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Thread-safe codec for every event of the contract, on Avro single-object encoding: {@code C3 01},
 * the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema, then the Avro binary body.
 * A codec given the registry's ids ({@link #withSchemaIds}) also decodes the schema-registry wire
 * format ({@link RegistryHeader}: {@code 00} and a 4-byte schema id); see {@link WireFormat}.
 *
 * <p>It is backed by a schema store ({@link #schemaStore()}) that knows every current event schema
 * and every historical writer schema kept under {@code
 * io/provability/fabric/schemas/history/*.avsc} (listed in {@code history/index.txt} there).
 * Decoding always yields the current generated class; bytes written with an older schema are
 * resolved to it by Avro's schema resolution, with defaults for the fields the writer did not have.
 *
 * <p>{@link #encode} writes the {@link CanonicalEncoding canonical encoding}, so re-encoding a
 * decoded event reproduces the bytes its hash was taken over.
 *
 * <p>Decoding is meant for untrusted input: lengths and counts are checked against the bytes
 * present before anything is allocated, and every failure is an {@link EventDecodeException} that
 * carries the dead-letter reason.
 */
public final class EventCodec {

  private static final int HEADER_LENGTH = SingleObjectHeader.LENGTH;

  private static final String HISTORY_DIR = "/io/provability/fabric/schemas/history/";
  private static final String HISTORY_INDEX = HISTORY_DIR + "index.txt";

  /** Every top-level record that travels on its own: on a topic, or as an evidence leaf. */
  private static final List<Class<? extends SpecificRecord>> EVENT_TYPES =
      List.of(
          PlanRequest.class,
          RetrievalRequest.class,
          EgressRequest.class,
          Decision.class,
          DeadLetter.class,
          CapabilityGrant.class,
          CapabilityRevocation.class,
          PolicyVersion.class,
          CapabilityToken.class,
          AccessReceipt.class,
          EgressCertificate.class);

  private final Map<Long, Route> routes;
  private final Set<Class<? extends SpecificRecord>> eventTypes;
  private final SchemaIds schemaIds;

  private EventCodec(EventCodec base, SchemaIds schemaIds) {
    this.routes = base.routes;
    this.eventTypes = base.eventTypes;
    this.schemaIds = schemaIds;
  }

  private EventCodec(Collection<Schema> writerSchemas) {
    Map<String, Class<? extends SpecificRecord>> typesByName = new HashMap<>();
    Map<Long, Route> byFingerprint = new HashMap<>();
    for (Class<? extends SpecificRecord> type : EVENT_TYPES) {
      SpecificData model = SpecificData.getForClass(type);
      Schema schema = model.getSchema(type);
      typesByName.put(schema.getFullName(), type);
      add(byFingerprint, Route.resolved(schema, type, schema, model));
    }
    for (Schema writer : writerSchemas) {
      Objects.requireNonNull(writer, "writer schema");
      Class<? extends SpecificRecord> type = typesByName.get(writer.getFullName());
      if (type == null) {
        throw new IllegalArgumentException(
            "writer schema " + writer.getFullName() + " is not a version of any event type");
      }
      add(byFingerprint, Route.of(writer, type));
    }
    this.routes = Map.copyOf(byFingerprint);
    this.eventTypes = Set.copyOf(EVENT_TYPES);
    this.schemaIds = SchemaIds.none();
  }

  /**
   * Returns the shared codec with every current event schema and every historical writer schema of
   * this jar.
   *
   * @return the standard codec
   */
  public static EventCodec standard() {
    return Standard.INSTANCE;
  }

  /**
   * Returns a codec that also reads bytes written with {@code writerSchemas}, beside everything
   * {@link #standard()} reads. Each schema must have the full name of an event type; one that the
   * current schema cannot read is still registered, and decoding its bytes then fails with {@link
   * DeadLetterReason#MISSING_FIELD} or {@link DeadLetterReason#INVALID_FIELD}.
   *
   * @param writerSchemas extra writer schemas, for example from a producer not yet upgraded
   * @return a new codec
   * @throws IllegalArgumentException if a schema is not a version of an event type
   */
  public static EventCodec withWriterSchemas(Collection<Schema> writerSchemas) {
    Objects.requireNonNull(writerSchemas, "writerSchemas");
    List<Schema> all = new ArrayList<>(Standard.HISTORY);
    all.addAll(writerSchemas);
    return new EventCodec(all);
  }

  /**
   * Returns the historical writer schemas of this jar (older versions of event schemas that the
   * standard codec still reads), oldest first per event.
   *
   * @return the schemas listed in {@code history/index.txt}
   */
  public static List<Schema> historicalSchemas() {
    return Standard.HISTORY;
  }

  /**
   * Returns a codec with the same schemas that also decodes the schema-registry wire format ({@link
   * RegistryHeader}) for the ids in {@code ids}.
   *
   * @param ids the registry's ids of this codec's schemas
   * @return a new codec
   */
  public EventCodec withSchemaIds(SchemaIds ids) {
    return new EventCodec(this, Objects.requireNonNull(ids, "ids"));
  }

  /**
   * Returns the registry ids this codec decodes ({@link SchemaIds#none()} unless set).
   *
   * @return the ids
   */
  public SchemaIds schemaIds() {
    return schemaIds;
  }

  /**
   * Returns the single-object encoding of {@code event} (canonical: map keys sorted).
   *
   * @param event an instance of one of the {@link #eventTypes() event types}
   * @return header and body
   * @throws IllegalArgumentException if the event's type is not an event type of the contract or
   *     the event does not fit its schema (for example a null in a required field)
   */
  public byte[] encode(SpecificRecord event) {
    Objects.requireNonNull(event, "event");
    if (!eventTypes.contains(event.getClass())) {
      throw new IllegalArgumentException(
          event.getClass().getName() + " is not an event type of the contract");
    }
    return CanonicalEncoding.encode(event);
  }

  /**
   * Decodes any event of the contract.
   *
   * @param bytes a single-object encoding
   * @return an instance of the current generated class for the writer schema's record
   * @throws EventDecodeException if the bytes are malformed, name an unknown schema, or were
   *     written with a schema the current one cannot read
   */
  public SpecificRecord decode(byte[] bytes) throws EventDecodeException {
    return decode(bytes, SpecificRecord.class);
  }

  /**
   * Decodes an event of an expected type. The type is checked from the header alone, before the
   * body is read.
   *
   * @param bytes a single-object encoding
   * @param type the expected event class, or {@code SpecificRecord.class} for any event
   * @param <T> the expected type
   * @return the decoded event
   * @throws EventDecodeException as {@link #decode(byte[])}, and with {@link
   *     DeadLetterReason#UNSUPPORTED_TYPE} if the bytes hold another event type
   */
  public <T extends SpecificRecord> T decode(byte[] bytes, Class<T> type)
      throws EventDecodeException {
    Objects.requireNonNull(type, "type");
    Route route = route(bytes);
    int headerLength = RegistryHeader.isPresent(bytes) ? RegistryHeader.LENGTH : HEADER_LENGTH;
    if (!type.isAssignableFrom(route.type)) {
      throw new EventDecodeException(
          DeadLetterReason.UNSUPPORTED_TYPE,
          "expected "
              + type.getSimpleName()
              + " but the bytes hold a "
              + route.type.getSimpleName()
              + " (writer schema "
              + describe(route.fingerprint)
              + ")");
    }
    if (route.reader == null) {
      throw new EventDecodeException(route.failure, route.failureDetail);
    }
    ByteArrayDecoder in = new ByteArrayDecoder(bytes, headerLength, bytes.length - headerLength);
    SpecificRecord event;
    try {
      event = route.reader.read(null, in);
    } catch (IOException | RuntimeException e) {
      // Anything the reader throws comes from the input: the reader schemas are our own.
      throw new EventDecodeException(
          DeadLetterReason.MALFORMED,
          "cannot decode the "
              + route.type.getSimpleName()
              + " body (writer schema "
              + describe(route.fingerprint)
              + "): "
              + e.getMessage(),
          e);
    }
    if (in.remaining() != 0) {
      throw new EventDecodeException(
          DeadLetterReason.MALFORMED,
          in.remaining()
              + " trailing bytes after the "
              + route.type.getSimpleName()
              + " body, which ends at offset "
              + in.position()
              + " of "
              + bytes.length);
    }
    return type.cast(event);
  }

  /**
   * Returns the event classes this codec encodes and decodes.
   *
   * @return the current generated classes of the top-level events
   */
  public Set<Class<? extends SpecificRecord>> eventTypes() {
    return eventTypes;
  }

  /**
   * Returns the schema store behind this codec, for Avro's own message decoders and for tools.
   *
   * @return a store that finds every current and historical writer schema by fingerprint
   */
  public SchemaStore schemaStore() {
    return fingerprint -> {
      Route route = routes.get(fingerprint);
      return route == null ? null : route.writer;
    };
  }

  private Route route(byte[] bytes) {
    if (bytes == null) {
      throw new EventDecodeException(DeadLetterReason.MALFORMED, "no bytes (null)");
    }
    if (RegistryHeader.isPresent(bytes)) {
      return registryRoute(RegistryHeader.schemaId(bytes));
    }
    if (bytes.length < HEADER_LENGTH) {
      throw new EventDecodeException(
          DeadLetterReason.MALFORMED,
          bytes.length
              + " bytes, shorter than the "
              + HEADER_LENGTH
              + "-byte single-object header");
    }
    if (!SingleObjectHeader.isPresent(bytes)) {
      throw new EventDecodeException(
          DeadLetterReason.MALFORMED,
          "header starts with "
              + Hex.encode(Arrays.copyOf(bytes, 2))
              + ", expected c301 (Avro single-object encoding, version 1)");
    }
    long fingerprint = SingleObjectHeader.fingerprint(bytes);
    Route route = routes.get(fingerprint);
    if (route == null) {
      throw new EventDecodeException(
          DeadLetterReason.UNKNOWN_SCHEMA,
          "unknown writer schema "
              + describe(fingerprint)
              + ": not one of the "
              + routes.size()
              + " schemas in the store");
    }
    return route;
  }

  private Route registryRoute(int schemaId) {
    var fingerprint = schemaIds.fingerprint(schemaId);
    Route route = fingerprint.isEmpty() ? null : routes.get(fingerprint.getAsLong());
    if (route == null) {
      throw new EventDecodeException(
          DeadLetterReason.UNKNOWN_SCHEMA,
          "unknown registry schema id "
              + schemaId
              + " (schema-registry wire format, magic byte 0): not one of the "
              + schemaIds.size()
              + " ids this instance looked up from its registry");
    }
    return route;
  }

  private static String describe(long fingerprint) {
    return String.format("fingerprint 0x%016x", fingerprint);
  }

  private static void add(Map<Long, Route> routes, Route route) {
    Route existing = routes.putIfAbsent(route.fingerprint, route);
    if (existing != null
        && !SchemaNormalization.toParsingForm(existing.writer)
            .equals(SchemaNormalization.toParsingForm(route.writer))) {
      throw new IllegalStateException(
          "schemas "
              + existing.writer.getFullName()
              + " and "
              + route.writer.getFullName()
              + " share "
              + describe(route.fingerprint)
              + " but differ");
    }
  }

  private static List<Schema> loadHistory() {
    List<Schema> schemas = new ArrayList<>();
    try (InputStream index = EventCodec.class.getResourceAsStream(HISTORY_INDEX)) {
      if (index == null) {
        throw new IllegalStateException("missing resource " + HISTORY_INDEX);
      }
      BufferedReader lines =
          new BufferedReader(new InputStreamReader(index, StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        String name = line.strip();
        if (!name.isEmpty() && !name.startsWith("#")) {
          schemas.add(loadSchema(HISTORY_DIR + name));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + HISTORY_INDEX, e);
    }
    return List.copyOf(schemas);
  }

  private static Schema loadSchema(String resource) throws IOException {
    try (InputStream in = EventCodec.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(HISTORY_INDEX + " lists missing resource " + resource);
      }
      // A parser per file: each historical schema is self-contained and must not see the others.
      return new Schema.Parser().parse(in);
    } catch (AvroRuntimeException e) {
      throw new IllegalStateException("cannot parse " + resource + ": " + e.getMessage(), e);
    }
  }

  /** Built on first use; holds no mutable state. */
  private static final class Standard {
    static final List<Schema> HISTORY = loadHistory();
    static final EventCodec INSTANCE = new EventCodec(HISTORY);
  }

  /** How bytes with one writer schema are read: a reader, or the reason they cannot be. */
  private static final class Route {
    final long fingerprint;
    final Schema writer;
    final Class<? extends SpecificRecord> type;
    final DatumReader<SpecificRecord> reader;
    final DeadLetterReason failure;
    final String failureDetail;

    private Route(
        Schema writer,
        Class<? extends SpecificRecord> type,
        DatumReader<SpecificRecord> reader,
        DeadLetterReason failure,
        String failureDetail) {
      this.fingerprint = SchemaNormalization.parsingFingerprint64(writer);
      this.writer = writer;
      this.type = type;
      this.reader = reader;
      this.failure = failure;
      this.failureDetail = failureDetail;
    }

    static Route resolved(
        Schema writer, Class<? extends SpecificRecord> type, Schema reader, SpecificData model) {
      return new Route(writer, type, new SpecificDatumReader<>(writer, reader, model), null, null);
    }

    static Route of(Schema writer, Class<? extends SpecificRecord> type) {
      SpecificData model = SpecificData.getForClass(type);
      Schema reader = model.getSchema(type);
      SchemaResolution.Failure failure = SchemaResolution.check(reader, writer);
      if (failure == null) {
        return resolved(writer, type, reader, model);
      }
      return new Route(
          writer,
          type,
          null,
          failure.reason(),
          "writer schema "
              + describe(SchemaNormalization.parsingFingerprint64(writer))
              + " of "
              + type.getSimpleName()
              + " cannot be read as the current schema: "
              + failure.detail());
    }
  }
}
