package io.provability.fabric.schemas.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Negative cases on the golden log: a flipped bit in a tile, a bundle or a checkpoint, a truncated
 * bundle, trailing garbage, a missing object, a wrong key id. Each is caught with a reason that
 * names the object.
 */
class TlogTamperTest {

  private final Map<String, byte[]> files = new HashMap<>(GoldenLog.files());
  private final NoteVerifier key = GoldenLog.signer().verifier();
  private final TlogProof.Policy policy = TlogProof.Policy.logOnly(GoldenLog.ORIGIN, key);

  private List<TileReader.TileMismatch> verifyAll() {
    Checkpoint checkpoint = policy.verifyCheckpoint(files.get("checkpoint"));
    TileReader reader = new TileReader(p -> Optional.ofNullable(files.get(p)), checkpoint.size());
    List<Long> seen = new ArrayList<>();
    List<TileReader.TileMismatch> result =
        reader.verifyAll(checkpoint.rootHash(), (i, e) -> seen.add(i));
    if (result.isEmpty()) {
      assertThat(seen).hasSize(GoldenLog.SIZE);
    }
    return result;
  }

  private void flip(String path, int offset) {
    byte[] bytes = files.get(path).clone();
    bytes[offset] ^= 0x01;
    files.put(path, bytes);
  }

  @Test
  void intactLogVerifies() {
    assertThat(verifyAll()).isEmpty();
  }

  @Test
  void flippedBitInAFullBundleIsBlamedOnTheBundle() {
    flip("tile/entries/001", 40);
    List<TileReader.TileMismatch> mismatches = verifyAll();
    assertThat(mismatches).isNotEmpty();
    TileReader.TileMismatch first = mismatches.get(0);
    assertThat(first.path()).isEqualTo("tile/0/001");
    assertThat(first.level()).isZero();
    assertThat(first.reason()).contains("tile/entries/001 was altered");
  }

  @Test
  void flippedBitInALevelZeroTileIsBlamedOnTheTile() {
    flip("tile/0/002", 32 * 17 + 3);
    List<TileReader.TileMismatch> mismatches = verifyAll();
    assertThat(mismatches).hasSize(1);
    assertThat(mismatches.get(0).path()).isEqualTo("tile/0/002");
    assertThat(mismatches.get(0).hashIndex()).isEqualTo(17);
    assertThat(mismatches.get(0).reason()).contains("the tile itself was altered");
  }

  @Test
  void flippedBitInThePartialTopTileDisagreesWithTheRoot() {
    flip("tile/1/000.p/3", 5);
    List<TileReader.TileMismatch> mismatches = verifyAll();
    assertThat(mismatches)
        .extracting(TileReader.TileMismatch::path)
        .containsExactly("tile/1/000.p/3");
    TileReader reader = new TileReader(p -> Optional.ofNullable(files.get(p)), GoldenLog.SIZE);
    assertThat(reader.root())
        .isNotEqualTo(policy.verifyCheckpoint(files.get("checkpoint")).rootHash());
  }

  @Test
  void truncatedBundleAndTrailingGarbageAreNamed() {
    byte[] bundle = files.get("tile/entries/003.p/232");
    files.put("tile/entries/003.p/232", Arrays.copyOf(bundle, bundle.length - 3));
    assertThat(verifyAll().get(0).reason()).contains("truncated");
    files.put("tile/entries/003.p/232", Arrays.copyOf(bundle, bundle.length + 1));
    assertThat(verifyAll().get(0).reason()).contains("trailing byte");
    files.put("tile/entries/003.p/232", Arrays.copyOf(bundle, bundle.length + 2));
    assertThat(verifyAll().get(0).reason()).contains("holds 233 entries, expected 232");
  }

  @Test
  void missingBundleStopsTheWalkWithItsPath() {
    files.remove("tile/entries/002");
    TileReader.TileMismatch first = verifyAll().get(0);
    assertThat(first.path()).isEqualTo("tile/entries/002");
    assertThat(first.reason()).contains("tile/entries/002 is missing");
  }

  @Test
  void flippedBitInTheCheckpointFailsItsSignature() {
    byte[] note = files.get("checkpoint").clone();
    note[GoldenLog.ORIGIN.length() + 3] ^= 0x01; // inside the size line
    assertThatThrownBy(() -> policy.verifyCheckpoint(note))
        .hasMessageContaining("invalid signature by known key " + GoldenLog.ORIGIN);
  }

  @Test
  void wrongKeyIdIsAnUnknownKeyAndTheNoteIsRefused() {
    String note = new String(files.get("checkpoint"), StandardCharsets.UTF_8);
    String line = note.substring(note.lastIndexOf('\u2014'));
    byte[] sig = Base64.getDecoder().decode(line.substring(line.lastIndexOf(' ') + 1).trim());
    sig[0] ^= 0x01;
    String forged =
        note.substring(0, note.lastIndexOf('\u2014'))
            + "\u2014 "
            + GoldenLog.ORIGIN
            + " "
            + Base64.getEncoder().encodeToString(sig)
            + "\n";
    assertThatThrownBy(() -> policy.verifyCheckpoint(forged.getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("no signature from a known key");
  }

  @Test
  void proofForAnotherEntryOrOtherOriginFails() {
    TlogProof proof = TlogProof.parse(files.get("entry-777.tlog-proof"));
    assertThatThrownBy(() -> proof.verify("entry 778".getBytes(StandardCharsets.UTF_8), policy))
        .hasMessageContaining("inclusion proof does not verify");
    TlogProof.Policy other = TlogProof.Policy.logOnly("other.example/log", key);
    assertThatThrownBy(() -> proof.verify("entry 777".getBytes(StandardCharsets.UTF_8), other))
        .hasMessageContaining("origin");
  }

  @Test
  void aRotatedKeyIsAcceptedWhenThePolicyListsIt() {
    NoteSigner newKey = NoteSigner.fromSeed(GoldenLog.ORIGIN, new byte[32]);
    Checkpoint body = policy.verifyCheckpoint(files.get("checkpoint"));
    byte[] rotated = SignedNote.sign(body.body(), newKey).encode();
    assertThatThrownBy(() -> policy.verifyCheckpoint(rotated))
        .hasMessageContaining("no signature from a known key");
    TlogProof.Policy both =
        new TlogProof.Policy(GoldenLog.ORIGIN, List.of(key, newKey.verifier()), List.of(), 0);
    assertThat(both.verifyCheckpoint(rotated)).isEqualTo(body);
    assertThat(both.verifyCheckpoint(files.get("checkpoint"))).isEqualTo(body);
  }

  @Test
  void witnessQuorumIsEnforced() {
    NoteSigner witness =
        NoteSigner.fromSeed("witness.example/w1", new byte[32]).asCosigner(Clock.systemUTC());
    TlogProof.Policy needsWitness =
        new TlogProof.Policy(GoldenLog.ORIGIN, key, List.of(witness.verifier()), 1);
    TlogProof proof = TlogProof.parse(files.get("entry-777.tlog-proof"));
    byte[] entry = "entry 777".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> proof.verify(entry, needsWitness))
        .hasMessageContaining("0 valid witness cosignature(s), the policy needs 1");
    byte[] cosigned = SignedNote.parse(proof.checkpoint()).withSignatures(witness).encode();
    TlogProof withCosig =
        new TlogProof(proof.index(), proof.auditPath(), cosigned, Optional.empty());
    assertThat(TlogProof.parse(withCosig.encode()).verify(entry, needsWitness).size())
        .isEqualTo(GoldenLog.SIZE);
  }
}
