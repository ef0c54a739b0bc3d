package io.provability.fabric.sinks.audit;

import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.tlog.Checkpoint;
import io.provability.fabric.schemas.tlog.NoteVerifier;
import io.provability.fabric.schemas.tlog.SignedNote;
import io.provability.fabric.schemas.tlog.TlogException;
import io.provability.fabric.schemas.tlog.TlogProof;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks a decision's inclusion proof offline (docs/audit.md §3): only the proof file and the
 * trusted keys are used. The proof is a c2sp.org/tlog-proof@v1 file whose {@code extra} line holds
 * the log entry; the checker verifies the checkpoint's signature (and the witnesses' cosignatures
 * it is told to require), the inclusion of the entry's leaf hash under the checkpoint's root, and
 * then reads the entry: the decision, and the request whose hash the decision records.
 */
public final class ProofChecker {
  private final List<NoteVerifier> logKeys;
  private final List<NoteVerifier> witnessKeys;
  private final EventCodec codec = EventCodec.standard();

  /**
   * @param logKeys trusted log keys
   * @param witnessKeys witness keys that must all have cosigned the proof's checkpoint
   */
  public ProofChecker(List<NoteVerifier> logKeys, List<NoteVerifier> witnessKeys) {
    this.logKeys = List.copyOf(logKeys);
    this.witnessKeys = List.copyOf(witnessKeys);
  }

  /**
   * What a valid proof shows.
   *
   * @param checkpoint the checkpoint the entry is proven against
   * @param index the entry's index
   * @param decision the decision the entry holds, or null when it is a reference (not checkable
   *     offline)
   * @param requestChecked true when the request was in the entry and hashes to the decision's
   *     request hash
   */
  public record Result(
      Checkpoint checkpoint, long index, Decision decision, boolean requestChecked) {}

  /**
   * Checks a proof file.
   *
   * @return what it proves
   * @throws TlogException with every reason the proof fails, one per line
   */
  public Result check(byte[] file) {
    TlogProof proof = TlogProof.parse(file);
    byte[] entry = entryOf(proof);
    Checkpoint cp = verifyUnderATrustedKey(proof, entry, checkpointOrigin(proof));
    LogEntry decoded = decodeEntry(entry);
    List<String> problems = new ArrayList<>();
    Decision decision = decodeDecision(decoded, problems);
    boolean requestChecked = checkRequest(decision, decoded, problems);
    if (!problems.isEmpty()) {
      throw new TlogException(String.join("\n", problems));
    }
    return new Result(cp, proof.index(), decision, requestChecked);
  }

  /** The log entry the proof carries in its extra line. */
  private static byte[] entryOf(TlogProof proof) {
    return proof
        .extra()
        .orElseThrow(
            () ->
                new TlogException(
                    "the proof carries no entry (its extra line): it proves a leaf hash, not a decision"));
  }

  private static String checkpointOrigin(TlogProof proof) {
    try {
      return Checkpoint.parse(SignedNote.parse(proof.checkpoint()).text()).origin();
    } catch (TlogException e) {
      throw new TlogException("the proof's checkpoint is malformed: " + e.getMessage());
    }
  }

  /**
   * The checkpoint, verified under the first trusted log key that signs it (with the witnesses'
   * cosignatures), and the entry's inclusion under its root; else the last key's failure.
   */
  private Checkpoint verifyUnderATrustedKey(TlogProof proof, byte[] entry, String origin) {
    TlogException last = null;
    for (NoteVerifier key : logKeys) {
      try {
        return proof.verify(
            entry, new TlogProof.Policy(origin, key, witnessKeys, witnessKeys.size()));
      } catch (TlogException e) {
        last = e;
      }
    }
    throw last != null ? last : new TlogException("no trusted log key given");
  }

  private static LogEntry decodeEntry(byte[] entry) {
    try {
      return LogEntry.decode(entry);
    } catch (IllegalArgumentException e) {
      throw new TlogException("the entry is included but does not decode: " + e.getMessage());
    }
  }

  /** The entry's decision; null when the entry holds none or it does not decode (a problem). */
  private Decision decodeDecision(LogEntry decoded, List<String> problems) {
    if (decoded.decisionBytes() != null) {
      try {
        return codec.decode(decoded.decisionBytes(), Decision.class);
      } catch (RuntimeException e) {
        problems.add("the entry's decision does not decode: " + e.getMessage());
      }
    }
    return null;
  }

  /** True when the entry holds the request and it hashes to the decision's request hash. */
  private static boolean checkRequest(Decision decision, LogEntry decoded, List<String> problems) {
    if (decision != null && decoded.requestBytes() != null) {
      byte[] hash = Sha256.digest(decoded.requestBytes());
      byte[] recorded = Bytes.toArray(decision.getRequestHash());
      if (!MessageDigest.isEqual(hash, recorded)) {
        problems.add(
            "the entry's request hashes to "
                + Hex.encode(hash)
                + " but the decision records "
                + Hex.encode(recorded));
      } else {
        return true;
      }
    }
    return false;
  }

  /**
   * @return the origin of a proof's checkpoint, if it parses (for messages)
   */
  public static Optional<String> originOf(byte[] file) {
    try {
      return Optional.of(
          Checkpoint.parse(SignedNote.parse(TlogProof.parse(file).checkpoint()).text()).origin());
    } catch (TlogException e) {
      return Optional.empty();
    }
  }
}
