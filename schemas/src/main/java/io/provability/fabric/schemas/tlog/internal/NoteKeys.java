package io.provability.fabric.schemas.tlog.internal;

import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.schemas.tlog.NoteVerifier;
import io.provability.fabric.schemas.tlog.TlogException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Key-id and key-name rules shared by {@link NoteSigner} and {@link NoteVerifier}. */
public final class NoteKeys {

  private NoteKeys() {}

  /** {@code SHA-256(name || 0x0A || type || publicKey)[:4]} as a big-endian int. */
  public static int keyId(String name, byte type, byte[] publicKey) {
    byte[] hash =
        Sha256.digest(name.getBytes(StandardCharsets.UTF_8), new byte[] {'\n', type}, publicKey);
    return ((hash[0] & 0xFF) << 24)
        | ((hash[1] & 0xFF) << 16)
        | ((hash[2] & 0xFF) << 8)
        | (hash[3] & 0xFF);
  }

  /** Key names are non-empty and contain neither Unicode spaces nor '+'. */
  public static String requireName(String name) {
    if (name == null || name.isEmpty()) {
      throw new TlogException("key name is empty");
    }
    boolean bad =
        name.codePoints()
            .anyMatch(
                c -> c == '+' || Character.isWhitespace(c) || Character.isSpaceChar(c) || c < 0x20);
    if (bad) {
      throw new TlogException("key name '" + name + "' contains a space, control character or '+'");
    }
    return name;
  }

  public static String hex8(int keyId) {
    return String.format("%08x", keyId);
  }

  public static int parseHex8(String text, String what) {
    if (text.length() != 8 || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new TlogException(what + " key id '" + text + "' is not 8 hex digits");
    }
    return (int) Long.parseLong(text, 16);
  }

  public static byte[] base64(String text, String what) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new TlogException(what + " is not base64");
    }
  }
}
