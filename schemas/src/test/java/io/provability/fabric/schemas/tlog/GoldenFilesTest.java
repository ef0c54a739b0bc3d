package io.provability.fabric.schemas.tlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.schemas.hash.Hex;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The checked-in golden log ({@code src/test/resources/tlog}, see its README): the classes under
 * test reproduce every file byte for byte, and an independent naive derivation straight from the
 * tlog-tiles definition (the n-th tile at level l holds MTH(D[(n*256+i)*256^l : (n*256+i+1)*256^l])
 * for i in 0..255; a bundle is uint16-length-prefixed entries) gives the same tiles and bundles.
 * Regenerate with {@code -Dtlog.golden.write=true} after a deliberate format change, and say why in
 * the commit.
 */
class GoldenFilesTest {

  static final Path DIR = Path.of("src/test/resources/tlog");

  /**
   * The root of "entry 0".."entry 999", computed outside Java when the files were made (a ten-line
   * Python MTH over hashlib, in the README); any change to it is a format change.
   */
  static final String ROOT_HEX = "346c6b9cb89c4b76fac9dcb20cda86e3a01c0a57417c139028eacd4538fde95b";

  @Test
  void classesReproduceTheGoldenFiles() throws IOException {
    Map<String, byte[]> files = GoldenLog.files();
    if (Boolean.getBoolean("tlog.golden.write")) {
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        Path path = DIR.resolve(file.getKey());
        Files.createDirectories(path.getParent());
        Files.write(path, file.getValue());
      }
    }
    List<String> stored;
    try (Stream<Path> walk = Files.walk(DIR)) {
      stored =
          walk.filter(Files::isRegularFile)
              .map(p -> DIR.relativize(p).toString().replace('\\', '/'))
              .filter(p -> !p.equals("README.md"))
              .sorted()
              .toList();
    }
    assertThat(stored).containsExactlyInAnyOrderElementsOf(files.keySet());
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      assertThat(Files.readAllBytes(DIR.resolve(file.getKey())))
          .as(file.getKey())
          .isEqualTo(file.getValue());
    }
  }

  @Test
  void naiveDerivationGivesTheSameTilesAndBundles() throws IOException {
    List<byte[]> entries = TileLogAppenderTest.entries(0, GoldenLog.SIZE);
    int size = entries.size();
    for (int level = 0; (size >> (8 * level)) > 0; level++) {
      long span = 1L << (8 * level);
      long hashes = size / span;
      for (long n = 0; n * 256 < hashes; n++) {
        int width = (int) Math.min(256, hashes - n * 256);
        List<byte[]> tile = new ArrayList<>();
        for (int i = 0; i < width; i++) {
          long start = (n * 256 + i) * span;
          tile.add(mth(entries, (int) start, (int) (start + span)));
        }
        String path =
            "tile/" + level + "/" + String.format("%03d", n) + (width == 256 ? "" : ".p/" + width);
        assertThat(Files.readAllBytes(DIR.resolve(path))).as(path).isEqualTo(concat(tile));
      }
    }
    for (int n = 0; n * 256 < size; n++) {
      int width = Math.min(256, size - n * 256);
      ByteArrayOutputStream bundle = new ByteArrayOutputStream();
      for (byte[] entry : entries.subList(n * 256, n * 256 + width)) {
        bundle.write(entry.length >> 8);
        bundle.write(entry.length & 0xFF);
        bundle.write(entry);
      }
      String path =
          "tile/entries/" + String.format("%03d", n) + (width == 256 ? "" : ".p/" + width);
      assertThat(Files.readAllBytes(DIR.resolve(path))).as(path).isEqualTo(bundle.toByteArray());
    }
    assertThat(Hex.encode(mth(entries, 0, size))).isEqualTo(ROOT_HEX);
  }

  @Test
  void goldenCheckpointAndProofVerifyWithTheVkeyFile() throws IOException {
    NoteVerifier key =
        NoteVerifier.parse(Files.readString(DIR.resolve("log.vkey"), StandardCharsets.UTF_8));
    byte[] note = Files.readAllBytes(DIR.resolve("checkpoint"));
    TlogProof.Policy policy = TlogProof.Policy.logOnly(GoldenLog.ORIGIN, key);
    Checkpoint checkpoint = policy.verifyCheckpoint(note);
    assertThat(checkpoint.size()).isEqualTo(GoldenLog.SIZE);
    assertThat(Hex.encode(checkpoint.rootHash())).isEqualTo(ROOT_HEX);
    TlogProof proof = TlogProof.parse(Files.readAllBytes(DIR.resolve("entry-777.tlog-proof")));
    assertThat(proof.index()).isEqualTo(GoldenLog.PROOF_INDEX);
    assertThat(proof.verify("entry 777".getBytes(StandardCharsets.UTF_8), policy))
        .isEqualTo(checkpoint);
  }

  /** RFC 6962 MTH by its recursive definition, with its own SHA-256 calls. */
  static byte[] mth(List<byte[]> leaves, int lo, int hi) {
    int n = hi - lo;
    if (n == 1) {
      return sha256(new byte[] {0}, leaves.get(lo));
    }
    int k = Integer.highestOneBit(n - 1);
    return sha256(new byte[] {1}, mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
  }

  private static byte[] sha256(byte[]... parts) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (byte[] part : parts) {
        digest.update(part);
      }
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] concat(List<byte[]> hashes) {
    byte[] out = new byte[hashes.size() * 32];
    for (int i = 0; i < hashes.size(); i++) {
      System.arraycopy(hashes.get(i), 0, out, i * 32, 32);
    }
    return out;
  }
}
