package io.provability.fabric.processors.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * State of one open evidence bundle: when its window started, when it must close, how many leaves
 * and bytes it holds, and its tenant.
 */
public record BundleHeader(long windowStart, long deadline, int leafCount, long bodyBytes, String tenant) {

  public BundleHeader plus(int leaves, long bytes) {
    return new BundleHeader(windowStart, deadline, leafCount + leaves, bodyBytes + bytes, tenant);
  }

  /** A compact binary serde: four numbers and the tenant. */
  static Serde<BundleHeader> serde() {
    Serializer<BundleHeader> ser = (topic, h) -> {
      if (h == null) {
        return null;
      }
      byte[] tenant = h.tenant().getBytes(StandardCharsets.UTF_8);
      return ByteBuffer.allocate(8 + 8 + 4 + 8 + tenant.length)
          .putLong(h.windowStart()).putLong(h.deadline()).putInt(h.leafCount()).putLong(h.bodyBytes())
          .put(tenant).array();
    };
    Deserializer<BundleHeader> de = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      ByteBuffer b = ByteBuffer.wrap(bytes);
      long start = b.getLong();
      long deadline = b.getLong();
      int count = b.getInt();
      long size = b.getLong();
      byte[] tenant = new byte[b.remaining()];
      b.get(tenant);
      return new BundleHeader(start, deadline, count, size, new String(tenant, StandardCharsets.UTF_8));
    };
    return Serdes.serdeFrom(ser, de);
  }
}
