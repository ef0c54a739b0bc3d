package io.provability.fabric.processors.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Trusted Ed25519 public keys by key id. Several keys may be trusted at once, which is how an
 * issuer rotates keys without downtime: add the new key, move issuance to it, drop the old one.
 *
 * <p>File format: one {@code key-id=base64(raw 32-byte public key)} per line; {@code #} starts a
 * comment.
 */
public final class KeyRing {
  private final Map<String, byte[]> keys;

  private KeyRing(Map<String, byte[]> keys) {
    this.keys = Map.copyOf(keys);
  }

  /** A key ring trusting exactly the given keys. */
  public static KeyRing of(Map<String, byte[]> publicKeysById) {
    Map<String, byte[]> copy = new LinkedHashMap<>();
    publicKeysById.forEach((id, key) -> copy.put(id, validate(id, key.clone())));
    return new KeyRing(copy);
  }

  /**
   * SHA-256 over the sorted key ids and their public keys: two rings trust the same keys exactly
   * when their fingerprints are equal. Caches shared between instances are namespaced by it.
   */
  public byte[] fingerprint() {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    for (String id : new TreeSet<>(keys.keySet())) {
      byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
      md.update(ByteBuffer.allocate(4).putInt(idBytes.length).array());
      md.update(idBytes);
      md.update(keys.get(id));
    }
    return md.digest();
  }

  /** An empty key ring: every signature check fails. */
  public static KeyRing empty() {
    return new KeyRing(Map.of());
  }

  /** Reads a key ring file; errors name the line. */
  public static KeyRing read(Path file) throws IOException {
    Map<String, byte[]> keys = new LinkedHashMap<>();
    int lineNo = 0;
    for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      lineNo++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IOException(file + ":" + lineNo + ": expected key-id=base64-public-key");
      }
      String id = line.substring(0, eq).strip();
      byte[] key;
      try {
        key = Base64.getDecoder().decode(line.substring(eq + 1).strip());
      } catch (IllegalArgumentException e) {
        throw new IOException(
            file + ":" + lineNo + ": public key of '" + id + "' is not base64", e);
      }
      try {
        keys.put(id, validate(id, key));
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ":" + lineNo + ": " + e.getMessage(), e);
      }
    }
    return new KeyRing(keys);
  }

  /** Writes this key ring in the format {@link #read} accepts. */
  public void write(Path file) throws IOException {
    StringBuilder out = new StringBuilder("# trusted Ed25519 public keys: key-id=base64\n");
    keys.forEach(
        (id, key) ->
            out.append(id)
                .append('=')
                .append(Base64.getEncoder().encodeToString(key))
                .append('\n'));
    Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
  }

  /** Returns a key ring that also trusts {@code keyId}. */
  public KeyRing with(String keyId, byte[] publicKey) {
    Map<String, byte[]> copy = new LinkedHashMap<>(keys);
    copy.put(keyId, validate(keyId, publicKey.clone()));
    return new KeyRing(copy);
  }

  public Optional<byte[]> publicKey(String keyId) {
    byte[] key = keys.get(keyId);
    return key == null ? Optional.empty() : Optional.of(key.clone());
  }

  /** True only if {@code keyId} is trusted and the signature verifies. */
  public boolean verify(String keyId, byte[] message, byte[] signature) {
    byte[] key = keyId == null ? null : keys.get(keyId);
    return key != null && Ed25519.verify(key, message, signature);
  }

  public int size() {
    return keys.size();
  }

  private static byte[] validate(String id, byte[] key) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("a key id must not be blank");
    }
    if (key.length != Ed25519.PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException(
          "public key '" + id + "' must have 32 bytes, has " + key.length);
    }
    return key;
  }
}
