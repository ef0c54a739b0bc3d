package io.provability.fabric.sinks.evidence.internal;

import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;

/**
 * The content-addressed objects that hold an entry's part too large for the entry itself (a large
 * request or decision, docs/audit.md): stored at {@code <log prefix>/objects/<SHA-256 hex of the
 * uncompressed bytes>} as one LZ4 frame (64 KiB independent blocks, content size and content
 * checksum), which {@code lz4 -d} and every LZ4 library read. Compression is deterministic, so a
 * retried write stores the same bytes at the same path; the path is immutable.
 */
public final class EntryObjects {
  /** Path element under a log prefix. */
  public static final String DIRECTORY = "objects";

  private EntryObjects() {}

  /** The object's path relative to its log's prefix. */
  public static String path(byte[] sha256) {
    return DIRECTORY + "/" + Hex.encode(sha256);
  }

  /** The stored form of {@code bytes}. */
  public static byte[] encode(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 2 + 64);
    try (LZ4FrameOutputStream lz4 =
        new LZ4FrameOutputStream(
            out,
            LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
            bytes.length,
            LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
            LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM,
            LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE)) {
      lz4.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("LZ4 compression failed", e);
    }
    return out.toByteArray();
  }

  /**
   * The original bytes of a stored object, checked against the name it is stored under.
   *
   * @throws IllegalArgumentException when the object does not decompress or does not hash to its
   *     name
   */
  public static byte[] decode(byte[] stored, byte[] expectedSha256) {
    byte[] bytes;
    try (InputStream in = new LZ4FrameInputStream(new ByteArrayInputStream(stored))) {
      bytes = in.readAllBytes();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "object "
              + Hex.encode(expectedSha256)
              + " does not decompress as an LZ4 frame: "
              + e.getMessage(),
          e);
    }
    if (!MessageDigest.isEqual(Sha256.digest(bytes), expectedSha256)) {
      throw new IllegalArgumentException(
          "object " + Hex.encode(expectedSha256) + " does not hash to its name");
    }
    return bytes;
  }
}
