package io.provability.fabric.processors.stream;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.processors.decide.RequestEnvelope;
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
 */
public final class RequestIntakeProcessor implements Processor<byte[], byte[], Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(RequestIntakeProcessor.class);

  private final EventCodec codec;
  private final String acceptedChild;
  private final String deadLetterChild;
  private ProcessorContext<Object, Object> context;

  /**
   * @param acceptedChild name of the child that receives (session id, request)
   * @param deadLetterChild name of the child that receives (original key bytes, DeadLetter)
   */
  public RequestIntakeProcessor(EventCodec codec, String acceptedChild, String deadLetterChild) {
    this.codec = codec;
    this.acceptedChild = acceptedChild;
    this.deadLetterChild = deadLetterChild;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
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
    context.forward(
        new Record<Object, Object>(key, event, record.timestamp(), record.headers()),
        acceptedChild);
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
    context.forward(
        new Record<Object, Object>(record.key(), letter, record.timestamp()), deadLetterChild);
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
