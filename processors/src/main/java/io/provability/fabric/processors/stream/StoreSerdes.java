package io.provability.fabric.processors.stream;

import io.provability.fabric.processors.retrieval.StoredSpend;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Serdes for values kept in the processors' own state stores. */
public final class StoreSerdes {
  private StoreSerdes() {}

  /** Privacy spends of sessions with their last spend time, as 24 bytes ({@link StoredSpend}). */
  public static Serde<StoredSpend> privacySpend() {
    return Serdes.serdeFrom(
        (topic, spend) -> spend == null ? null : spend.toBytes(),
        (topic, bytes) -> bytes == null ? null : StoredSpend.fromBytes(bytes));
  }
}
