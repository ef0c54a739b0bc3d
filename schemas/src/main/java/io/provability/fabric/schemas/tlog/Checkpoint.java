package io.provability.fabric.schemas.tlog;

import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.merkle.Rfc6962;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The body of a C2SP tlog-checkpoint: {@code <origin>\n<size>\n<base64 root>\n} followed by
 * optional non-empty extension lines, each ending in a newline. Signatures are not part of it: a
 * checkpoint is published as a {@link SignedNote} whose text is {@link #body()}.
 *
 * @param origin the log's identity, non-empty, without newline
 * @param size number of entries, decimal without leading zeroes
 * @param rootHash RFC 6962 root at that size, 32 bytes
 * @param extensions opaque extension lines, each non-empty, without newline
 */
public record Checkpoint(String origin, long size, byte[] rootHash, List<String> extensions) {

  /** Validates and copies. */
  public Checkpoint {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(rootHash, "rootHash");
    if (origin.isEmpty() || origin.indexOf('\n') >= 0) {
      throw new TlogException("checkpoint origin must be one non-empty line");
    }
    if (size < 0) {
      throw new TlogException("checkpoint size " + size + " is negative");
    }
    if (rootHash.length != Rfc6962.HASH_LENGTH) {
      throw new TlogException(
          "checkpoint root hash is " + rootHash.length + " bytes, expected " + Rfc6962.HASH_LENGTH);
    }
    rootHash = rootHash.clone();
    extensions = List.copyOf(extensions == null ? List.of() : extensions);
    for (String line : extensions) {
      if (line.isEmpty() || line.indexOf('\n') >= 0) {
        throw new TlogException("checkpoint extension lines must be non-empty single lines");
      }
    }
  }

  /**
   * Creates a checkpoint without extension lines.
   *
   * @param origin the log's identity
   * @param size number of entries
   * @param rootHash root at that size
   */
  public Checkpoint(String origin, long size, byte[] rootHash) {
    this(origin, size, rootHash, List.of());
  }

  @Override
  public byte[] rootHash() {
    return rootHash.clone();
  }

  /**
   * Returns the note text that the log signs.
   *
   * @return {@code origin\nsize\nbase64(root)\n[extension\n]*}
   */
  public String body() {
    StringBuilder text = new StringBuilder();
    text.append(origin)
        .append('\n')
        .append(size)
        .append('\n')
        .append(Base64.getEncoder().encodeToString(rootHash))
        .append('\n');
    for (String line : extensions) {
      text.append(line).append('\n');
    }
    return text.toString();
  }

  /**
   * Returns {@link #body()} as UTF-8 bytes.
   *
   * @return the body's bytes
   */
  public byte[] bodyBytes() {
    return body().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses a checkpoint body (the text of a signed note, signatures already removed).
   *
   * @param body the note text, ending with a newline
   * @return the checkpoint
   * @throws TlogException naming the line that is malformed
   */
  public static Checkpoint parse(String body) {
    Objects.requireNonNull(body, "body");
    if (body.isEmpty() || body.charAt(body.length() - 1) != '\n') {
      throw new TlogException("checkpoint does not end with a newline");
    }
    String[] lines = body.substring(0, body.length() - 1).split("\n", -1);
    if (lines.length < 3) {
      throw new TlogException("checkpoint has " + lines.length + " line(s), needs at least 3");
    }
    if (lines[0].isEmpty()) {
      throw new TlogException("checkpoint origin line is empty");
    }
    long size = parseSize(lines[1]);
    byte[] root = parseHash(lines[2], "checkpoint root hash");
    List<String> extensions = List.of(lines).subList(3, lines.length);
    for (String line : extensions) {
      if (line.isEmpty()) {
        throw new TlogException("checkpoint has an empty extension line");
      }
    }
    return new Checkpoint(lines[0], size, root, extensions);
  }

  /**
   * Parses a checkpoint body given as bytes.
   *
   * @param body UTF-8 note text
   * @return the checkpoint
   */
  public static Checkpoint parse(byte[] body) {
    return parse(SignedNote.decodeUtf8(body));
  }

  /**
   * Decodes one standard base64 hash strictly: padding required, 32 bytes, and the text must be the
   * one canonical encoding of those bytes.
   *
   * @param text the base64 text
   * @param what what the hash is, for the error message
   * @return the 32-byte hash
   */
  static byte[] parseHash(String text, String what) {
    byte[] hash;
    try {
      hash = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new TlogException(what + " '" + text + "' is not base64");
    }
    if (hash.length != Rfc6962.HASH_LENGTH
        || !Base64.getEncoder().encodeToString(hash).equals(text)) {
      throw new TlogException(what + " '" + text + "' is not the base64 of a 32-byte hash");
    }
    return hash;
  }

  private static long parseSize(String text) {
    if (text.isEmpty()
        || text.length() > 19
        || !text.chars().allMatch(c -> c >= '0' && c <= '9')
        || (text.length() > 1 && text.charAt(0) == '0')) {
      throw new TlogException(
          "checkpoint size '" + text + "' is not a decimal without leading zeroes");
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new TlogException("checkpoint size '" + text + "' is too large");
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Checkpoint that
        && origin.equals(that.origin)
        && size == that.size
        && Arrays.equals(rootHash, that.rootHash)
        && extensions.equals(that.extensions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(origin, size, Arrays.hashCode(rootHash), extensions);
  }

  @Override
  public String toString() {
    return "Checkpoint["
        + origin
        + " size "
        + size
        + " root "
        + Hex.encode(rootHash)
        + (extensions.isEmpty() ? "" : " extensions " + extensions)
        + "]";
  }
}
