package io.provability.fabric.sinks.witness;

import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.merkle.MerkleVerifier;
import io.provability.fabric.schemas.merkle.ProofException;
import io.provability.fabric.schemas.tlog.Checkpoint;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.schemas.tlog.NoteVerifier;
import io.provability.fabric.schemas.tlog.SignedNote;
import io.provability.fabric.schemas.tlog.TileReader;
import io.provability.fabric.schemas.tlog.TlogException;
import io.provability.fabric.schemas.tlog.TlogPaths;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches tiled logs and cosigns their checkpoints, as a C2SP tlog-witness does, but pulling: each
 * round it reads {@code <prefix>/checkpoint} of every log, checks the log key's signature and the
 * origin, and proves the checkpoint consistent with the last one it cosigned, using a consistency
 * proof computed from the log's own tiles. Only then does it record the new size and root in its
 * {@link WitnessState} (durably) and publish the note with its tlog-cosignature/v1 added at {@link
 * #publishedKey}.
 *
 * <p>It never cosigns a rollback (a smaller size), a fork (the same size with another root, or no
 * consistency), or a checkpoint it cannot prove; each is logged at ERROR and returned as a failed
 * {@link WitnessResult}, and the log stays at its last cosigned checkpoint. A first checkpoint of a
 * log is trusted on first use, like tlog-witness with an old size of 0; it must still match the
 * root of the log's tiles.
 */
public final class Witness {

  private static final Logger LOG = LoggerFactory.getLogger(Witness.class);

  private final List<WitnessedLog> logs;
  private final List<NoteVerifier> logKeys;
  private final NoteSigner cosigner;
  private final LogStorage storage;
  private final WitnessState state;
  private final Set<String> publishedThisRun = new HashSet<>();

  /**
   * Creates a witness.
   *
   * @param logs the logs to watch
   * @param logKeys verifier keys trusted to sign those logs' checkpoints
   * @param key the witness's own signing key (its name is the witness name)
   * @param clock time of the cosignatures
   * @param storage where the logs are
   * @param state the durable state
   */
  public Witness(
      List<WitnessedLog> logs,
      List<NoteVerifier> logKeys,
      NoteSigner key,
      Clock clock,
      LogStorage storage,
      WitnessState state) {
    this.logs = List.copyOf(logs);
    this.logKeys = List.copyOf(logKeys);
    this.cosigner = key.asCosigner(clock);
    this.storage = Objects.requireNonNull(storage, "storage");
    this.state = Objects.requireNonNull(state, "state");
    if (this.logs.isEmpty() || this.logKeys.isEmpty()) {
      throw new IllegalArgumentException("a witness needs at least one log and one log key");
    }
  }

  /**
   * @return the witness's cosignature verifier key (type 0x04), for auditors to trust
   */
  public NoteVerifier verifier() {
    return cosigner.verifier();
  }

  /**
   * Where a witness publishes its cosigned checkpoint of a log.
   *
   * @param prefix the log's S3 prefix, without trailing slash
   * @param witnessName the witness's key name
   * @return {@code <prefix>/witness/<witness name>/checkpoint}
   */
  public static String publishedKey(String prefix, String witnessName) {
    return prefix + "/witness/" + witnessName + "/" + TlogPaths.CHECKPOINT;
  }

  /**
   * Runs one round over every log.
   *
   * @return one result per log, in configuration order
   */
  public List<WitnessResult> checkOnce() {
    List<WitnessResult> results = new ArrayList<>();
    for (WitnessedLog log : logs) {
      WitnessResult result;
      try {
        result = check(log);
      } catch (TlogException e) {
        result = fail(log, WitnessResult.Outcome.UNPROVABLE, -1, e.getMessage());
      } catch (RuntimeException e) {
        // Storage down or refusing: nothing was cosigned; the next round tries again.
        result =
            fail(
                log,
                WitnessResult.Outcome.UNREACHABLE,
                -1,
                "reading or publishing under " + log.prefix() + " failed: " + e);
      }
      if (result.isFailure()) {
        LOG.error(
            "witness REFUSES to cosign {}: {} ({})",
            log.origin(),
            result.outcome(),
            result.message());
      } else if (result.outcome() == WitnessResult.Outcome.COSIGNED) {
        LOG.info("witness cosigned {} at size {}", log.origin(), result.newSize());
      }
      results.add(result);
    }
    return results;
  }

  private WitnessResult check(WitnessedLog log) {
    Optional<WitnessState.Cosigned> prior = state.get(log.origin());
    long oldSize = prior.map(WitnessState.Cosigned::size).orElse(0L);
    Optional<byte[]> bytes = storage.get(log.prefix() + "/" + TlogPaths.CHECKPOINT);
    if (bytes.isEmpty()) {
      return prior.isPresent()
          ? fail(
              log,
              WitnessResult.Outcome.CHECKPOINT_MISSING,
              -1,
              log.prefix() + "/checkpoint is missing; size " + oldSize + " was cosigned before")
          : new WitnessResult(
              log.origin(),
              WitnessResult.Outcome.NO_CHECKPOINT,
              0,
              -1,
              "no checkpoint at " + log.prefix() + "/checkpoint yet");
    }
    SignedNote note;
    Checkpoint checkpoint;
    try {
      SignedNote.open(bytes.get(), logKeys);
      note = SignedNote.parse(bytes.get());
      checkpoint = Checkpoint.parse(note.text());
    } catch (TlogException e) {
      return fail(log, WitnessResult.Outcome.BAD_CHECKPOINT, -1, e.getMessage());
    }
    if (!checkpoint.origin().equals(log.origin())) {
      return fail(
          log,
          WitnessResult.Outcome.BAD_CHECKPOINT,
          checkpoint.size(),
          "checkpoint origin is '" + checkpoint.origin() + "', expected '" + log.origin() + "'");
    }
    long size = checkpoint.size();
    byte[] root = checkpoint.rootHash();
    if (prior.isPresent()) {
      byte[] oldRoot = prior.get().root();
      if (size < oldSize) {
        return fail(
            log,
            WitnessResult.Outcome.ROLLBACK,
            size,
            "checkpoint size " + size + " is below the size " + oldSize + " already cosigned");
      }
      if (size == oldSize) {
        if (!MessageDigest.isEqual(root, oldRoot)) {
          return fail(
              log,
              WitnessResult.Outcome.FORK,
              size,
              "checkpoint at size "
                  + size
                  + " has root "
                  + Hex.encode(root)
                  + ", the cosigned one has "
                  + Hex.encode(oldRoot));
        }
        republishIfNeeded(log, prior.get());
        return new WitnessResult(
            log.origin(),
            WitnessResult.Outcome.UNCHANGED,
            oldSize,
            size,
            "size " + size + " already cosigned");
      }
    }
    TileReader reader = new TileReader(path -> storage.get(log.prefix() + "/" + path), size);
    if (oldSize > 0) {
      try {
        List<byte[]> proof = reader.consistencyProof(oldSize, size);
        MerkleVerifier.verifyConsistency(oldSize, size, prior.get().root(), root, proof);
      } catch (ProofException e) {
        return fail(
            log,
            WitnessResult.Outcome.FORK,
            size,
            "checkpoint at size "
                + size
                + " is not consistent with the cosigned size "
                + oldSize
                + ": "
                + e.getMessage());
      } catch (TlogException e) {
        return fail(
            log,
            WitnessResult.Outcome.UNPROVABLE,
            size,
            "cannot prove size "
                + size
                + " consistent with the cosigned size "
                + oldSize
                + ": "
                + e.getMessage());
      }
    } else if (size > 0 && !MessageDigest.isEqual(reader.root(), root)) {
      return fail(
          log,
          WitnessResult.Outcome.FORK,
          size,
          "the log's tiles give root "
              + Hex.encode(reader.root())
              + " at size "
              + size
              + ", the checkpoint says "
              + Hex.encode(root));
    }
    SignedNote cosigned = note.withSignatures(cosigner);
    String text = new String(cosigned.encode(), StandardCharsets.UTF_8);
    long time =
        NoteVerifier.cosignatureTime(
            cosigned.signatures().get(cosigned.signatures().size() - 1).signature());
    // Remember before publishing: a witness must never have published what it does not remember.
    state.put(log.origin(), new WitnessState.Cosigned(size, root, time, text));
    storage.put(publishedKey(log.prefix(), cosigner.name()), cosigned.encode());
    publishedThisRun.add(log.origin());
    return new WitnessResult(
        log.origin(),
        WitnessResult.Outcome.COSIGNED,
        oldSize,
        size,
        "cosigned size "
            + size
            + (oldSize > 0 ? ", consistent with size " + oldSize : " (first checkpoint)"));
  }

  /**
   * After a restart, publish the remembered cosignature once (the crash may have come before the
   * put).
   */
  private void republishIfNeeded(WitnessedLog log, WitnessState.Cosigned cosigned) {
    if (publishedThisRun.add(log.origin())) {
      storage.put(
          publishedKey(log.prefix(), cosigner.name()),
          cosigned.note().getBytes(StandardCharsets.UTF_8));
    }
  }

  private static WitnessResult fail(
      WitnessedLog log, WitnessResult.Outcome outcome, long size, String message) {
    return new WitnessResult(log.origin(), outcome, -1, size, message);
  }

  /**
   * One log a witness watches.
   *
   * @param origin the checkpoint origin it must carry
   * @param prefix the S3 key prefix of its objects, without trailing slash
   */
  public record WitnessedLog(String origin, String prefix) {
    /** Validates both. */
    public WitnessedLog {
      if (origin == null
          || origin.isBlank()
          || prefix == null
          || prefix.isBlank()
          || prefix.endsWith("/")
          || prefix.startsWith("/")) {
        throw new IllegalArgumentException(
            "a witnessed log needs an origin and a prefix without leading or"
                + " trailing '/', got '"
                + origin
                + "' at '"
                + prefix
                + "'");
      }
    }
  }
}
