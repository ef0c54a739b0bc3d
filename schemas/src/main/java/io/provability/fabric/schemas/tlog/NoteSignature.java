package io.provability.fabric.schemas.tlog;

import java.util.Base64;
import java.util.Objects;

/**
 * One signature line of a signed note: {@code — <name> base64(key id || signature)}.
 *
 * @param name the key name
 * @param keyId the 4-byte key id, big-endian
 * @param signature the signature bytes after the key id (for a cosignature: timestamp then Ed25519
 *     signature)
 */
public record NoteSignature(String name, int keyId, byte[] signature) {

  /** Copies the signature. */
  public NoteSignature {
    Objects.requireNonNull(name, "name");
    signature = Objects.requireNonNull(signature, "signature").clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /**
   * Returns the signature line, without its newline.
   *
   * @return {@code — <name> <base64>}
   */
  public String line() {
    byte[] bytes = new byte[4 + signature.length];
    bytes[0] = (byte) (keyId >>> 24);
    bytes[1] = (byte) (keyId >>> 16);
    bytes[2] = (byte) (keyId >>> 8);
    bytes[3] = (byte) keyId;
    System.arraycopy(signature, 0, bytes, 4, signature.length);
    return SignedNote.SIGNATURE_PREFIX + name + " " + Base64.getEncoder().encodeToString(bytes);
  }

  /**
   * Tells whether this line is by the given key (same name and key id).
   *
   * @param verifier the key
   * @return true if name and key id match
   */
  public boolean isBy(NoteVerifier verifier) {
    return name.equals(verifier.name()) && keyId == verifier.keyId();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof NoteSignature that && line().equals(that.line());
  }

  @Override
  public int hashCode() {
    return line().hashCode();
  }

  @Override
  public String toString() {
    return line();
  }
}
