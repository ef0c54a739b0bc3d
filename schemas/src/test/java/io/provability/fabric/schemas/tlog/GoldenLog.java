package io.provability.fabric.schemas.tlog;

import io.provability.fabric.schemas.hash.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The small deterministic log behind the golden files under {@code src/test/resources/tlog}: 1,000
 * entries {@code "entry 0"} .. {@code "entry 999"}, origin {@link #ORIGIN}, signed by the Ed25519
 * key whose seed is {@code SHA-256("provability-fabric golden tlog key")} (Ed25519 signatures are
 * deterministic, so the signed checkpoint is too), and a proof of entry 777.
 */
final class GoldenLog {

  static final String ORIGIN = "golden.provability.example/evidence/0";
  static final int SIZE = 1000;
  static final long PROOF_INDEX = 777;

  private GoldenLog() {}

  static NoteSigner signer() {
    byte[] seed =
        Sha256.digest("provability-fabric golden tlog key".getBytes(StandardCharsets.UTF_8));
    return NoteSigner.fromSeed(ORIGIN, seed);
  }

  /** Every golden file, by its path under {@code tlog/}, made with the classes under test. */
  static Map<String, byte[]> files() {
    TileLogAppender appender = new TileLogAppender();
    Map<String, byte[]> files =
        new LinkedHashMap<>(appender.append(TileLogAppenderTest.entries(0, SIZE)).writes());
    SignedNote checkpoint =
        SignedNote.sign(new Checkpoint(ORIGIN, SIZE, appender.root()).body(), signer());
    files.put(TlogPaths.CHECKPOINT, checkpoint.encode());
    files.put("log.vkey", (signer().verifier().vkey() + "\n").getBytes(StandardCharsets.UTF_8));
    TileReader reader = new TileReader(p -> Optional.ofNullable(files.get(p)), SIZE);
    files.put(
        "entry-777.tlog-proof", TlogProof.build(reader, PROOF_INDEX, checkpoint.encode()).encode());
    return files;
  }
}
