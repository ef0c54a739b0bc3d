package io.provability.fabric.topology.runtime;

import io.provability.fabric.processors.crypto.Ed25519;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Signing keys on disk: one line {@code key-id=base64(32-byte seed)}, readable by the owner only.
 * The seed is never logged.
 */
public final class KeyFiles {
  private KeyFiles() {}

  /** Reads a signing key file. */
  public static Ed25519.SigningKey read(Path file) throws IOException {
    String line = Files.readString(file, StandardCharsets.UTF_8).strip();
    int eq = line.indexOf('=');
    if (eq <= 0) {
      throw new IOException(file + ": expected key-id=base64-seed");
    }
    try {
      return Ed25519.SigningKey.fromSeed(
          line.substring(0, eq).strip(),
          Base64.getDecoder().decode(line.substring(eq + 1).strip()));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /** Writes a signing key file with owner-only permissions. */
  public static void write(Path file, Ed25519.SigningKey key) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(
        tmp,
        key.keyId() + "=" + Base64.getEncoder().encodeToString(key.seed()) + "\n",
        StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException nonPosix) {
      // best effort on file systems without POSIX permissions
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Reads the key at {@code file}, generating and writing a new one first if it does not exist. */
  public static Ed25519.SigningKey readOrCreate(Path file, String keyId) throws IOException {
    if (!Files.exists(file)) {
      write(file, Ed25519.SigningKey.generate(keyId, new SecureRandom()));
    }
    return read(file);
  }
}
