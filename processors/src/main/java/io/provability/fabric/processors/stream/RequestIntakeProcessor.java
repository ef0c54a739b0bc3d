package io.provability.fabric.processors.stream;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.processors.decide.RequestEnvelope;
import io.provability.fabric.processors.stream.internal.DeadLetters;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventDecodeException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First processor on the requests topic: decodes raw bytes into a request event, checks the fields
 * everything downstream relies on, and sends anything it cannot accept to the dead-letter child
 * with its reason. Never throws on bad input, so one bad record never stops the stream.
 *
 * <p>Its two children take different keys (the session id, the original key bytes), so its output
 * type is their common one and each is reached through its typed {@link Output}.
 */
public final class RequestIntakeProcessor
    implements Processor<byte[], byte[], Object, SpecificRecord> {
  private static final Logger LOG = LoggerFactory.getLogger(RequestIntakeProcessor.class);

  private final EventCodec codec;
  private final Output<String, SpecificRecord> accepted;
  private final Output<byte[], DeadLetter> deadLetters;
  private ProcessorContext<Object, SpecificRecord> context;

  /**
   * @param accepted the child that receives (session id, request)
   * @param deadLetters the child that receives (original key bytes, DeadLetter)
   */
  public RequestIntakeProcessor(
      EventCodec codec,
      Output<String, SpecificRecord> accepted,
      Output<byte[], DeadLetter> deadLetters) {
    this.codec = codec;
    this.accepted = accepted;
    this.deadLetters = deadLetters;
  }

  @Override
  public void init(ProcessorContext<Object, SpecificRecord> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    SpecificRecord event;
    try {
      event = codec.decode(record.value());
    } catch (EventDecodeException e) {
      reject(record, e.reason(), e.getMessage());
      return;
    } catch (RuntimeException e) {
      reject(record, DeadLetterReason.MALFORMED, "undecodable: " + e);
      return;
    }
    RequestEnvelope envelope = RequestEnvelope.of(event);
    if (envelope == null) {
      reject(
          record,
          DeadLetterReason.UNSUPPORTED_TYPE,
          "the requests topic takes PlanRequest, RetrievalRequest or EgressRequest, not "
              + event.getSchema().getFullName());
      return;
    }
    String missing = envelope.firstBlank();
    if (missing != null) {
      reject(record, DeadLetterReason.MISSING_FIELD, "required field '" + missing + "' is empty");
      return;
    }
    String key = utf8(record.key());
    if (key == null || !key.equals(envelope.sessionId())) {
      reject(
          record,
          DeadLetterReason.INVALID_FIELD,
          "record key must be the session id '"
              + envelope.sessionId()
              + "' (partitioning depends on it)");
      return;
    }
    if (envelope.sessionId().chars().anyMatch(Character::isISOControl)) {
      reject(record, DeadLetterReason.INVALID_FIELD, "session_id contains control characters");
      return;
    }
    accepted.forward(context, new Record<>(key, event, record.timestamp(), record.headers()));
  }

  private void reject(Record<byte[], byte[]> record, DeadLetterReason reason, String detail) {
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    DeadLetter letter =
        DeadLetters.of(
            context.recordMetadata().orElse(null),
            record.key(),
            record.value(),
            reason,
            detail,
            "intake",
            now);
    LOG.debug("dead-lettered a request: {} {}", reason, detail);
    deadLetters.forward(context, new Record<>(record.key(), letter, record.timestamp()));
  }

  private static String utf8(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
