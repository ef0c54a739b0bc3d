package io.provability.fabric.processors.stream.internal;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.DeadLetterReason;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds dead-letter envelopes that keep the original bytes, where they came from and why. */
public final class DeadLetters {
  private DeadLetters() {}

  /** An envelope for a record at {@code meta} (may be absent for punctuation-time failures). */
  public static DeadLetter of(
      RecordMetadata meta,
      byte[] key,
      byte[] value,
      DeadLetterReason reason,
      String detail,
      String stage,
      Instant now) {
    return DeadLetter.newBuilder()
        .setSourceTopic(meta == null ? "" : meta.topic())
        .setSourcePartition(meta == null ? -1 : meta.partition())
        .setSourceOffset(meta == null ? -1L : meta.offset())
        .setKey(key == null ? null : ByteBuffer.wrap(key))
        .setValue(value == null ? null : ByteBuffer.wrap(value))
        .setReason(reason)
        .setDetail(detail == null ? "" : detail)
        .setStage(stage)
        .setFailedAt(now)
        .build();
  }
}
