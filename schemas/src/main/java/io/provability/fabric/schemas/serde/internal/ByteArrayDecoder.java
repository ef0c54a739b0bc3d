package io.provability.fabric.schemas.serde.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * Avro binary decoder over one untrusted message held in a byte array.
 *
 * <p>Avro's own {@code BinaryDecoder} allocates a string, bytes or array of whatever length the
 * input claims before it finds out the input is shorter, so a dozen hostile bytes can ask for
 * gigabytes. Here every length and block count is checked against the bytes actually left first. It
 * is also strict where Avro is lenient, because the fabric hashes what it decodes: booleans must be
 * 0 or 1, varints must fit their type, and strings must be well-formed UTF-8 (Avro would replace
 * bad sequences with U+FFFD, turning different inputs into equal records).
 *
 * <p>Not thread-safe: one instance per message.
 */
public final class ByteArrayDecoder extends Decoder {

  private final byte[] buf;
  private final int limit;
  private int pos;
  private final CharsetDecoder utf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);

  public ByteArrayDecoder(byte[] buf, int offset, int length) {
    this.buf = buf;
    this.pos = offset;
    this.limit = offset + length;
  }

  /** Returns how many bytes have not been read yet. */
  public int remaining() {
    return limit - pos;
  }

  /** Returns the offset of the next byte to read, within the whole array. */
  public int position() {
    return pos;
  }

  @Override
  public void readNull() {
    // null is encoded as zero bytes
  }

  @Override
  public boolean readBoolean() throws IOException {
    require(1, "boolean");
    int b = buf[pos] & 0xff;
    if (b > 1) {
      throw new IOException(
          String.format("boolean byte 0x%02x at offset %d is neither 0 nor 1", b, pos));
    }
    pos++;
    return b == 1;
  }

  @Override
  public int readInt() throws IOException {
    int start = pos;
    long raw = readVarint(5, "int");
    if (raw >>> 32 != 0) {
      throw new IOException("int varint at offset " + start + " does not fit 32 bits");
    }
    int n = (int) raw;
    return (n >>> 1) ^ -(n & 1);
  }

  @Override
  public long readLong() throws IOException {
    long n = readVarint(10, "long");
    return (n >>> 1) ^ -(n & 1);
  }

  @Override
  public float readFloat() throws IOException {
    require(4, "float");
    int bits = 0;
    for (int i = 0; i < 4; i++) {
      bits |= (buf[pos + i] & 0xff) << (8 * i);
    }
    pos += 4;
    return Float.intBitsToFloat(bits);
  }

  @Override
  public double readDouble() throws IOException {
    require(8, "double");
    long bits = 0;
    for (int i = 0; i < 8; i++) {
      bits |= (buf[pos + i] & 0xffL) << (8 * i);
    }
    pos += 8;
    return Double.longBitsToDouble(bits);
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = readLength("string");
    checkUtf8(length);
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(length);
    System.arraycopy(buf, pos, result.getBytes(), 0, length);
    pos += length;
    return result;
  }

  @Override
  public String readString() throws IOException {
    int length = readLength("string");
    String value = checkUtf8(length);
    pos += length;
    return value;
  }

  @Override
  public void skipString() throws IOException {
    pos += readLength("string");
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = readLength("bytes");
    ByteBuffer result = ByteBuffer.wrap(Arrays.copyOfRange(buf, pos, pos + length));
    pos += length;
    return result;
  }

  @Override
  public void skipBytes() throws IOException {
    pos += readLength("bytes");
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    require(length, "fixed");
    System.arraycopy(buf, pos, bytes, start, length);
    pos += length;
  }

  @Override
  public void skipFixed(int length) throws IOException {
    require(length, "fixed");
    pos += length;
  }

  @Override
  public int readEnum() throws IOException {
    return readInt();
  }

  @Override
  public long readArrayStart() throws IOException {
    return readBlockCount("array");
  }

  @Override
  public long arrayNext() throws IOException {
    return readBlockCount("array");
  }

  @Override
  public long skipArray() throws IOException {
    return skipBlocks("array");
  }

  @Override
  public long readMapStart() throws IOException {
    return readBlockCount("map");
  }

  @Override
  public long mapNext() throws IOException {
    return readBlockCount("map");
  }

  @Override
  public long skipMap() throws IOException {
    return skipBlocks("map");
  }

  @Override
  public int readIndex() throws IOException {
    return readInt();
  }

  private long readVarint(int maxBytes, String type) throws IOException {
    int start = pos;
    long value = 0;
    for (int i = 0; i < maxBytes; i++) {
      require(1, type);
      int b = buf[pos++] & 0xff;
      value |= (long) (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        // The tenth byte of a long may carry only the top bit; more would be silently dropped.
        if (i == 9 && b > 1) {
          break;
        }
        return value;
      }
    }
    throw new IOException(type + " varint at offset " + start + " is too long for its type");
  }

  /** Reads a string or bytes length and checks that the input holds that many bytes. */
  private int readLength(String type) throws IOException {
    int start = pos;
    long length = readLong();
    if (length < 0 || length > remaining()) {
      throw new IOException(
          type + " at offset " + start + " claims " + length + " bytes, " + remaining() + " left");
    }
    return (int) length;
  }

  /**
   * Reads an array or map block header. A count beyond the bytes left is malformed because every
   * item type of the contract takes at least one byte (arrays of null or of empty records, which
   * would not, do not occur), and refusing it keeps Avro from pre-sizing a huge collection.
   */
  private long readBlockCount(String type) throws IOException {
    int start = pos;
    long count = readLong();
    if (count < 0) {
      // A negative count is followed by the block's size in bytes (which readers may use to skip).
      long size = readLong();
      if (count == Long.MIN_VALUE || size < 0 || size > remaining()) {
        throw new IOException(type + " block at offset " + start + " has a bad count or size");
      }
      count = -count;
    }
    if (count > remaining()) {
      throw new IOException(
          type
              + " block at offset "
              + start
              + " claims "
              + count
              + " items, "
              + remaining()
              + " bytes left");
    }
    return count;
  }

  /** Skips every block that carries its byte size; returns the count of the first that does not. */
  private long skipBlocks(String type) throws IOException {
    while (true) {
      int start = pos;
      long count = readLong();
      if (count >= 0) {
        if (count > remaining()) {
          throw new IOException(
              type
                  + " block at offset "
                  + start
                  + " claims "
                  + count
                  + " items, "
                  + remaining()
                  + " bytes left");
        }
        return count;
      }
      long size = readLong();
      if (size < 0 || size > remaining()) {
        throw new IOException(type + " block at offset " + start + " has a bad size " + size);
      }
      pos += (int) size;
    }
  }

  private void require(int length, String type) throws EOFException {
    if (length < 0 || length > remaining()) {
      throw new EOFException(
          type + " at offset " + pos + " needs " + length + " bytes, " + remaining() + " left");
    }
  }

  private String checkUtf8(int length) throws IOException {
    if (isAscii(pos, length)) {
      // ASCII is valid UTF-8 and decodes byte for byte: one copy, no decoder
      return new String(buf, pos, length, StandardCharsets.ISO_8859_1);
    }
    try {
      return utf8.decode(ByteBuffer.wrap(buf, pos, length)).toString();
    } catch (CharacterCodingException e) {
      throw new IOException("string at offset " + pos + " is not valid UTF-8", e);
    }
  }

  private boolean isAscii(int from, int length) {
    for (int i = from, end = from + length; i < end; i++) {
      if (buf[i] < 0) {
        return false;
      }
    }
    return true;
  }
}
