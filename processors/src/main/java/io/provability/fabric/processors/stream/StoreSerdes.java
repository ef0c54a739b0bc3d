package io.provability.fabric.processors.stream;

import io.provability.fabric.processors.retrieval.PrivacySpend;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Serdes for values kept in the processors' own state stores. */
public final class StoreSerdes {
  private StoreSerdes() {}

  /** Privacy spends of sessions, as 16 bytes (two big-endian doubles). */
  public static Serde<PrivacySpend> privacySpend() {
    return Serdes.serdeFrom(
        (topic, spend) -> spend == null ? null : spend.toBytes(),
        (topic, bytes) -> bytes == null ? null : PrivacySpend.fromBytes(bytes));
  }
}
