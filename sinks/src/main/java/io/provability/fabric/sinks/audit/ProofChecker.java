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
    byte[] entry =
        proof
            .extra()
            .orElseThrow(
                () ->
                    new TlogException(
                        "the proof carries no entry (its extra line): it proves a leaf hash, not a decision"));
    Checkpoint cp = null;
    TlogException last = null;
    String origin;
    try {
      origin = Checkpoint.parse(SignedNote.parse(proof.checkpoint()).text()).origin();
    } catch (TlogException e) {
      throw new TlogException("the proof's checkpoint is malformed: " + e.getMessage());
    }
    for (NoteVerifier key : logKeys) {
      try {
        cp =
            proof.verify(entry, new TlogProof.Policy(origin, key, witnessKeys, witnessKeys.size()));
        break;
      } catch (TlogException e) {
        last = e;
      }
    }
    if (cp == null) {
      throw last != null ? last : new TlogException("no trusted log key given");
    }
    List<String> problems = new ArrayList<>();
    LogEntry decoded;
    try {
      decoded = LogEntry.decode(entry);
    } catch (IllegalArgumentException e) {
      throw new TlogException("the entry is included but does not decode: " + e.getMessage());
    }
    Decision decision = null;
    if (decoded.decisionBytes() != null) {
      try {
        decision = codec.decode(decoded.decisionBytes(), Decision.class);
      } catch (RuntimeException e) {
        problems.add("the entry's decision does not decode: " + e.getMessage());
      }
    }
    boolean requestChecked = false;
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
        requestChecked = true;
      }
    }
    if (!problems.isEmpty()) {
      throw new TlogException(String.join("\n", problems));
    }
    return new Result(cp, proof.index(), decision, requestChecked);
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
