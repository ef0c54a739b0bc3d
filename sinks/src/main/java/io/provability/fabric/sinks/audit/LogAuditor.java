package io.provability.fabric.sinks.audit;

import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.schemas.merkle.MerkleVerifier;
import io.provability.fabric.schemas.merkle.ProofException;
import io.provability.fabric.schemas.merkle.Rfc6962;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.tlog.Checkpoint;
import io.provability.fabric.schemas.tlog.NoteVerifier;
import io.provability.fabric.schemas.tlog.SignedNote;
import io.provability.fabric.schemas.tlog.TileReader;
import io.provability.fabric.schemas.tlog.TlogException;
import io.provability.fabric.schemas.tlog.TlogPaths;
import io.provability.fabric.schemas.tlog.TlogProof;
import io.provability.fabric.sinks.decisionlog.DecisionLogException;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader;
import io.provability.fabric.sinks.decisionlog.DecisionLogReader.LoggedDecision;
import io.provability.fabric.sinks.decisionlog.EvidenceLogIndex;
import io.provability.fabric.sinks.decisionlog.EvidenceLogIndex.CheckpointRow;
import io.provability.fabric.sinks.decisionlog.EvidenceLogIndex.LeafRow;
import io.provability.fabric.sinks.decisionlog.PartitionManager;
import io.provability.fabric.sinks.evidence.EvidenceLogs;
import io.provability.fabric.sinks.evidence.EvidenceStore;
import io.provability.fabric.sinks.evidence.internal.EntryObjects;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * Verifies the evidence logs and the decision log against each other, trusting neither the running
 * system nor the database: only the log keys (and witness keys) it is given. docs/audit.md §4 is
 * the algorithm, step by step; every finding is a {@link Mismatch} with its exact reason.
 *
 * <p>Cost follows the scope: a time range is mapped to leaf ranges through PostgreSQL and only the
 * tiles and bundles of those leaves (and the tiles on their proof paths) are read; the whole-log
 * scope recomputes every tile.
 */
public final class LogAuditor {
  /**
   * How far a decision's {@code decided_at} may lie before the publication of a checkpoint that
   * does not include it (clock skew between deciders and sequencers plus integration delay): a time
   * range is widened by this to the checkpoints around it.
   */
  public static final Duration RANGE_MARGIN = Duration.ofSeconds(60);

  private final EvidenceStore store;
  private final EvidenceLogIndex index;
  private final DataSource db;
  private final EvidenceLogs names;
  private final List<NoteVerifier> logKeys;
  private final List<NoteVerifier> witnessKeys;
  private final Consumer<String> progress;
  private final Clock clock;
  private final EventCodec codec = EventCodec.standard();

  /**
   * @param store the evidence bucket (read only)
   * @param index the logs' rows
   * @param db the decision log (read only)
   * @param names the logs' names
   * @param logKeys trusted log verifier keys
   * @param witnessKeys trusted witness (cosignature/v1) keys; each must have cosigned a checkpoint
   *     of every log
   * @param progress receives a progress line now and then on long runs
   */
  public LogAuditor(
      EvidenceStore store,
      EvidenceLogIndex index,
      DataSource db,
      EvidenceLogs names,
      List<NoteVerifier> logKeys,
      List<NoteVerifier> witnessKeys,
      Consumer<String> progress,
      Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.index = Objects.requireNonNull(index, "index");
    this.db = Objects.requireNonNull(db, "db");
    this.names = Objects.requireNonNull(names, "names");
    this.logKeys = List.copyOf(logKeys);
    this.witnessKeys = List.copyOf(witnessKeys);
    this.progress = progress == null ? s -> {} : progress;
    this.clock = clock;
  }

  /** What one log's audit gathered. */
  private final class LogRun {
    final String origin;
    final String prefix;
    final List<Mismatch> found = new ArrayList<>();

    /** decision id to entry index and decision bytes, for every entry visited */
    final Map<String, EntryRef> entries = new HashMap<>();

    long checkpointsVerified;
    long entriesVerified;
    TileReader reader;
    Checkpoint head;
    byte[] headNote;

    /** the published checkpoint's note, and the checkpoint when it verifies */
    Optional<byte[]> published;

    Checkpoint publishedCp;

    /** the latest recorded checkpoint's row, and the scope's rows whose notes verify */
    Optional<CheckpointRow> latest;

    final List<CheckpointRow> verifiedRows = new ArrayList<>();

    LogRun(String origin) {
      this.origin = origin;
      this.prefix = names.prefixOf(origin);
    }

    Optional<byte[]> fetch(String path) {
      return store.get(prefix + "/" + path);
    }

    void add(Mismatch.Code code, String subject, String detail) {
      found.add(new Mismatch(subject, code, detail, List.of()));
    }
  }

  private record EntryRef(String origin, long index, byte[] decision, Decision decoded) {}

  /**
   * Audits the scope.
   *
   * @throws DecisionLogException or {@code EvidenceStoreException} when a server cannot be read
   */
  public AuditReport verify(AuditScope scope) {
    long started = System.nanoTime();
    List<String> origins = index.origins();
    List<LoggedDecision> scopeRows = rowsInScope(scope);
    Map<String, List<LeafRow>> leafRowsOfScope = leafRowsByLog(scopeRows);
    Totals totals = new Totals();
    for (String origin : origins) {
      if (names.partitionOf(origin) < 0) {
        continue; // a log of another configuration sharing the database
      }
      LogRun run = new LogRun(origin);
      auditLog(run, scope, leafRowsOfScope.getOrDefault(origin, List.of()));
      totals.add(run);
    }
    long[] rowCounts = compareRows(scope, scopeRows, totals.entries, totals.mismatches);
    totals.mismatches.sort(
        Comparator.comparing(Mismatch::subject).thenComparing(m -> m.code().name()));
    return new AuditReport(
        scope,
        origins.size(),
        totals.checkpoints,
        totals.entriesVerified,
        rowCounts[0],
        rowCounts[1],
        totals.mismatches,
        Duration.ofNanos(System.nanoTime() - started));
  }

  /** The leaves the scope's rows name, by log. */
  private Map<String, List<LeafRow>> leafRowsByLog(List<LoggedDecision> scopeRows) {
    Map<String, List<LeafRow>> leafRowsOfScope = new HashMap<>();
    for (LeafRow l :
        index.leavesOf(scopeRows.stream().map(LoggedDecision::decisionId).distinct().toList())) {
      leafRowsOfScope.computeIfAbsent(l.logOrigin(), o -> new ArrayList<>()).add(l);
    }
    return leafRowsOfScope;
  }

  /** What the audits of the logs gathered, together. */
  private static final class Totals {
    final List<Mismatch> mismatches = new ArrayList<>();
    final Map<String, EntryRef> entries = new HashMap<>();
    long checkpoints;
    long entriesVerified;

    void add(LogRun run) {
      mismatches.addAll(run.found);
      checkpoints += run.checkpointsVerified;
      entriesVerified += run.entriesVerified;
      entries.putAll(run.entries);
    }
  }

  // ---------------------------------------------------------------- checkpoints and tiles

  /** Audits one log, docs/audit.md §4 steps 1 to 6, each a method below. */
  private void auditLog(LogRun run, AuditScope scope, List<LeafRow> scopeLeaves) {
    readPublishedCheckpoint(run);
    verifyRecordedCheckpoints(run, scope);
    if (!chooseHead(run)) {
      return;
    }
    run.reader = new TileReader(run::fetch, run.head.size());
    checkConsistency(run);
    for (NoteVerifier witness : witnessKeys) {
      checkWitness(run, witness);
    }
    if (scope.kind() == AuditScope.Kind.ALL) {
      verifyAllEntries(run);
    } else {
      verifyEntryRange(run, scope, scopeLeaves);
    }
  }

  /** 1. the published checkpoint */
  private void readPublishedCheckpoint(LogRun run) {
    String origin = run.origin;
    Optional<byte[]> published = run.fetch(TlogPaths.checkpoint());
    Checkpoint publishedCp = null;
    if (published.isEmpty()) {
      run.add(
          Mismatch.Code.CHECKPOINT_MISSING,
          "log " + origin,
          "no object at " + run.prefix + "/checkpoint");
    } else {
      try {
        publishedCp = open(published.get(), origin);
      } catch (TlogException e) {
        run.add(
            Mismatch.Code.CHECKPOINT_SIGNATURE_INVALID,
            "log " + origin,
            "the published checkpoint "
                + run.prefix
                + "/checkpoint does not verify: "
                + e.getMessage());
      }
    }
    run.published = published;
    run.publishedCp = publishedCp;
  }

  /** 2. the recorded checkpoints of the scope */
  private void verifyRecordedCheckpoints(LogRun run, AuditScope scope) {
    String origin = run.origin;
    List<CheckpointRow> rows =
        scope.kind() == AuditScope.Kind.TIME_RANGE
            ? index.checkpoints(
                origin, scope.from().minus(RANGE_MARGIN), scope.to().plus(RANGE_MARGIN))
            : index.checkpoints(origin);
    run.latest = index.latest(origin);
    List<CheckpointRow> verifiedRows = run.verifiedRows;
    for (CheckpointRow row : rows) {
      String subject = "checkpoint " + origin + " size " + row.size();
      try {
        Checkpoint cp = open(row.note(), origin);
        if (cp.size() != row.size() || !Arrays.equals(cp.rootHash(), row.root())) {
          run.add(
              Mismatch.Code.CHECKPOINT_ROW_MISMATCH,
              subject,
              "the row says size "
                  + row.size()
                  + " root "
                  + Hex.encode(row.root())
                  + ", its signed note says size "
                  + cp.size()
                  + " root "
                  + Hex.encode(cp.rootHash()));
          continue;
        }
        verifiedRows.add(row);
      } catch (TlogException e) {
        run.add(
            Mismatch.Code.CHECKPOINT_SIGNATURE_INVALID,
            subject,
            "the recorded note does not verify: " + e.getMessage());
      }
    }
  }

  /**
   * 3. the head: the published checkpoint, held against the latest recorded one; false when the log
   * has neither
   */
  private boolean chooseHead(LogRun run) {
    String origin = run.origin;
    Optional<CheckpointRow> latest = run.latest;
    Checkpoint publishedCp = run.publishedCp;
    Checkpoint recordedHead = null;
    if (latest.isPresent()) {
      try {
        recordedHead = open(latest.get().note(), origin);
      } catch (TlogException e) {
        // reported above when in scope
      }
    }
    Checkpoint head = publishedCp;
    byte[] headNote = run.published.orElse(null);
    if (publishedCp != null && recordedHead != null) {
      if (publishedCp.size() < recordedHead.size()) {
        run.add(
            Mismatch.Code.CHECKPOINT_ROLLED_BACK,
            "log " + origin,
            "the published checkpoint has size "
                + publishedCp.size()
                + " but size "
                + recordedHead.size()
                + " was published before (recorded "
                + latest.get().publishedAt()
                + ")");
        head = recordedHead;
        headNote = latest.get().note();
      } else if (publishedCp.size() > recordedHead.size()) {
        run.add(
            Mismatch.Code.CHECKPOINT_NOT_RECORDED,
            "log " + origin,
            "the published checkpoint has size "
                + publishedCp.size()
                + " but the largest recorded one has size "
                + recordedHead.size());
      } else if (!Arrays.equals(publishedCp.rootHash(), recordedHead.rootHash())) {
        run.add(
            Mismatch.Code.CHECKPOINT_INCONSISTENT,
            "log " + origin,
            "the published and the recorded "
                + "checkpoints of size "
                + publishedCp.size()
                + " have different roots ("
                + Hex.encode(publishedCp.rootHash())
                + ", "
                + Hex.encode(recordedHead.rootHash())
                + "): a fork");
      }
    } else if (head == null && recordedHead != null) {
      head = recordedHead;
      headNote = latest.get().note();
    }
    if (head == null) {
      return false;
    }
    run.head = head;
    run.headNote = headNote;
    return true;
  }

  /** 4. consistency of every checkpoint of the scope with its predecessor, and with the head */
  private void checkConsistency(LogRun run) {
    String origin = run.origin;
    Checkpoint head = run.head;
    CheckpointRow previous = null;
    for (CheckpointRow row : run.verifiedRows) {
      if (row.size() > head.size()) {
        continue; // reported as rolled back
      }
      if (previous != null
          && consistent(
              run,
              previous.size(),
              previous.root(),
              row.size(),
              row.root(),
              "checkpoint " + origin + " size " + row.size(),
              "its predecessor of size " + previous.size())) {
        run.checkpointsVerified++;
      } else if (previous == null) {
        run.checkpointsVerified++;
      }
      previous = row;
    }
    if (previous != null) {
      consistent(
          run,
          previous.size(),
          previous.root(),
          head.size(),
          head.rootHash(),
          "log " + origin,
          "the last recorded checkpoint of the scope (size " + previous.size() + ")");
    }
  }

  private boolean consistent(
      LogRun run,
      long size1,
      byte[] root1,
      long size2,
      byte[] root2,
      String subject,
      String against) {
    if (size1 == 0) {
      return true;
    }
    try {
      List<byte[]> proof = run.reader.consistencyProof(size1, size2);
      MerkleVerifier.verifyConsistency(size1, size2, root1, root2, proof);
      return true;
    } catch (ProofException | TlogException e) {
      run.add(
          Mismatch.Code.CHECKPOINT_INCONSISTENT,
          subject,
          "not consistent with " + against + ": " + e.getMessage());
      return false;
    }
  }

  private void checkWitness(LogRun run, NoteVerifier witness) {
    String path = "witness/" + witness.name() + "/checkpoint";
    String subject = "log " + run.origin;
    Optional<byte[]> cosigned = run.fetch(path);
    if (cosigned.isEmpty()) {
      run.add(
          Mismatch.Code.WITNESS_MISMATCH,
          subject,
          "witness "
              + witness.name()
              + " has no cosigned "
              + "checkpoint at "
              + run.prefix
              + "/"
              + path);
      return;
    }
    try {
      List<NoteVerifier> known = new ArrayList<>(logKeys);
      known.add(witness);
      SignedNote.VerifiedNote note = SignedNote.open(cosigned.get(), known);
      if (!note.signedBy(witness)) {
        run.add(
            Mismatch.Code.WITNESS_MISMATCH,
            subject,
            "the checkpoint at "
                + run.prefix
                + "/"
                + path
                + " carries no valid cosignature of "
                + witness.name());
        return;
      }
      Checkpoint cp = note.checkpoint();
      if (logKeys.stream().noneMatch(note::signedBy) || !cp.origin().equals(run.origin)) {
        run.add(
            Mismatch.Code.WITNESS_MISMATCH,
            subject,
            "the checkpoint witness "
                + witness.name()
                + " cosigned is not signed by a trusted log key for "
                + run.origin);
        return;
      }
      if (cp.size() > run.head.size()) {
        run.add(
            Mismatch.Code.CHECKPOINT_ROLLED_BACK,
            subject,
            "witness "
                + witness.name()
                + " cosigned size "
                + cp.size()
                + ", larger than the log's checkpoint of size "
                + run.head.size());
        return;
      }
      consistent(
          run,
          cp.size(),
          cp.rootHash(),
          run.head.size(),
          run.head.rootHash(),
          subject,
          "the checkpoint of size " + cp.size() + " witness " + witness.name() + " cosigned");
    } catch (TlogException e) {
      run.add(
          Mismatch.Code.WITNESS_MISMATCH,
          subject,
          "the cosigned checkpoint of " + witness.name() + " does not verify: " + e.getMessage());
    }
  }

  private void verifyAllEntries(LogRun run) {
    long size = run.head.size();
    long[] last = {System.nanoTime()};
    List<TileReader.TileMismatch> tiles =
        run.reader.verifyAll(
            run.head.rootHash(),
            (i, entry) -> {
              visitEntry(run, i, entry);
              run.entriesVerified++;
              if (System.nanoTime() - last[0] > 5_000_000_000L) {
                progress.accept("  " + run.origin + ": " + (i + 1) + " of " + size + " entries");
                last[0] = System.nanoTime();
              }
            });
    for (TileReader.TileMismatch t : tiles) {
      run.add(
          Mismatch.Code.TILE_MISMATCH,
          "log " + run.origin,
          run.prefix + "/" + t.path() + ": " + t.reason());
    }
    if (!tiles.isEmpty()) {
      run.entriesVerified = 0; // nothing is proven when the recomputation does not reach the root
    }
    List<LeafRow> leafRows = index.leavesIn(run.origin, 0, size);
    checkLeafRows(run, leafRows, 0, size);
  }

  /**
   * Verifies the scope's entries against the head: the leaves the scope's rows name and, for a time
   * range, every leaf between the checkpoints around it; then their rows.
   */
  private void verifyEntryRange(LogRun run, AuditScope scope, List<LeafRow> scopeLeaves) {
    TreeSet<Long> wanted = wantedLeaves(run, scope, scopeLeaves);
    new EntryRangeVerifier(run).verify(wanted);
    if (!wanted.isEmpty()) {
      checkLeafRows(
          run,
          index.leavesIn(run.origin, wanted.first(), wanted.last() + 1),
          wanted.first(),
          wanted.last() + 1);
    }
  }

  /** The leaf indexes to verify, sorted. */
  private TreeSet<Long> wantedLeaves(LogRun run, AuditScope scope, List<LeafRow> scopeLeaves) {
    long size = run.head.size();
    TreeSet<Long> wanted = new TreeSet<>();
    long from = Long.MAX_VALUE;
    long to = -1;
    for (LeafRow l : scopeLeaves) {
      wanted.add(l.leafIndex());
    }
    if (scope.kind() == AuditScope.Kind.TIME_RANGE) {
      // the checkpoints around the range bound where its entries can be, even those whose rows are
      // gone
      List<CheckpointRow> around =
          index.checkpoints(
              run.origin, scope.from().minus(RANGE_MARGIN), scope.to().plus(RANGE_MARGIN));
      if (!around.isEmpty()) {
        from =
            around.get(0).publishedAt().isBefore(scope.from().minus(RANGE_MARGIN))
                ? around.get(0).size()
                : 0;
        to =
            index
                .firstPublishedFrom(run.origin, scope.to().plus(RANGE_MARGIN))
                .map(CheckpointRow::size)
                .orElse(size);
      }
      // and every leaf between the first and the last of the range's rows
      if (!wanted.isEmpty()) {
        from = Math.min(from, wanted.first());
        to = Math.max(to, wanted.last() + 1);
      }
      to = Math.min(to, size);
      if (from < to) {
        for (long i = from; i < to; i++) {
          wanted.add(i);
        }
      }
    }
    return wanted;
  }

  /**
   * Verifies sorted leaves one by one against one log's head: each bundle is read once, one
   * inclusion proof per level-0 tile, the tile's stored hashes for the tile's other leaves.
   */
  private final class EntryRangeVerifier {
    private final LogRun run;
    private final long size;
    private final byte[] root;
    private long bundleIndex = -1;
    private List<byte[]> bundle = List.of();
    private long provenTile = -1;

    EntryRangeVerifier(LogRun run) {
      this.run = run;
      this.size = run.head.size();
      this.root = run.head.rootHash();
    }

    void verify(TreeSet<Long> wanted) {
      long done = 0;
      long last = System.nanoTime();
      for (long i : wanted) {
        if (!verifyEntry(i)) {
          continue; // past the head: counts in no progress line
        }
        if (++done % 1000 == 0 && System.nanoTime() - last > 5_000_000_000L) {
          progress.accept("  " + run.origin + ": " + done + " of " + wanted.size() + " entries");
          last = System.nanoTime();
        }
      }
    }

    /** Verifies leaf i; false when it lies past the head (reported, nothing to read). */
    private boolean verifyEntry(long i) {
      String subject = "entry " + run.origin + "#" + i;
      if (i >= size) {
        run.add(
            Mismatch.Code.ENTRY_NOT_IN_LOG,
            subject,
            "decision_evidence names leaf "
                + i
                + " but the log's checkpoint has size "
                + size
                + ": the log was truncated or rolled back");
        return false;
      }
      long tile = i / TlogPaths.TILE_WIDTH;
      try {
        // wanted is sorted: each bundle is read and decoded once (a bundle that fails is tried
        // again)
        if (tile != bundleIndex) {
          bundleIndex = -1;
          bundle = run.reader.bundle(tile);
          bundleIndex = tile;
        }
        byte[] entry = bundle.get((int) (i % TlogPaths.TILE_WIDTH));
        byte[] leafHash = Rfc6962.leafHash(entry);
        if (tile != provenTile) {
          // one inclusion proof per level-0 tile: its audit path inside the tile is computed from
          // every other hash of that tile, so a proof that verifies binds all of them to the root
          MerkleVerifier.verifyInclusion(
              i, size, leafHash, run.reader.inclusionProof(i, size).auditPath(), root);
          provenTile = tile;
        } else {
          byte[] stored = run.reader.leafHash(i);
          if (!MessageDigest.isEqual(leafHash, stored)) {
            throw new ProofException(
                "its leaf hash "
                    + Hex.encode(leafHash)
                    + " is not the tile's "
                    + Hex.encode(stored));
          }
        }
        run.entriesVerified++;
        visitEntry(run, i, entry);
      } catch (TlogException | ProofException e) {
        run.add(
            Mismatch.Code.ENTRY_NOT_IN_LOG,
            subject,
            "not included under the root of the checkpoint of size "
                + size
                + ": "
                + e.getMessage());
      }
      return true;
    }
  }

  private void visitEntry(LogRun run, long i, byte[] bytes) {
    String subject = "entry " + run.origin + "#" + i;
    LogEntry entry;
    try {
      entry =
          LogEntry.decode(bytes)
              .resolve(
                  hash ->
                      run.fetch(EntryObjects.path(hash))
                          .map(stored -> EntryObjects.decode(stored, hash))
                          .orElse(null));
    } catch (IllegalArgumentException e) {
      run.add(Mismatch.Code.ENTRY_INVALID, subject, e.getMessage());
      return;
    }
    Decision decision;
    try {
      decision = codec.decode(entry.decisionBytes(), Decision.class);
    } catch (RuntimeException e) {
      run.add(
          Mismatch.Code.ENTRY_INVALID, subject, "its decision does not decode: " + e.getMessage());
      return;
    }
    byte[] requestHash = Sha256.digest(entry.requestBytes());
    if (!MessageDigest.isEqual(requestHash, Bytes.toArray(decision.getRequestHash()))) {
      run.add(
          Mismatch.Code.ENTRY_INVALID,
          subject,
          "its request hashes to "
              + Hex.encode(requestHash)
              + " but decision "
              + decision.getDecisionId()
              + " answered request hash "
              + Hex.encode(Bytes.toArray(decision.getRequestHash())));
    }
    EntryRef ref = new EntryRef(run.origin, i, entry.decisionBytes(), decision);
    EntryRef earlier = run.entries.putIfAbsent(decision.getDecisionId(), ref);
    if (earlier != null) {
      run.add(
          Mismatch.Code.ENTRY_INVALID,
          subject,
          "decision " + decision.getDecisionId() + " is already at entry " + earlier.index());
    }
  }

  private void checkLeafRows(LogRun run, List<LeafRow> leafRows, long from, long to) {
    Map<Long, LeafRow> byIndex = new HashMap<>();
    for (LeafRow l : leafRows) {
      byIndex.put(l.leafIndex(), l);
    }
    Map<Long, String> idByIndex = new HashMap<>();
    for (EntryRef e : run.entries.values()) {
      idByIndex.put(e.index(), e.decoded().getDecisionId());
    }
    for (Map.Entry<Long, String> e : idByIndex.entrySet()) {
      LeafRow row = byIndex.get(e.getKey());
      String subject = "entry " + run.origin + "#" + e.getKey();
      if (row == null) {
        run.add(
            Mismatch.Code.LEAF_ROW_WRONG,
            subject,
            "no decision_evidence row for decision " + e.getValue());
      } else if (!row.decisionId().equals(e.getValue())) {
        run.add(
            Mismatch.Code.LEAF_ROW_WRONG,
            subject,
            "decision_evidence names decision "
                + row.decisionId()
                + " but the entry holds "
                + e.getValue());
      }
    }
  }

  // ---------------------------------------------------------------- rows against entries

  /**
   * Holds the decision log's rows against the entries read; adds a finding per difference to {@code
   * out}.
   *
   * @return the rows checked and the rows matched
   */
  private long[] compareRows(
      AuditScope scope,
      List<LoggedDecision> scopeRows,
      Map<String, EntryRef> entries,
      List<Mismatch> out) {
    RowComparison c = new RowComparison(out);
    c.loadRows(entries);
    for (EntryRef e : entries.values()) {
      c.compareEntry(e);
    }
    c.rowsWithoutEntry(scopeRows, entries);
    return new long[] {c.checked, c.matched};
  }

  /** Rows against entries: each entry's rows, then the scope's rows that no entry holds. */
  private final class RowComparison {
    private final List<Mismatch> out;
    private Map<String, List<LoggedDecision>> rowsById;
    private LocalDate oldestKept;
    long checked;
    long matched;

    RowComparison(List<Mismatch> out) {
      this.out = out;
    }

    /** Every row of the entries' decisions, in whatever day partition it sits. */
    void loadRows(Map<String, EntryRef> entries) {
      rowsById = new HashMap<>();
      for (LoggedDecision r : rowsByIds(entries.keySet())) {
        rowsById.computeIfAbsent(r.decisionId(), k -> new ArrayList<>()).add(r);
      }
      oldestKept = oldestPartitionDay();
    }

    /** One entry's decision: its row missing (unless past retention), duplicated or different. */
    void compareEntry(EntryRef e) {
      String id = e.decoded().getDecisionId();
      List<LoggedDecision> rows = rowsById.getOrDefault(id, List.of());
      String where = "entry " + e.origin() + "#" + e.index();
      if (rows.isEmpty()) {
        LocalDate day = LocalDate.ofInstant(e.decoded().getDecidedAt(), ZoneOffset.UTC);
        if (oldestKept != null && day.isBefore(oldestKept)) {
          return; // the row's day is past the decision log's retention
        }
        out.add(
            new Mismatch(
                "decision " + id,
                Mismatch.Code.ROW_MISSING,
                "held by "
                    + where
                    + " (decided "
                    + e.decoded().getDecidedAt()
                    + ", session "
                    + e.decoded().getSessionId()
                    + ") but no decision_log row has it",
                List.of(id)));
        return;
      }
      if (rows.size() > 1) {
        out.add(
            new Mismatch(
                "decision " + id,
                Mismatch.Code.DUPLICATE_ROW,
                rows.size()
                    + " rows hold it, in "
                    + rows.stream().map(LoggedDecision::partition).toList()
                    + "; its entry is "
                    + where
                    + ", decided "
                    + e.decoded().getDecidedAt(),
                List.of()));
      }
      for (LoggedDecision row : rows) {
        checked++;
        List<String> diffs = differences(row, e);
        if (diffs.isEmpty()) {
          matched++;
        } else {
          out.add(
              new Mismatch(
                  "decision " + id,
                  Mismatch.Code.ROW_DIFFERS,
                  "row in "
                      + row.partition()
                      + " differs from "
                      + where
                      + ": "
                      + String.join("; ", diffs),
                  List.of()));
        }
      }
    }

    void rowsWithoutEntry(List<LoggedDecision> scopeRows, Map<String, EntryRef> entries) {
      Set<String> seen = new HashSet<>(entries.keySet());
      for (LoggedDecision row : scopeRows) {
        if (!seen.contains(row.decisionId())) {
          checked++;
          out.add(
              new Mismatch(
                  "decision " + row.decisionId(),
                  Mismatch.Code.ROW_WITHOUT_ENTRY,
                  "row in "
                      + row.partition()
                      + " (decided "
                      + row.decidedAt()
                      + ") is in no entry of the audited logs",
                  List.of()));
          seen.add(row.decisionId());
        }
      }
    }
  }

  private List<String> differences(LoggedDecision row, EntryRef e) {
    List<String> diffs = new ArrayList<>();
    Decision d = e.decoded();
    diff(diffs, "decision_id", row.decisionId(), d.getDecisionId());
    diff(diffs, "request_id", row.requestId(), d.getRequestId());
    diff(diffs, "session_id", row.sessionId(), d.getSessionId());
    diff(diffs, "tenant", row.tenant(), d.getTenant());
    diff(diffs, "subject_id", row.subjectId(), d.getSubjectId());
    diff(diffs, "kind", row.kind(), d.getKind().name());
    diff(diffs, "verdict", row.verdict(), d.getVerdict().name());
    diff(
        diffs,
        "reason_codes",
        row.reasonCodes(),
        d.getReasons().stream().map(r -> String.valueOf(r.getCode())).toList());
    diff(
        diffs,
        "matched_capabilities",
        row.matchedCapabilities(),
        d.getMatchedCapabilities().stream().map(String::valueOf).toList());
    diff(
        diffs,
        "token_id",
        row.tokenId(),
        d.getTokenId() == null ? null : String.valueOf(d.getTokenId()));
    diff(diffs, "policy_version", row.policyVersion(), d.getPolicyVersion());
    diff(diffs, "decided_at", row.decidedAt(), d.getDecidedAt());
    diff(
        diffs,
        "decided_on",
        row.decidedOn(),
        LocalDate.ofInstant(d.getDecidedAt(), ZoneOffset.UTC));
    diff(diffs, "eval_micros", row.evalMicros(), d.getEvalMicros());
    diff(
        diffs,
        "request_hash",
        Hex.encode(row.requestHash()),
        Hex.encode(Bytes.toArray(d.getRequestHash())));
    if (!Arrays.equals(row.event(), e.decision())) {
      diffs.add("event: the row's bytes differ from the entry's decision bytes");
    }
    return diffs;
  }

  private static void diff(List<String> diffs, String field, Object row, Object entry) {
    if (!Objects.equals(row, entry)) {
      diffs.add(field + ": row " + row + ", entry " + entry);
    }
  }

  // ---------------------------------------------------------------- proofs

  /**
   * The inclusion proof of a decision, against its log's current checkpoint, with the entry in the
   * proof's {@code extra} field (docs/audit.md §3).
   *
   * @throws ProofUnavailableException when the decision has no entry, or its entry does not verify
   */
  public TlogProof prove(String decisionId) {
    List<LeafRow> rows = index.leavesOf(List.of(decisionId));
    if (rows.isEmpty()) {
      throw new ProofUnavailableException(
          "decision "
              + decisionId
              + " has no decision_evidence row: it is in "
              + "no published checkpoint (yet), or it does not exist");
    }
    LeafRow leaf = rows.get(0);
    LogRun run = new LogRun(leaf.logOrigin());
    Head head = head(run);
    return proveAt(run, head, leaf);
  }

  /**
   * Inclusion proofs of every decision of a session, all against one checkpoint per log (the
   * current one), in decision-time order.
   */
  public Map<String, TlogProof> proveSession(String sessionId) {
    List<LoggedDecision> decisions = rowsBySession(sessionId);
    if (decisions.isEmpty()) {
      throw new ProofUnavailableException(
          "session " + sessionId + " has no decisions in the decision log");
    }
    Map<String, LeafRow> leafById = new HashMap<>();
    for (LeafRow l : index.leavesOf(decisions.stream().map(LoggedDecision::decisionId).toList())) {
      leafById.putIfAbsent(l.decisionId(), l);
    }
    Map<String, Head> heads = new HashMap<>();
    Map<String, LogRun> runs = new HashMap<>();
    Map<String, TlogProof> out = new LinkedHashMap<>();
    for (LoggedDecision d : decisions) {
      LeafRow leaf = leafById.get(d.decisionId());
      if (leaf == null) {
        throw new ProofUnavailableException(
            "decision "
                + d.decisionId()
                + " of session "
                + sessionId
                + " is in no published checkpoint (yet)");
      }
      LogRun run = runs.computeIfAbsent(leaf.logOrigin(), LogRun::new);
      Head head = heads.computeIfAbsent(leaf.logOrigin(), o -> head(run));
      out.put(d.decisionId(), proveAt(run, head, leaf));
    }
    return out;
  }

  private record Head(Checkpoint checkpoint, byte[] note) {}

  private Head head(LogRun run) {
    byte[] note =
        run.fetch(TlogPaths.checkpoint())
            .orElseThrow(
                () ->
                    new ProofUnavailableException(
                        "log " + run.origin + " has no published checkpoint"));
    try {
      Checkpoint cp = open(note, run.origin);
      run.reader = new TileReader(run::fetch, cp.size());
      return new Head(cp, note);
    } catch (TlogException e) {
      throw new ProofUnavailableException(
          "the checkpoint of log " + run.origin + " does not verify: " + e.getMessage());
    }
  }

  private TlogProof proveAt(LogRun run, Head head, LeafRow leaf) {
    if (leaf.leafIndex() >= head.checkpoint().size()) {
      throw new ProofUnavailableException(
          "decision "
              + leaf.decisionId()
              + " is at leaf "
              + leaf.leafIndex()
              + " but log "
              + run.origin
              + " has size "
              + head.checkpoint().size());
    }
    try {
      byte[] entry = run.reader.entry(leaf.leafIndex());
      LogEntry decoded = LogEntry.decode(entry);
      if (decoded.decisionBytes() != null) {
        Decision d = codec.decode(decoded.decisionBytes(), Decision.class);
        if (!d.getDecisionId().equals(leaf.decisionId())) {
          throw new ProofUnavailableException(
              "leaf "
                  + leaf.leafIndex()
                  + " of "
                  + run.origin
                  + " holds decision "
                  + d.getDecisionId()
                  + ", not "
                  + leaf.decisionId());
        }
      }
      TlogProof built = TlogProof.build(run.reader, leaf.leafIndex(), head.note());
      TlogProof proof =
          new TlogProof(built.index(), built.auditPath(), built.checkpoint(), Optional.of(entry));
      MerkleVerifier.verifyInclusion(
          leaf.leafIndex(),
          head.checkpoint().size(),
          Rfc6962.leafHash(entry),
          proof.auditPath(),
          head.checkpoint().rootHash());
      return proof;
    } catch (TlogException | ProofException | IllegalArgumentException e) {
      throw new ProofUnavailableException(
          "the entry of decision "
              + leaf.decisionId()
              + " at "
              + run.origin
              + "#"
              + leaf.leafIndex()
              + " does not verify: "
              + e.getMessage());
    }
  }

  /**
   * The entry of a decision, proven included in its log's current checkpoint (under the trusted log
   * keys) and with referenced parts fetched and checked against their hashes: what replay reads
   * requests from once Kafka no longer has them.
   *
   * @throws ProofUnavailableException when it has no entry or the entry does not verify
   */
  public LogEntry verifiedEntry(String decisionId) {
    TlogProof proof = prove(decisionId);
    LeafRow leaf = index.leavesOf(List.of(decisionId)).get(0);
    LogRun run = new LogRun(leaf.logOrigin());
    try {
      return LogEntry.decode(proof.extra().orElseThrow())
          .resolve(
              hash ->
                  run.fetch(EntryObjects.path(hash))
                      .map(stored -> EntryObjects.decode(stored, hash))
                      .orElse(null));
    } catch (IllegalArgumentException e) {
      throw new ProofUnavailableException(
          "the entry of decision " + decisionId + " is unusable: " + e.getMessage());
    }
  }

  /**
   * @return the decision rows decided in {@code [from, to)}, by decision time
   */
  public List<LoggedDecision> decisionsInRange(Instant from, Instant to) {
    return rowsInScope(AuditScope.timeRange(from, to));
  }

  /**
   * @return the decision rows of a session, by decision time
   */
  public List<LoggedDecision> decisionsOfSession(String sessionId) {
    return rowsBySession(sessionId);
  }

  // ---------------------------------------------------------------- helpers

  /** Opens a signed checkpoint with the trusted log keys and checks its origin. */
  private Checkpoint open(byte[] note, String origin) {
    SignedNote.VerifiedNote verified = SignedNote.open(note, logKeys);
    if (logKeys.stream().noneMatch(verified::signedBy)) {
      throw new TlogException("not signed by a trusted log key");
    }
    Checkpoint cp = verified.checkpoint();
    if (!cp.origin().equals(origin)) {
      throw new TlogException("origin is '" + cp.origin() + "', expected '" + origin + "'");
    }
    return cp;
  }

  private LocalDate oldestPartitionDay() {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT min(child.relname) FROM pg_inherits i JOIN pg_class child "
                    + "ON child.oid = i.inhrelid WHERE i.inhparent = to_regclass('decision_log')");
        ResultSet rs = ps.executeQuery()) {
      if (rs.next() && rs.getString(1) != null) {
        return PartitionManager.dayOf(rs.getString(1)).orElse(null);
      }
      return null;
    } catch (SQLException e) {
      throw new DecisionLogException("listing decision_log partitions", e);
    }
  }

  private static final String ROWS =
      "SELECT "
          + DecisionLogReader.DECISION_COLUMNS
          + " FROM decision_log d JOIN pg_class c ON c.oid = d.tableoid WHERE ";

  private List<LoggedDecision> rowsInScope(AuditScope scope) {
    return switch (scope.kind()) {
      case ALL -> rows(ROWS + "true ORDER BY d.decided_at");
      case SESSION -> rowsBySession(scope.sessionId());
      case TIME_RANGE ->
          rows(
              ROWS
                  + "d.decided_on BETWEEN ? AND ? AND d.decided_at >= ? AND d.decided_at < ? "
                  + "ORDER BY d.decided_at",
              LocalDate.ofInstant(scope.from(), ZoneOffset.UTC),
              LocalDate.ofInstant(scope.to(), ZoneOffset.UTC),
              OffsetDateTime.ofInstant(scope.from(), ZoneOffset.UTC),
              OffsetDateTime.ofInstant(scope.to(), ZoneOffset.UTC));
    };
  }

  private List<LoggedDecision> rowsBySession(String sessionId) {
    return rows(ROWS + "d.session_id = ? ORDER BY d.decided_at, d.decision_id", sessionId);
  }

  private List<LoggedDecision> rowsByIds(Set<String> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    return rows(ROWS + "d.decision_id = ANY (?)", (Object) ids.toArray(String[]::new));
  }

  private List<LoggedDecision> rows(String sql, Object... params) {
    List<LoggedDecision> out = new ArrayList<>();
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        if (params[i] instanceof String[] array) {
          ps.setArray(i + 1, c.createArrayOf("text", array));
        } else {
          ps.setObject(i + 1, params[i]);
        }
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(DecisionLogReader.decisionRow(rs));
        }
      }
    } catch (SQLException e) {
      throw new DecisionLogException("reading decision_log", e);
    }
    return out;
  }

  /**
   * @return the instant this auditor's clock reads (reports)
   */
  Instant now() {
    return clock.instant();
  }
}
