package io.provability.fabric.schemas.tlog;

import io.provability.fabric.schemas.tlog.internal.NoteKeys;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A named Ed25519 private key that signs notes: checkpoints (signature type 0x01) or, through
 * {@link #asCosigner}, tlog-cosignature/v1 cosignatures (type 0x04, timestamped).
 *
 * <p>Its text form is the signer key of golang.org/x/mod/sumdb/note, {@code PRIVATE+KEY+<name>+<8
 * hex key id>+<base64(type || 32-byte seed)>}. Handle it as a secret; {@link #toString()} shows
 * only the public half.
 */
public final class NoteSigner {

  private static final String PRIVATE_PREFIX = "PRIVATE+KEY+";

  private final String name;
  private final byte type;
  private final Ed25519PrivateKeyParameters privateKey;
  private final NoteVerifier verifier;
  private final Clock clock;

  private NoteSigner(String name, byte type, Ed25519PrivateKeyParameters privateKey, Clock clock) {
    this.name = NoteKeys.requireName(name);
    this.type = type;
    this.privateKey = privateKey;
    this.clock = clock;
    byte[] publicKey = privateKey.generatePublicKey().getEncoded();
    this.verifier =
        type == NoteVerifier.TYPE_COSIGNATURE_V1
            ? NoteVerifier.cosignatureV1(name, publicKey)
            : NoteVerifier.ed25519(name, publicKey);
  }

  /**
   * Generates a fresh Ed25519 note signer.
   *
   * @param name key name, normally the log's origin
   * @param random source of the key
   * @return the signer (type 0x01)
   */
  public static NoteSigner generate(String name, SecureRandom random) {
    Ed25519KeyPairGenerator generator = new Ed25519KeyPairGenerator();
    generator.init(new Ed25519KeyGenerationParameters(random));
    Ed25519PrivateKeyParameters key =
        (Ed25519PrivateKeyParameters) generator.generateKeyPair().getPrivate();
    return new NoteSigner(name, NoteVerifier.TYPE_ED25519, key, Clock.systemUTC());
  }

  /**
   * Restores a note signer from its 32-byte seed.
   *
   * @param name key name
   * @param seed the Ed25519 private key seed
   * @return the signer (type 0x01)
   */
  public static NoteSigner fromSeed(String name, byte[] seed) {
    return new NoteSigner(name, NoteVerifier.TYPE_ED25519, privateKey(seed), Clock.systemUTC());
  }

  /**
   * Parses a signer key {@code PRIVATE+KEY+<name>+<id>+<base64(type || seed)>}; type 0x01 gives a
   * note signer, 0x04 a cosigner on the system clock.
   *
   * @param skey the signer key string
   * @return the signer
   * @throws TlogException if it is malformed or its key id does not match
   */
  public static NoteSigner parse(String skey) {
    Objects.requireNonNull(skey, "skey");
    String text = skey.strip();
    if (!text.startsWith(PRIVATE_PREFIX)) {
      throw new TlogException("signer key does not start with PRIVATE+KEY+");
    }
    String[] parts = text.substring(PRIVATE_PREFIX.length()).split("\\+", 3);
    if (parts.length != 3) {
      throw new TlogException("signer key must be PRIVATE+KEY+<name>+<key id>+<base64 key>");
    }
    int id = NoteKeys.parseHex8(parts[1], "signer key " + parts[0]);
    byte[] key = NoteKeys.base64(parts[2], "signer key " + parts[0]);
    if (key.length != 33) {
      throw new TlogException(
          "signer key " + parts[0] + " must hold a type byte and a 32-byte seed");
    }
    byte type = key[0];
    if (type != NoteVerifier.TYPE_ED25519 && type != NoteVerifier.TYPE_COSIGNATURE_V1) {
      throw new TlogException("signer key " + parts[0] + " has unsupported type " + (type & 0xFF));
    }
    byte[] seed = new byte[32];
    System.arraycopy(key, 1, seed, 0, 32);
    NoteSigner signer = new NoteSigner(parts[0], type, privateKey(seed), Clock.systemUTC());
    if (signer.keyId() != id) {
      throw new TlogException(
          "signer key "
              + parts[0]
              + " says key id "
              + parts[1]
              + " but its name and key give "
              + NoteKeys.hex8(signer.keyId()));
    }
    return signer;
  }

  /**
   * Returns a cosigner with the same private key that makes tlog-cosignature/v1 signatures stamped
   * with {@code clock}'s time. Its key id differs from this signer's (type 0x04 instead of 0x01).
   *
   * @param clock source of the signature timestamps
   * @return the cosigner
   */
  public NoteSigner asCosigner(Clock clock) {
    return new NoteSigner(
        name, NoteVerifier.TYPE_COSIGNATURE_V1, privateKey, Objects.requireNonNull(clock, "clock"));
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
   * @return the id in signature lines, as in {@link NoteVerifier#keyId()}
   */
  public int keyId() {
    return verifier.keyId();
  }

  /**
   * Returns the matching verifier.
   *
   * @return the public half
   */
  public NoteVerifier verifier() {
    return verifier;
  }

  /**
   * Returns the signer key string; a secret.
   *
   * @return {@code PRIVATE+KEY+<name>+<8 hex>+<base64(type || seed)>}
   */
  public String signerKey() {
    byte[] typed = new byte[33];
    typed[0] = type;
    System.arraycopy(privateKey.getEncoded(), 0, typed, 1, 32);
    return PRIVATE_PREFIX
        + name
        + "+"
        + NoteKeys.hex8(keyId())
        + "+"
        + Base64.getEncoder().encodeToString(typed);
  }

  /**
   * Signs a note text.
   *
   * @param text the note text (UTF-8, ending with a newline)
   * @return the signature without its key id: 64 bytes, or for a cosigner the 8-byte big-endian
   *     timestamp followed by 64 bytes
   */
  public byte[] sign(byte[] text) {
    if (type != NoteVerifier.TYPE_COSIGNATURE_V1) {
      return ed25519(text);
    }
    long time = clock.instant().getEpochSecond();
    byte[] signature = ed25519(NoteVerifier.cosignedMessage(time, text));
    byte[] out = new byte[8 + signature.length];
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (time >>> (56 - 8 * i));
    }
    System.arraycopy(signature, 0, out, 8, signature.length);
    return out;
  }

  private byte[] ed25519(byte[] message) {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, privateKey);
    signer.update(message, 0, message.length);
    return signer.generateSignature();
  }

  private static Ed25519PrivateKeyParameters privateKey(byte[] seed) {
    if (seed == null || seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
      throw new TlogException("an Ed25519 private key seed has 32 bytes");
    }
    return new Ed25519PrivateKeyParameters(seed, 0);
  }

  @Override
  public String toString() {
    return "NoteSigner[" + verifier.vkey() + "]";
  }
}
