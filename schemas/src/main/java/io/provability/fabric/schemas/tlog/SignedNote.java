package io.provability.fabric.schemas.tlog;

import io.provability.fabric.schemas.tlog.internal.NoteKeys;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A C2SP signed note: a text ending in a newline, a blank line, and one or more signature lines
 * {@code — <key name> base64(key id || signature)}.
 *
 * <p>{@link #open} applies the verification rules of the specification (and of
 * golang.org/x/mod/sumdb/note): signatures by unknown keys are kept but ignored; a signature by a
 * known key (same name and key id) must verify, or the whole note is refused; at least one must
 * verify. A repeated signature line by a known key is checked once.
 *
 * @param text the note text, ending with a newline
 * @param signatures every signature line, in order
 */
public record SignedNote(String text, List<NoteSignature> signatures) {

  /** The em dash and space that start a signature line. */
  static final String SIGNATURE_PREFIX = "\u2014 ";

  /** Notes with more signatures are refused (the spec asks to accept at least 16). */
  public static final int MAX_SIGNATURES = 100;

  /** Validates the text and copies the list. */
  public SignedNote {
    Objects.requireNonNull(text, "text");
    requireValidText(text);
    signatures = List.copyOf(signatures);
  }

  /**
   * Signs a text with one or more keys.
   *
   * @param text the note text (for a checkpoint: {@link Checkpoint#body()})
   * @param signers the keys, in the order their lines appear
   * @return the note
   */
  public static SignedNote sign(String text, NoteSigner... signers) {
    requireValidText(text);
    if (signers.length == 0) {
      throw new TlogException("a signed note needs at least one signer");
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    List<NoteSignature> lines = new ArrayList<>();
    for (NoteSigner signer : signers) {
      lines.add(new NoteSignature(signer.name(), signer.keyId(), signer.sign(bytes)));
    }
    return new SignedNote(text, lines);
  }

  /**
   * Returns this note with more signatures appended (a witness adding its cosignature).
   *
   * @param signers the keys to sign with
   * @return a new note with this note's lines followed by the new ones; a signer whose name and key
   *     id already have a line replaces that line rather than adding a second one
   */
  public SignedNote withSignatures(NoteSigner... signers) {
    SignedNote added = sign(text, signers);
    List<NoteSignature> lines = new ArrayList<>();
    for (NoteSignature existing : signatures) {
      boolean replaced =
          added.signatures.stream()
              .anyMatch(s -> s.name().equals(existing.name()) && s.keyId() == existing.keyId());
      if (!replaced) {
        lines.add(existing);
      }
    }
    lines.addAll(added.signatures);
    return new SignedNote(text, lines);
  }

  /**
   * Returns the note's bytes.
   *
   * @return text, blank line, signature lines, each ending in a newline
   */
  public byte[] encode() {
    StringBuilder out = new StringBuilder(text).append('\n');
    for (NoteSignature signature : signatures) {
      out.append(signature.line()).append('\n');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Returns the text's bytes (what the signatures are over).
   *
   * @return UTF-8 text
   */
  public byte[] textBytes() {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses a note's structure without checking any signature.
   *
   * @param note the note's bytes
   * @return the text and signature lines
   * @throws TlogException if the note is malformed
   */
  public static SignedNote parse(byte[] note) {
    String all = decodeUtf8(note);
    requireNoControl(all);
    int split = all.lastIndexOf("\n\n");
    if (split < 0) {
      throw malformed("no blank line before the signatures");
    }
    String text = all.substring(0, split + 1);
    String block = all.substring(split + 2);
    if (block.isEmpty() || block.charAt(block.length() - 1) != '\n') {
      throw malformed("the signature block is empty or does not end with a newline");
    }
    String[] lines = block.substring(0, block.length() - 1).split("\n", -1);
    if (lines.length > MAX_SIGNATURES) {
      throw malformed("more than " + MAX_SIGNATURES + " signatures");
    }
    List<NoteSignature> signatures = new ArrayList<>();
    for (String line : lines) {
      signatures.add(parseLine(line));
    }
    return new SignedNote(text, signatures);
  }

  /**
   * Parses a note and verifies it against the known keys, following the signed-note rules.
   *
   * @param note the note's bytes
   * @param known the keys to trust (log keys and, if wanted, witness cosignature keys)
   * @return the note with its verified and its unknown signatures
   * @throws TlogException if the note is malformed, a known key's signature fails, or no known key
   *     signed it
   */
  public static VerifiedNote open(byte[] note, Collection<NoteVerifier> known) {
    SignedNote parsed = parse(note);
    byte[] text = parsed.textBytes();
    List<NoteSignature> verified = new ArrayList<>();
    List<NoteSignature> unknown = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (NoteSignature signature : parsed.signatures) {
      NoteVerifier verifier = known.stream().filter(signature::isBy).findFirst().orElse(null);
      if (verifier == null) {
        unknown.add(signature);
        continue;
      }
      if (!seen.add(signature.name() + "+" + signature.keyId())) {
        continue;
      }
      if (!verifier.verify(text, signature.signature())) {
        throw new TlogException(
            "invalid signature by known key "
                + verifier.name()
                + "+"
                + NoteKeys.hex8(verifier.keyId()));
      }
      verified.add(signature);
    }
    if (verified.isEmpty()) {
      throw new TlogException(
          "note has no signature from a known key (signed by "
              + unknown.stream().map(s -> s.name() + "+" + NoteKeys.hex8(s.keyId())).toList()
              + ")");
    }
    return new VerifiedNote(parsed.text, verified, unknown);
  }

  private static NoteSignature parseLine(String line) {
    if (!line.startsWith(SIGNATURE_PREFIX)) {
      throw malformed("signature line does not start with an em dash and a space: '" + line + "'");
    }
    String rest = line.substring(SIGNATURE_PREFIX.length());
    int space = rest.indexOf(' ');
    if (space < 0) {
      throw malformed("signature line has no signature: '" + line + "'");
    }
    String name = rest.substring(0, space);
    String base64 = rest.substring(space + 1);
    try {
      NoteKeys.requireName(name);
    } catch (TlogException e) {
      throw malformed(e.getMessage());
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw malformed("signature by " + name + " is not base64");
    }
    if (bytes.length < 5) {
      throw malformed("signature by " + name + " is shorter than a key id and one byte");
    }
    int keyId = ByteBuffer.wrap(bytes, 0, 4).getInt();
    return new NoteSignature(name, keyId, Arrays.copyOfRange(bytes, 4, bytes.length));
  }

  /** Decodes strict UTF-8, refusing malformed input instead of replacing it. */
  static String decodeUtf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(Objects.requireNonNull(bytes, "bytes")))
          .toString();
    } catch (CharacterCodingException e) {
      throw malformed("not valid UTF-8");
    }
  }

  private static void requireValidText(String text) {
    if (text.isEmpty() || text.charAt(text.length() - 1) != '\n') {
      throw malformed("the text does not end with a newline");
    }
    requireNoControl(text);
  }

  private static void requireNoControl(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 && c != '\n') {
        throw malformed("control character 0x" + Integer.toHexString(c) + " at offset " + i);
      }
    }
  }

  private static TlogException malformed(String why) {
    return new TlogException("malformed signed note: " + why);
  }

  /**
   * The outcome of {@link #open}: the text, and which signatures were verified.
   *
   * @param text the note text
   * @param verified signatures by known keys, all valid
   * @param unknown signatures by keys the caller did not name (ignored, kept for display)
   */
  public record VerifiedNote(
      String text, List<NoteSignature> verified, List<NoteSignature> unknown) {

    /** Copies the lists. */
    public VerifiedNote {
      verified = List.copyOf(verified);
      unknown = List.copyOf(unknown);
    }

    /**
     * Tells whether a key's valid signature is among the verified ones.
     *
     * @param verifier the key
     * @return true if it signed
     */
    public boolean signedBy(NoteVerifier verifier) {
      return verified.stream().anyMatch(s -> s.isBy(verifier));
    }

    /**
     * Parses the text as a checkpoint.
     *
     * @return the checkpoint
     */
    public Checkpoint checkpoint() {
      return Checkpoint.parse(text);
    }
  }
}
