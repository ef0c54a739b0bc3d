package io.provability.fabric.processors.stream;

import io.provability.fabric.events.EvidenceLeaf;
import io.provability.fabric.processors.retrieval.PrivacySpend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Serdes for values kept in the processors' own state stores. */
public final class StoreSerdes {
  private StoreSerdes() {}

  /** Evidence leaves, in Avro single-object encoding. */
  public static Serde<EvidenceLeaf> evidenceLeaf() {
    return Serdes.serdeFrom(
        (topic, leaf) -> {
          if (leaf == null) {
            return null;
          }
          try {
            ByteBuffer buf = leaf.toByteBuffer();
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          try {
            return EvidenceLeaf.fromByteBuffer(ByteBuffer.wrap(bytes));
          } catch (IOException e) {
            throw new UncheckedIOException("evidence-leaves store holds an undecodable value", e);
          }
        });
  }

  /** Open-bundle headers. */
  public static Serde<BundleHeader> bundleHeader() {
    return BundleHeader.serde();
  }

  /** Privacy spends of sessions, as 16 bytes (two big-endian doubles). */
  public static Serde<PrivacySpend> privacySpend() {
    return Serdes.serdeFrom(
        (topic, spend) -> spend == null ? null : spend.toBytes(),
        (topic, bytes) -> bytes == null ? null : PrivacySpend.fromBytes(bytes));
  }
}
