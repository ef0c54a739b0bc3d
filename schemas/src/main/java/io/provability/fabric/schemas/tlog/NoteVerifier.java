package io.provability.fabric.schemas.tlog;

import io.provability.fabric.schemas.tlog.internal.NoteKeys;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A public key that checks signed-note signatures: a log's Ed25519 key (signature type 0x01) or a
 * witness's tlog-cosignature/v1 key (type 0x04, a timestamped Ed25519 signature over {@code
 * "cosignature/v1\ntime <t>\n" + checkpoint body}).
 *
 * <p>It is published as a verifier key ("vkey") {@code <name>+<8 hex key id>+<base64(type ||
 * 32-byte public key)>}, the form of golang.org/x/mod/sumdb/note; the key id is {@code SHA-256(name
 * || 0x0A || type || public key)[:4]}. {@link #parse} refuses a vkey whose key id does not match
 * its name and key.
 */
public final class NoteVerifier {

  /** Signature type of a plain Ed25519 note signature. */
  public static final byte TYPE_ED25519 = 0x01;

  /** Signature type of a timestamped Ed25519 cosignature (c2sp.org/tlog-cosignature). */
  public static final byte TYPE_COSIGNATURE_V1 = 0x04;

  private static final int ED25519_SIGNATURE = 64;
  private static final int TIMESTAMP_BYTES = 8;

  private final String name;
  private final byte type;
  private final byte[] publicKey;
  private final int keyId;

  private NoteVerifier(String name, byte type, byte[] publicKey) {
    this.name = NoteKeys.requireName(name);
    if (type != TYPE_ED25519 && type != TYPE_COSIGNATURE_V1) {
      throw new TlogException(
          "key "
              + name
              + " has signature type "
              + (type & 0xFF)
              + "; supported are 1 (Ed25519) and 4 (cosignature/v1)");
    }
    if (publicKey.length != Ed25519PublicKeyParameters.KEY_SIZE) {
      throw new TlogException(
          "key " + name + " has a " + publicKey.length + "-byte public key; Ed25519 keys have 32");
    }
    this.type = type;
    this.publicKey = publicKey.clone();
    this.keyId = NoteKeys.keyId(name, type, publicKey);
  }

  /**
   * Creates a verifier for plain Ed25519 note signatures (what a log signs checkpoints with).
   *
   * @param name key name, normally the log's origin
   * @param publicKey 32-byte Ed25519 public key
   * @return the verifier
   */
  public static NoteVerifier ed25519(String name, byte[] publicKey) {
    return new NoteVerifier(name, TYPE_ED25519, publicKey);
  }

  /**
   * Creates a verifier for a witness's tlog-cosignature/v1 signatures.
   *
   * @param name the witness's key name
   * @param publicKey 32-byte Ed25519 public key
   * @return the verifier
   */
  public static NoteVerifier cosignatureV1(String name, byte[] publicKey) {
    return new NoteVerifier(name, TYPE_COSIGNATURE_V1, publicKey);
  }

  /**
   * Parses a verifier key {@code <name>+<hex id>+<base64(type || key)>}.
   *
   * @param vkey the verifier key string
   * @return the verifier
   * @throws TlogException if it is malformed, of an unsupported type, or its key id is wrong
   */
  public static NoteVerifier parse(String vkey) {
    Objects.requireNonNull(vkey, "vkey");
    // The base64 key may itself contain "+": split at the first two only.
    String[] parts = vkey.strip().split("\\+", 3);
    if (parts.length != 3) {
      throw new TlogException(
          "verifier key must be <name>+<key id>+<base64 key>, got "
              + parts.length
              + " '+'-separated parts");
    }
    int id = NoteKeys.parseHex8(parts[1], "verifier key " + parts[0]);
    byte[] key = NoteKeys.base64(parts[2], "verifier key " + parts[0]);
    if (key.length < 1) {
      throw new TlogException("verifier key " + parts[0] + " has no key bytes");
    }
    byte[] raw = new byte[key.length - 1];
    System.arraycopy(key, 1, raw, 0, raw.length);
    NoteVerifier verifier = new NoteVerifier(parts[0], key[0], raw);
    if (verifier.keyId != id) {
      throw new TlogException(
          "verifier key "
              + parts[0]
              + " says key id "
              + parts[1]
              + " but its name and key give "
              + NoteKeys.hex8(verifier.keyId));
    }
    return verifier;
  }

  /**
   * Returns the key name.
   *
   * @return the name in signature lines
   */
  public String name() {
    return name;
  }

  /**
   * Returns the key id.
   *
   * @return the first four bytes of {@code SHA-256(name || 0x0A || type || key)}, big-endian
   */
  public int keyId() {
    return keyId;
  }

  /**
   * Returns the signature type.
   *
   * @return {@link #TYPE_ED25519} or {@link #TYPE_COSIGNATURE_V1}
   */
  public byte type() {
    return type;
  }

  /**
   * Tells whether this verifies witness cosignatures.
   *
   * @return true for type 0x04
   */
  public boolean isCosignature() {
    return type == TYPE_COSIGNATURE_V1;
  }

  /**
   * Returns the raw public key.
   *
   * @return 32 bytes
   */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /**
   * Returns the verifier key string.
   *
   * @return {@code <name>+<8 hex>+<base64(type || public key)>}
   */
  public String vkey() {
    byte[] typed = new byte[publicKey.length + 1];
    typed[0] = type;
    System.arraycopy(publicKey, 0, typed, 1, publicKey.length);
    return name + "+" + NoteKeys.hex8(keyId) + "+" + Base64.getEncoder().encodeToString(typed);
  }

  /**
   * Checks one signature (without its 4-byte key id prefix) over a note's text.
   *
   * @param text the note text, ending with a newline
   * @param signature for type 0x01 the 64-byte Ed25519 signature; for type 0x04 an 8-byte
   *     big-endian timestamp followed by it
   * @return true if it verifies; false for any malformed input
   */
  public boolean verify(byte[] text, byte[] signature) {
    if (text == null || signature == null) {
      return false;
    }
    byte[] message = text;
    byte[] ed25519 = signature;
    if (type == TYPE_COSIGNATURE_V1) {
      if (signature.length != TIMESTAMP_BYTES + ED25519_SIGNATURE || signature[0] < 0) {
        return false;
      }
      message = cosignedMessage(cosignatureTime(signature), text);
      ed25519 = new byte[ED25519_SIGNATURE];
      System.arraycopy(signature, TIMESTAMP_BYTES, ed25519, 0, ED25519_SIGNATURE);
    }
    if (ed25519.length != ED25519_SIGNATURE) {
      return false;
    }
    try {
      Ed25519Signer verifier = new Ed25519Signer();
      verifier.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
      verifier.update(message, 0, message.length);
      return verifier.verifySignature(ed25519);
    } catch (RuntimeException malformedKey) {
      return false;
    }
  }

  /**
   * Returns the timestamp of a cosignature/v1 signature.
   *
   * @param signature the signature without its key id: 8-byte big-endian timestamp then 64 bytes
   * @return POSIX seconds
   * @throws TlogException if it is not a cosignature/v1 signature
   */
  public static long cosignatureTime(byte[] signature) {
    if (signature.length != TIMESTAMP_BYTES + ED25519_SIGNATURE) {
      throw new TlogException("a cosignature/v1 signature is 72 bytes, got " + signature.length);
    }
    long time = 0;
    for (int i = 0; i < TIMESTAMP_BYTES; i++) {
      time = (time << 8) | (signature[i] & 0xFF);
    }
    return time;
  }

  /**
   * Returns the message a cosignature/v1 signs: {@code "cosignature/v1\ntime <t>\n"} followed by
   * the whole checkpoint body.
   *
   * @param time POSIX seconds
   * @param body the checkpoint's note text
   * @return the signed message
   */
  public static byte[] cosignedMessage(long time, byte[] body) {
    byte[] header = ("cosignature/v1\ntime " + time + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] message = new byte[header.length + body.length];
    System.arraycopy(header, 0, message, 0, header.length);
    System.arraycopy(body, 0, message, header.length, body.length);
    return message;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof NoteVerifier that && vkey().equals(that.vkey());
  }

  @Override
  public int hashCode() {
    return vkey().hashCode();
  }

  @Override
  public String toString() {
    return vkey();
  }
}
