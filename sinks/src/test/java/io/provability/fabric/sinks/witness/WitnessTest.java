package io.provability.fabric.sinks.witness;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.schemas.tlog.Checkpoint;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.schemas.tlog.NoteVerifier;
import io.provability.fabric.schemas.tlog.SignedNote;
import io.provability.fabric.schemas.tlog.TileLogAppender;
import io.provability.fabric.schemas.tlog.TlogProof;
import io.provability.fabric.sinks.witness.WitnessResult.Outcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The witness over an in-memory bucket: it cosigns growth it can prove, refuses rollback, forks
 * (same size other root; a replaced log at a larger size), bad signatures and missing tiles, and
 * remembers what it cosigned across a restart.
 */
class WitnessTest {

  private static final String ORIGIN = "test.example/evidence/0";
  private static final String PREFIX = "evidence-log/0";

  private final Map<String, byte[]> bucket = new HashMap<>();
  private final LogStorage storage =
      new LogStorage() {
        @Override
        public Optional<byte[]> get(String key) {
          return Optional.ofNullable(bucket.get(key));
        }

        @Override
        public void put(String key, byte[] bytes) {
          bucket.put(key, bytes.clone());
        }
      };
  private final NoteSigner logKey = NoteSigner.fromSeed(ORIGIN, new byte[32]);
  private final NoteSigner witnessKey = NoteSigner.fromSeed("witness.test/w1", filled(7));
  private final Clock clock = Clock.fixed(Instant.ofEpochSecond(1_764_700_000L), ZoneOffset.UTC);
  @TempDir Path dir;

  private static byte[] filled(int b) {
    byte[] bytes = new byte[32];
    Arrays.fill(bytes, (byte) b);
    return bytes;
  }

  private Witness witness() {
    return new Witness(
        List.of(new Witness.WitnessedLog(ORIGIN, PREFIX)),
        List.of(logKey.verifier()),
        witnessKey,
        clock,
        storage,
        WitnessState.load(dir.resolve("state.json")));
  }

  /** Appends entries tagged {@code tag} and publishes a signed checkpoint of the new size. */
  private TileLogAppender grow(TileLogAppender log, String tag, int count) {
    List<byte[]> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      entries.add((tag + " " + (log.size() + i)).getBytes(StandardCharsets.UTF_8));
    }
    TileLogAppender.AppendResult result = log.append(entries);
    result.writes().forEach((path, bytes) -> bucket.put(PREFIX + "/" + path, bytes));
    publish(result.checkpoint(ORIGIN), logKey);
    return log;
  }

  private void publish(Checkpoint checkpoint, NoteSigner key) {
    bucket.put(PREFIX + "/checkpoint", SignedNote.sign(checkpoint.body(), key).encode());
  }

  private static WitnessResult only(List<WitnessResult> results) {
    assertThat(results).hasSize(1);
    return results.get(0);
  }

  @Test
  void cosignsConsistentGrowthAndPublishesAVerifiableNote() {
    Witness witness = witness();
    assertThat(only(witness.checkOnce()).outcome()).isEqualTo(Outcome.NO_CHECKPOINT);
    TileLogAppender log = grow(new TileLogAppender(), "entry", 300);
    assertThat(only(witness.checkOnce()).outcome()).isEqualTo(Outcome.COSIGNED);
    grow(log, "entry", 700);
    WitnessResult result = only(witness.checkOnce());
    assertThat(result.outcome()).isEqualTo(Outcome.COSIGNED);
    assertThat(result.message()).contains("consistent with size 300");
    assertThat(only(witness.checkOnce()).outcome()).isEqualTo(Outcome.UNCHANGED);

    byte[] published = bucket.get(Witness.publishedKey(PREFIX, "witness.test/w1"));
    NoteVerifier cosignatureKey = NoteVerifier.parse(witness.verifier().vkey());
    assertThat(cosignatureKey.type()).isEqualTo(NoteVerifier.TYPE_COSIGNATURE_V1);
    TlogProof.Policy policy =
        new TlogProof.Policy(ORIGIN, logKey.verifier(), List.of(cosignatureKey), 1);
    assertThat(policy.verifyCheckpoint(published).size()).isEqualTo(1000);
    SignedNote note = SignedNote.parse(published);
    assertThat(NoteVerifier.cosignatureTime(note.signatures().get(1).signature()))
        .isEqualTo(1_764_700_000L);
  }

  @Test
  void refusesRollbackEvenAfterARestart() {
    TileLogAppender log = grow(new TileLogAppender(), "entry", 500);
    byte[] small = bucket.get(PREFIX + "/checkpoint");
    assertThat(only(witness().checkOnce()).outcome()).isEqualTo(Outcome.COSIGNED);
    grow(log, "entry", 100);
    assertThat(only(witness().checkOnce()).outcome()).isEqualTo(Outcome.COSIGNED);
    bucket.put(PREFIX + "/checkpoint", small);
    WitnessResult result = only(witness().checkOnce());
    assertThat(result.outcome()).isEqualTo(Outcome.ROLLBACK);
    assertThat(result.isFailure()).isTrue();
    assertThat(result.message()).contains("size 500 is below the size 600 already cosigned");
  }

  @Test
  void refusesSameSizeWithAnotherRoot() {
    grow(new TileLogAppender(), "entry", 300);
    Witness witness = witness();
    assertThat(only(witness.checkOnce()).outcome()).isEqualTo(Outcome.COSIGNED);
    publish(new Checkpoint(ORIGIN, 300, new byte[32]), logKey);
    WitnessResult result = only(witness.checkOnce());
    assertThat(result.outcome()).isEqualTo(Outcome.FORK);
    assertThat(result.message()).contains("checkpoint at size 300 has root 0000");
  }

  @Test
  void refusesALogReplacedByAFork() {
    grow(new TileLogAppender(), "entry", 300);
    Witness witness = witness();
    assertThat(only(witness.checkOnce()).outcome()).isEqualTo(Outcome.COSIGNED);
    bucket.keySet().removeIf(k -> k.startsWith(PREFIX + "/tile/"));
    grow(new TileLogAppender(), "forged", 400);
    WitnessResult result = only(witness.checkOnce());
    assertThat(result.outcome()).isEqualTo(Outcome.FORK);
    assertThat(result.message()).contains("not consistent with the cosigned size 300");
    assertThat(SignedNote.parse(bucket.get(Witness.publishedKey(PREFIX, "witness.test/w1"))).text())
        .contains("\n300\n");
  }

  @Test
  void refusesBadSignatureUnknownKeyAndMissingTiles() {
    TileLogAppender log = grow(new TileLogAppender(), "entry", 300);
    Witness witness = witness();
    witness.checkOnce();
    byte[] note = bucket.get(PREFIX + "/checkpoint").clone();
    note[ORIGIN.length() + 2] ^= 1;
    bucket.put(PREFIX + "/checkpoint", note);
    assertThat(only(witness.checkOnce()).outcome()).isEqualTo(Outcome.BAD_CHECKPOINT);

    grow(log, "entry", 10);
    publish(log.partials().checkpoint(ORIGIN), NoteSigner.fromSeed(ORIGIN, filled(9)));
    WitnessResult unknown = only(witness.checkOnce());
    assertThat(unknown.outcome()).isEqualTo(Outcome.BAD_CHECKPOINT);
    assertThat(unknown.message()).contains("no signature from a known key");

    publish(log.partials().checkpoint(ORIGIN), logKey);
    bucket.remove(PREFIX + "/tile/0/001.p/54");
    WitnessResult unprovable = only(witness.checkOnce());
    assertThat(unprovable.outcome()).isEqualTo(Outcome.UNPROVABLE);
    assertThat(unprovable.message()).contains("tile/0/001.p/54");
  }

  @Test
  void missingCheckpointAfterCosigningIsAFailure() {
    grow(new TileLogAppender(), "entry", 3);
    Witness witness = witness();
    witness.checkOnce();
    bucket.remove(PREFIX + "/checkpoint");
    assertThat(only(witness.checkOnce()).outcome()).isEqualTo(Outcome.CHECKPOINT_MISSING);
  }

  @Test
  void storageFailureIsReportedAndTheNextRoundRecovers() {
    grow(new TileLogAppender(), "entry", 3);
    boolean[] down = {true};
    LogStorage flaky =
        new LogStorage() {
          @Override
          public Optional<byte[]> get(String key) {
            if (down[0]) {
              throw new IllegalStateException("connection refused");
            }
            return storage.get(key);
          }

          @Override
          public void put(String key, byte[] bytes) {
            storage.put(key, bytes);
          }
        };
    Witness witness =
        new Witness(
            List.of(new Witness.WitnessedLog(ORIGIN, PREFIX)),
            List.of(logKey.verifier()),
            witnessKey,
            clock,
            flaky,
            WitnessState.load(dir.resolve("state.json")));
    WitnessResult result = only(witness.checkOnce());
    assertThat(result.outcome()).isEqualTo(Outcome.UNREACHABLE);
    assertThat(result.message()).contains("connection refused");
    down[0] = false;
    assertThat(only(witness.checkOnce()).outcome()).isEqualTo(Outcome.COSIGNED);
  }

  @Test
  void republishesTheRememberedCosignatureAfterARestart() {
    grow(new TileLogAppender(), "entry", 3);
    witness().checkOnce();
    String published = Witness.publishedKey(PREFIX, "witness.test/w1");
    byte[] first = bucket.remove(published);
    assertThat(only(witness().checkOnce()).outcome()).isEqualTo(Outcome.UNCHANGED);
    assertThat(bucket.get(published)).isEqualTo(first);
  }
}
