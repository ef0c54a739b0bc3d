package io.provability.fabric.processors.cache.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A cached value and the half-open interval of time {@code [validFrom, validUntil)} in which it is
 * exactly what a fresh evaluation would return (given the same key). Outside it the entry is a
 * miss.
 *
 * @param value the cached value
 * @param validFrom first instant at which the value holds (a clock that jumps back before it
 *     misses)
 * @param validUntil first instant at which it may no longer hold (an expiry window, or the TTL)
 * @param tokenTag the token id the value depends on, for revocation; null if none
 * @param subjectTag {@code tenant:subject} the value depends on, for grant changes; null if none
 * @param originResources hash of the literal resources of the request that produced it (metrics
 *     only)
 * @param originExtras hash of the fields of that request the policy does not read (metrics only)
 */
public record CacheEntry<V>(
    V value,
    Instant validFrom,
    Instant validUntil,
    String tokenTag,
    String subjectTag,
    long originResources,
    long originExtras) {
  private static final byte FORMAT = 1;

  /** True if the entry may be served at {@code now}. */
  public boolean validAt(Instant now) {
    return !now.isBefore(validFrom) && now.isBefore(validUntil);
  }

  /** Writes and reads cached values. */
  public interface Codec<V> {
    void write(V value, DataOutputStream out) throws IOException;

    V read(DataInputStream in) throws IOException;

    /** Approximate bytes the value holds in memory, for the near cache's budget. */
    int weigh(V value);
  }

  byte[] encode(Codec<V> codec) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      writeInstant(out, validFrom);
      writeInstant(out, validUntil);
      writeString(out, tokenTag);
      writeString(out, subjectTag);
      out.writeLong(originResources);
      out.writeLong(originExtras);
      codec.write(value, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static <V> CacheEntry<V> decode(byte[] bytes, Codec<V> codec) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    if (in.readByte() != FORMAT) {
      throw new IOException("unknown cache entry format");
    }
    Instant from = readInstant(in);
    Instant until = readInstant(in);
    String token = readString(in);
    String subject = readString(in);
    long resources = in.readLong();
    long extras = in.readLong();
    V value = codec.read(in);
    if (in.available() != 0) {
      throw new IOException("trailing bytes after a cache entry");
    }
    return new CacheEntry<>(value, from, until, token, subject, resources, extras);
  }

  /** Writes an instant as seconds and nanoseconds. */
  public static void writeInstant(DataOutputStream out, Instant t) throws IOException {
    out.writeLong(t.getEpochSecond());
    out.writeInt(t.getNano());
  }

  /** Reads what {@link #writeInstant} wrote. */
  public static Instant readInstant(DataInputStream in) throws IOException {
    long s = in.readLong();
    int n = in.readInt();
    return Instant.ofEpochSecond(s, n);
  }

  /** Writes a nullable string. */
  public static void writeString(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  /** Reads what {@link #writeString} wrote. */
  public static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    if (n > 16 << 20) {
      throw new IOException("string of " + n + " bytes in a cache entry");
    }
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new IOException("truncated cache entry");
    }
    return new String(b, StandardCharsets.UTF_8);
  }
}
