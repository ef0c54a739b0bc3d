package io.provability.fabric.schemas.hash;

import java.util.Objects;

/** Hexadecimal text for hashes and fingerprints: encodes lowercase, decodes either case. */
public final class Hex {

  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  /**
   * Returns {@code bytes} as lowercase hex, two digits per byte.
   *
   * @param bytes the bytes to encode
   * @return the hex text, empty for an empty array
   */
  public static String encode(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    char[] text = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      text[2 * i] = DIGITS[(bytes[i] >> 4) & 0x0f];
      text[2 * i + 1] = DIGITS[bytes[i] & 0x0f];
    }
    return new String(text);
  }

  /**
   * Returns the bytes {@code hex} spells, accepting upper- and lowercase digits.
   *
   * @param hex an even number of hex digits, nothing else (no prefix, no separators)
   * @return the decoded bytes
   * @throws IllegalArgumentException if {@code hex} has an odd length or a character that is not a
   *     hex digit
   */
  public static byte[] decode(String hex) {
    Objects.requireNonNull(hex, "hex");
    if (hex.length() % 2 != 0) {
      throw new IllegalArgumentException("hex text has an odd length (" + hex.length() + ")");
    }
    byte[] bytes = new byte[hex.length() / 2];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (digit(hex, 2 * i) << 4 | digit(hex, 2 * i + 1));
    }
    return bytes;
  }

  private static int digit(String hex, int index) {
    char c = hex.charAt(index);
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    throw new IllegalArgumentException("not a hex digit at index " + index + ": '" + c + "'");
  }
}
