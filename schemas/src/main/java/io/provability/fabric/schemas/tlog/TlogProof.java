package io.provability.fabric.schemas.tlog;

import io.provability.fabric.schemas.merkle.MerkleVerifier;
import io.provability.fabric.schemas.merkle.ProofException;
import io.provability.fabric.schemas.merkle.Rfc6962;
import io.provability.fabric.schemas.tlog.internal.NoteKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An offline proof that an entry is in a log, in the c2sp.org/tlog-proof@v1 text format:
 *
 * <pre>
 * c2sp.org/tlog-proof@v1
 * [extra &lt;base64&gt;]
 * index &lt;decimal&gt;
 * &lt;base64 hash, one per line, from the leaf's sibling up to the root's child&gt;
 *
 * &lt;the checkpoint, verbatim, with every signature and cosignature it carries&gt;
 * </pre>
 *
 * <p>{@link #verify} needs nothing but the entry and a {@link Policy} (the log's origin and key,
 * and optionally witness keys with a quorum). Files conventionally end in {@code .tlog-proof}.
 *
 * @param index zero-based index of the entry
 * @param auditPath the RFC 6962 audit path in the checkpoint's tree
 * @param checkpoint the signed checkpoint note's bytes, verbatim
 * @param extra optional opaque, unauthenticated data
 */
public record TlogProof(
    long index, List<byte[]> auditPath, byte[] checkpoint, Optional<byte[]> extra) {

  /** The first line of every proof. */
  public static final String HEADER = "c2sp.org/tlog-proof@v1";

  /** Copies everything. */
  public TlogProof {
    if (index < 0) {
      throw new TlogException("proof index " + index + " is negative");
    }
    List<byte[]> copy = new ArrayList<>();
    for (byte[] hash : auditPath) {
      if (hash.length != Rfc6962.HASH_LENGTH) {
        throw new TlogException("audit path hash is " + hash.length + " bytes, expected 32");
      }
      copy.add(hash.clone());
    }
    auditPath = List.copyOf(copy);
    checkpoint = checkpoint.clone();
    extra = Objects.requireNonNull(extra, "extra").map(byte[]::clone);
  }

  /**
   * Builds the proof of one entry against a signed checkpoint, reading the tiles.
   *
   * @param reader the log, at least as large as the checkpoint
   * @param index the entry's index
   * @param signedCheckpoint the checkpoint note's bytes (with any cosignatures)
   * @return the proof
   */
  public static TlogProof build(TileReader reader, long index, byte[] signedCheckpoint) {
    Checkpoint body = Checkpoint.parse(SignedNote.parse(signedCheckpoint).text());
    List<byte[]> path = reader.inclusionProof(index, body.size()).auditPath();
    return new TlogProof(index, path, signedCheckpoint, Optional.empty());
  }

  @Override
  public List<byte[]> auditPath() {
    List<byte[]> copy = new ArrayList<>();
    auditPath.forEach(h -> copy.add(h.clone()));
    return copy;
  }

  @Override
  public byte[] checkpoint() {
    return checkpoint.clone();
  }

  /**
   * Returns the proof file's bytes.
   *
   * @return UTF-8 text
   */
  public byte[] encode() {
    StringBuilder out = new StringBuilder(HEADER).append('\n');
    extra.ifPresent(
        e -> out.append("extra ").append(Base64.getEncoder().encodeToString(e)).append('\n'));
    out.append("index ").append(index).append('\n');
    for (byte[] hash : auditPath) {
      out.append(Base64.getEncoder().encodeToString(hash)).append('\n');
    }
    out.append('\n');
    byte[] head = out.toString().getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[head.length + checkpoint.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(checkpoint, 0, all, head.length, checkpoint.length);
    return all;
  }

  /**
   * Parses a proof file (without verifying anything).
   *
   * @param file the file's bytes
   * @return the proof
   * @throws TlogException naming the line that is malformed
   */
  public static TlogProof parse(byte[] file) {
    String text = SignedNote.decodeUtf8(file);
    int at = 0;
    String header = line(text, at);
    if (!header.equals(HEADER)) {
      throw new TlogException("proof does not start with " + HEADER);
    }
    at += header.length() + 1;
    Optional<byte[]> extra = Optional.empty();
    String next = line(text, at);
    if (next.startsWith("extra ")) {
      extra = Optional.of(NoteKeys.base64(next.substring(6), "proof extra data"));
      at += next.length() + 1;
      next = line(text, at);
    }
    if (!next.startsWith("index ")) {
      throw new TlogException("proof has no index line");
    }
    String digits = next.substring(6);
    if (digits.isEmpty()
        || digits.length() > 19
        || !digits.chars().allMatch(Character::isDigit)
        || (digits.length() > 1 && digits.charAt(0) == '0')) {
      throw new TlogException(
          "proof index '" + digits + "' is not a decimal without leading zeroes");
    }
    long index = Long.parseLong(digits);
    at += next.length() + 1;
    List<byte[]> path = new ArrayList<>();
    for (String hash = line(text, at); !hash.isEmpty(); hash = line(text, at)) {
      path.add(Checkpoint.parseHash(hash, "audit path line " + (path.size() + 1)));
      at += hash.length() + 1;
    }
    at += 1;
    byte[] checkpoint = text.substring(at).getBytes(StandardCharsets.UTF_8);
    if (checkpoint.length == 0) {
      throw new TlogException("proof has no checkpoint after the audit path");
    }
    return new TlogProof(index, path, checkpoint, extra);
  }

  /**
   * Verifies the proof for an entry: the checkpoint's log signature, the witness quorum, the
   * origin, and the inclusion of the entry's leaf hash under the checkpoint's root.
   *
   * @param entry the entry's bytes
   * @param policy whom to trust
   * @return the verified checkpoint
   * @throws TlogException if any check fails, saying which
   */
  public Checkpoint verify(byte[] entry, Policy policy) {
    return verifyLeafHash(Rfc6962.leafHash(entry), policy);
  }

  /**
   * Like {@link #verify} for a caller that has only the entry's leaf hash.
   *
   * @param leafHash {@code SHA-256(0x00 || entry)}
   * @param policy whom to trust
   * @return the verified checkpoint
   */
  public Checkpoint verifyLeafHash(byte[] leafHash, Policy policy) {
    Checkpoint body = policy.verifyCheckpoint(checkpoint);
    try {
      MerkleVerifier.verifyInclusion(index, body.size(), leafHash, auditPath, body.rootHash());
    } catch (ProofException e) {
      throw new TlogException("inclusion proof does not verify: " + e.getMessage());
    }
    return body;
  }

  private static String line(String text, int at) {
    if (at >= text.length()) {
      throw new TlogException("proof ends early, at offset " + at);
    }
    int end = text.indexOf('\n', at);
    if (end < 0) {
      throw new TlogException("proof line at offset " + at + " has no newline");
    }
    return text.substring(at, end);
  }

  /**
   * Whom a verifier trusts: a log (origin and keys) and, optionally, witnesses of which at least
   * {@code quorum} must have cosigned. Several log keys are for a key rotation: a checkpoint signed
   * by any one of them is the log's.
   *
   * @param origin the log's expected origin line
   * @param logKeys the log's keys (at least one)
   * @param witnesses cosignature/v1 keys of trusted witnesses
   * @param quorum how many of them must have cosigned (0 for none)
   */
  public record Policy(
      String origin, List<NoteVerifier> logKeys, List<NoteVerifier> witnesses, int quorum) {

    /** Checks the keys and the quorum. */
    public Policy {
      Objects.requireNonNull(origin, "origin");
      logKeys = List.copyOf(logKeys);
      witnesses = List.copyOf(witnesses);
      if (logKeys.isEmpty()) {
        throw new IllegalArgumentException("a policy needs at least one log key");
      }
      if (quorum < 0 || quorum > witnesses.size()) {
        throw new IllegalArgumentException(
            "witness quorum " + quorum + " is outside 0.." + witnesses.size());
      }
      for (NoteVerifier witness : witnesses) {
        if (!witness.isCosignature()) {
          throw new IllegalArgumentException(
              "witness key " + witness.name() + " is not a cosignature/v1 key (type 0x04)");
        }
      }
    }

    /**
     * Trusts one log key and the given witnesses.
     *
     * @param origin the log's expected origin line
     * @param logKey the log's key
     * @param witnesses cosignature/v1 keys of trusted witnesses
     * @param quorum how many of them must have cosigned
     */
    public Policy(String origin, NoteVerifier logKey, List<NoteVerifier> witnesses, int quorum) {
      this(origin, List.of(logKey), witnesses, quorum);
    }

    /**
     * Trusts the log alone.
     *
     * @param origin the log's origin
     * @param logKey the log's key
     * @return the policy
     */
    public static Policy logOnly(String origin, NoteVerifier logKey) {
      return new Policy(origin, logKey, List.of(), 0);
    }

    /**
     * Opens a signed checkpoint under this policy.
     *
     * @param signedCheckpoint the note's bytes
     * @return the checkpoint
     * @throws TlogException if no log key signed, a known signature is bad, fewer than {@code
     *     quorum} witnesses cosigned, or the origin differs
     */
    public Checkpoint verifyCheckpoint(byte[] signedCheckpoint) {
      List<NoteVerifier> known = new ArrayList<>(logKeys);
      known.addAll(witnesses);
      SignedNote.VerifiedNote note = SignedNote.open(signedCheckpoint, known);
      if (logKeys.stream().noneMatch(note::signedBy)) {
        throw new TlogException(
            "checkpoint is not signed by a log key ("
                + logKeys.stream().map(NoteVerifier::name).distinct().toList()
                + ")");
      }
      long cosigned = witnesses.stream().filter(note::signedBy).count();
      if (cosigned < quorum) {
        throw new TlogException(
            "checkpoint has "
                + cosigned
                + " valid witness cosignature(s), "
                + "the policy needs "
                + quorum);
      }
      Checkpoint body = note.checkpoint();
      if (!body.origin().equals(origin)) {
        throw new TlogException(
            "checkpoint origin is '" + body.origin() + "', expected '" + origin + "'");
      }
      return body;
    }
  }
}
