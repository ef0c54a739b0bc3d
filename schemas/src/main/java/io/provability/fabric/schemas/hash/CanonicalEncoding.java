package io.provability.fabric.schemas.hash;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DirectBinaryEncoder;
import org.apache.avro.io.Encoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.Utf8;

/**
 * Canonical encoding: Avro single-object encoding ({@code C3 01}, the 8-byte little-endian
 * CRC-64-AVRO fingerprint of the record's schema, then Avro binary) in which every map is written
 * with its keys in ascending unsigned UTF-8 byte order, so equal records always give equal bytes
 * whatever their map iteration order.
 *
 * <p>Two more rules keep "equal records, equal bytes" true: every NaN is written as the one
 * canonical NaN (Avro's record equality does not tell NaN payloads apart), and a string holding an
 * unpaired UTF-16 surrogate is rejected instead of being silently written as {@code '?'} (which
 * would give two different records the same bytes and the same hash).
 *
 * <p>This is the encoding that request hashes, token signatures and evidence leaves are computed
 * over, and the one {@code EventCodec} writes on the wire. Thread-safe.
 */
public final class CanonicalEncoding {

  private static final ClassValue<RecordWriter> WRITERS =
      new ClassValue<>() {
        @Override
        protected RecordWriter computeValue(Class<?> type) {
          return new RecordWriter(type);
        }
      };

  /**
   * Each thread encodes into a buffer of its own that grows to the largest record it has seen, so
   * an encoding costs one copy of its bytes instead of a series of doublings plus that copy.
   */
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private CanonicalEncoding() {}

  /**
   * Returns the canonical single-object encoding of {@code event}.
   *
   * @param event a generated Avro record (any record of the contract, not only top-level events)
   * @return header and Avro binary body
   * @throws IllegalArgumentException if the record does not fit its schema (a null in a non-null
   *     field, an unpaired surrogate, two map keys that are the same string)
   */
  public static byte[] encode(SpecificRecord event) {
    Objects.requireNonNull(event, "event");
    return WRITERS.get(event.getClass()).write(event);
  }

  /**
   * Returns SHA-256 of {@link #encode(SpecificRecord) the canonical encoding} of {@code event}.
   *
   * @param event a generated Avro record
   * @return the 32-byte digest
   * @throws IllegalArgumentException if the record does not fit its schema
   */
  public static byte[] sha256(SpecificRecord event) {
    return Sha256.digest(encode(event));
  }

  /** Writer for one generated class; immutable once built, so one instance serves every thread. */
  private static final class RecordWriter {
    private final Class<?> type;
    private final byte[] header;
    private final CanonicalDatumWriter writer;

    RecordWriter(Class<?> type) {
      this.type = type;
      SpecificData model = SpecificData.getForClass(type);
      Schema schema;
      try {
        schema = model.getSchema(type);
      } catch (AvroRuntimeException e) {
        throw new IllegalArgumentException(type.getName() + " is not a generated Avro record", e);
      }
      long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
      this.header = SingleObjectHeader.of(fingerprint);
      this.writer = new CanonicalDatumWriter(schema, model);
    }

    byte[] write(SpecificRecord event) {
      Scratch scratch = SCRATCH.get();
      if (scratch.busy) {
        // re-entered on this thread (a writer that encodes while encoding): use a buffer of its own
        return write(event, new Scratch());
      }
      scratch.busy = true;
      try {
        return write(event, scratch);
      } finally {
        scratch.busy = false;
        scratch.shrinkIfHuge();
      }
    }

    private byte[] write(SpecificRecord event, Scratch scratch) {
      Buffer out = scratch.buffer;
      out.reset();
      out.write(header, 0, header.length);
      BinaryEncoder encoder = scratch.encoder;
      try {
        writer.write(event, encoder);
        encoder.flush();
      } catch (IOException e) {
        // ByteArrayOutputStream never throws; reaching this is a bug, not bad input.
        throw new UncheckedIOException(e);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
      }
      return out.toByteArray();
    }
  }

  /** A thread's reusable output buffer and encoder. */
  private static final class Scratch {
    /** A buffer grown past this (one huge record) is dropped after use rather than kept forever. */
    private static final int KEEP_AT_MOST = 1 << 20;

    Buffer buffer = new Buffer();
    CanonicalEncoder encoder = new CanonicalEncoder(buffer);
    boolean busy;

    void shrinkIfHuge() {
      if (buffer.capacity() > KEEP_AT_MOST) {
        buffer = new Buffer();
        encoder = new CanonicalEncoder(buffer);
      }
    }
  }

  /**
   * A ByteArrayOutputStream that tells its capacity and writes without a lock: one thread owns it
   * (a {@link Scratch}), and {@code ByteArrayOutputStream}'s synchronized writes cost a
   * compare-and-set for every field written.
   */
  private static final class Buffer extends ByteArrayOutputStream {
    Buffer() {
      super(4096);
    }

    int capacity() {
      return buf.length;
    }

    private void ensureRoom(int more) {
      if (more > buf.length - count) {
        buf = Arrays.copyOf(buf, Math.max(count + more, buf.length * 2));
      }
    }

    @Override
    @SuppressWarnings("sync-override")
    public void write(int b) {
      ensureRoom(1);
      buf[count++] = (byte) b;
    }

    @Override
    @SuppressWarnings("sync-override")
    public void write(byte[] b, int off, int len) {
      Objects.checkFromIndexSize(off, len, b.length);
      ensureRoom(len);
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }

    /** Appends the low byte of each char: for a string known to be ASCII, its UTF-8 bytes. */
    @SuppressWarnings(
        "deprecation") // String.getBytes(int, int, byte[], int) is exactly the copy wanted
    void writeAscii(String s) {
      int n = s.length();
      ensureRoom(n);
      s.getBytes(0, n, buf, count);
      count += n;
    }
  }

  /**
   * Avro's direct binary encoder over a {@link Buffer}, with a path for ASCII strings that writes
   * their bytes straight into the buffer (no UTF-8 byte array, no {@link Utf8}, no second copy).
   */
  private static final class CanonicalEncoder extends DirectBinaryEncoder {
    private final Buffer buffer;

    CanonicalEncoder(Buffer buffer) {
      super(buffer);
      this.buffer = buffer;
    }

    /**
     * Writes {@code s} as an Avro string and returns true if it is ASCII; writes nothing otherwise.
     */
    boolean writeIfAscii(String s) throws IOException {
      int n = s.length();
      for (int i = 0; i < n; i++) {
        if (s.charAt(i) >= 0x80) {
          return false;
        }
      }
      writeInt(n); // ASCII: as many UTF-8 bytes as chars (and no surrogates to check)
      buffer.writeAscii(s);
      return true;
    }
  }

  /** Avro's specific writer with sorted map keys, one NaN and well-formed strings. */
  private static final class CanonicalDatumWriter extends SpecificDatumWriter<SpecificRecord> {

    CanonicalDatumWriter(Schema schema, SpecificData model) {
      super(schema, model);
    }

    @Override
    protected void writeWithoutConversion(Schema schema, Object datum, Encoder out)
        throws IOException {
      if (schema.getType() == Schema.Type.DOUBLE && datum instanceof Double d && d.isNaN()) {
        out.writeDouble(Double.NaN);
      } else if (schema.getType() == Schema.Type.FLOAT && datum instanceof Float f && f.isNaN()) {
        out.writeFloat(Float.NaN);
      } else {
        super.writeWithoutConversion(schema, datum, out);
      }
    }

    @Override
    protected void writeString(Object datum, Encoder out) throws IOException {
      if (datum instanceof Utf8 utf8) {
        out.writeString(utf8);
      } else if (!(datum instanceof String s
          && out instanceof CanonicalEncoder ce
          && ce.writeIfAscii(s))) {
        out.writeString(new Utf8(utf8Bytes(datum)));
      }
    }

    @Override
    protected void writeMap(Schema schema, Object datum, Encoder out) throws IOException {
      Schema valueSchema = schema.getValueType();
      int size = getMapSize(datum);
      Entry[] entries = new Entry[size];
      int count = 0;
      for (Map.Entry<Object, Object> entry : getMapEntries(datum)) {
        if (count == size) {
          throw new ConcurrentModificationException("map grew while it was being written");
        }
        Object key = entry.getKey();
        if (key == null) {
          throw new AvroTypeException("null map key");
        }
        byte[] keyBytes =
            key instanceof Utf8 utf8
                ? Arrays.copyOf(utf8.getBytes(), utf8.getByteLength())
                : utf8Bytes(key);
        entries[count++] = new Entry(keyBytes, entry.getValue());
      }
      if (count != size) {
        throw new ConcurrentModificationException("map shrank while it was being written");
      }
      Arrays.sort(entries, (a, b) -> Arrays.compareUnsigned(a.key, b.key));
      for (int i = 1; i < size; i++) {
        if (Arrays.equals(entries[i - 1].key, entries[i].key)) {
          // A Map<CharSequence, ?> can hold a String and a Utf8 spelling the same key.
          throw new AvroTypeException(
              "duplicate map key \"" + new String(entries[i].key, StandardCharsets.UTF_8) + "\"");
        }
      }
      out.writeMapStart();
      out.setItemCount(size);
      for (Entry entry : entries) {
        out.startItem();
        out.writeString(new Utf8(entry.key));
        try {
          write(valueSchema, entry.value, out);
        } catch (NullPointerException e) {
          throw npe(e, " in map value");
        }
      }
      out.writeMapEnd();
    }

    private static byte[] utf8Bytes(Object text) {
      String s = text.toString();
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)
            && i + 1 < s.length()
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else if (Character.isSurrogate(c)) {
          throw new AvroTypeException("string has an unpaired surrogate at index " + i);
        }
      }
      return s.getBytes(StandardCharsets.UTF_8);
    }

    private record Entry(byte[] key, Object value) {}
  }
}
