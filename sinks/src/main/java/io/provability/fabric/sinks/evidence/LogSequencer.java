package io.provability.fabric.sinks.evidence;

import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.tlog.Checkpoint;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.schemas.tlog.SignedNote;
import io.provability.fabric.schemas.tlog.TileLogAppender;
import io.provability.fabric.schemas.tlog.TlogPaths;
import io.provability.fabric.sinks.decisionlog.EvidenceLogIndex;
import io.provability.fabric.sinks.decisionlog.EvidenceLogIndex.CheckpointRow;
import io.provability.fabric.sinks.decisionlog.EvidenceLogIndex.LeafRow;
import io.provability.fabric.sinks.evidence.internal.EntryObjects;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.DoubleConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of one evidence log: integrates the entries of one evidence-topic partition, in
 * offset order, into a C2SP tiled log and publishes signed checkpoints.
 *
 * <p><b>Exactly one writer.</b> The log belongs to a partition, and Kafka gives a partition to one
 * consumer of the group at a time; a sequencer exists only while its task owns the partition. No
 * other coordination is written here.
 *
 * <p><b>A publish</b>, in this order: (1) the new entries are appended in memory, giving the tiles,
 * entry bundles and large-entry objects to write; (2) those objects are written (all immutable, so
 * a retry or a restarted sequencer writes the same bytes at the same paths); (3) the checkpoint is
 * signed; (4) the checkpoint row, with the Kafka offset after its last entry, and the leaf rows of
 * its decisions are committed to PostgreSQL in one transaction; (5) {@code <prefix>/checkpoint} is
 * replaced. The log is durable at (4). A failure before (4) leaves the batch staged and the same
 * bytes are written again on the next attempt; a crash before (4) restarts from the last recorded
 * checkpoint and its offset, re-reads the same records (read_committed, offset order) and so
 * appends the same entries: no gap, no duplicate. A crash between (4) and (5) is repaired at the
 * next start, which re-publishes the recorded checkpoint.
 *
 * <p><b>Whole tiles on the timer.</b> {@link #publishDue()} (the interval's publish) stops the
 * checkpoint at the last full tile when the waiting entries complete at least one: a checkpoint at
 * a multiple of 256 needs no partial entry bundle and no partial level-0 tile, so at 1,000
 * entries/s it saves two of every twelve object writes. The entries past that tile boundary are the
 * newest (fewer than 256) and go into the next interval's checkpoint, so no entry waits more than
 * two intervals. {@link #publish()} (a stop, a full buffer) publishes everything.
 *
 * <p>Not thread-safe: the owner serialises calls.
 */
public final class LogSequencer {
  private static final Logger LOG = LoggerFactory.getLogger(LogSequencer.class);

  private final String origin;
  private final String prefix;
  private final String topic;
  private final int partition;
  private final EvidenceStore store;
  private final EvidenceLogIndex index;
  private final NoteSigner signer;
  private final Clock clock;
  private final ExecutorService writers;
  private final DoubleConsumer lagSeconds;
  private final EventCodec codec = EventCodec.standard();
  private final TileLogAppender appender;

  /** Entries read but not yet appended, with what their rows and metrics need. */
  private final List<byte[]> pendingEntries = new ArrayList<>();

  private final List<Pending> pending = new ArrayList<>();
  private long pendingNextOffset;

  /** A batch appended but not yet recorded (a failed publish), retried as is. */
  private Staged staged;

  /** Offset of the first record not in a recorded checkpoint. */
  private long committedOffset;

  private long committedSize;
  private Instant lastPublish;
  private long published;

  private record Pending(LeafRow row, Instant decidedAt, long nextOffset) {}

  private record Staged(
      Map<String, byte[]> writes,
      long size,
      byte[] root,
      byte[] note,
      long nextOffset,
      List<Pending> leaves) {}

  private LogSequencer(
      String origin,
      String prefix,
      String topic,
      int partition,
      EvidenceStore store,
      EvidenceLogIndex index,
      NoteSigner signer,
      Clock clock,
      ExecutorService writers,
      DoubleConsumer lagSeconds,
      TileLogAppender appender,
      long nextOffset) {
    this.origin = origin;
    this.prefix = prefix;
    this.topic = topic;
    this.partition = partition;
    this.store = store;
    this.index = index;
    this.signer = signer;
    this.clock = clock;
    this.writers = writers;
    this.lagSeconds = lagSeconds;
    this.appender = appender;
    this.committedOffset = nextOffset;
    this.pendingNextOffset = nextOffset;
    this.committedSize = appender.size();
    this.lastPublish = clock.instant();
  }

  /**
   * Opens the sequencer of one partition's log where its last recorded checkpoint left it: the
   * appender is rebuilt from the stored tiles, and {@code <prefix>/checkpoint} is re-published if
   * it is missing or older than the recorded one.
   *
   * @param writers threads that write a batch's objects in parallel
   * @param lagSeconds receives, at each publish, the seconds from each decision's decided_at to the
   *     checkpoint that includes it
   * @return the sequencer; {@link #nextOffset()} is where reading must resume
   * @throws EvidenceStoreException or {@code DecisionLogException} when S3 or PostgreSQL fail
   */
  public static LogSequencer open(
      EvidenceLogs logs,
      String topic,
      int partition,
      EvidenceStore store,
      EvidenceLogIndex index,
      NoteSigner signer,
      Clock clock,
      ExecutorService writers,
      DoubleConsumer lagSeconds) {
    String origin = logs.origin(partition);
    String prefix = logs.prefix(partition);
    Optional<CheckpointRow> last = index.latest(origin);
    long size = last.map(CheckpointRow::size).orElse(0L);
    long offset = last.map(CheckpointRow::nextOffset).orElse(0L);
    TileLogAppender appender =
        size == 0
            ? new TileLogAppender()
            : TileLogAppender.resume(size, path -> store.get(prefix + "/" + path).orElse(null));
    if (last.isPresent() && !Arrays.equals(appender.root(), last.get().root())) {
      throw new IllegalStateException(
          "evidence log "
              + origin
              + ": the stored tiles give root "
              + Hex.encode(appender.root())
              + " at size "
              + size
              + " but the recorded checkpoint says "
              + Hex.encode(last.get().root())
              + "; refusing to append to a log that does not match its checkpoint");
    }
    LogSequencer s =
        new LogSequencer(
            origin,
            prefix,
            topic,
            partition,
            store,
            index,
            signer,
            clock,
            writers,
            lagSeconds,
            appender,
            offset);
    if (last.isPresent()) {
      String key = prefix + "/" + TlogPaths.checkpoint();
      Optional<byte[]> published = store.get(key);
      if (published.isEmpty() || !Arrays.equals(published.get(), last.get().note())) {
        store.put(key, last.get().note());
        LOG.info("evidence log {}: re-published the recorded checkpoint of size {}", origin, size);
      }
    }
    LOG.info(
        "evidence log {} opened at size {}, reading {}-{} from offset {}",
        origin,
        size,
        topic,
        partition,
        offset);
    return s;
  }

  /**
   * Takes one record of the partition. Records below {@link #nextOffset()} are already in the log
   * (a redelivery) and are skipped.
   *
   * @param offset the record's offset
   * @param value the inline entry the decider produced
   * @return false when the record was skipped as already integrated
   * @throws IllegalArgumentException when the value is not an entry of a decodable decision (the
   *     caller reports the record as bad; the log is unchanged)
   */
  public boolean add(long offset, byte[] value) {
    if (offset < pendingNextOffset) {
      return false;
    }
    LogEntry inline = LogEntry.decode(value);
    if (inline.decisionIsReference() || inline.requestIsReference()) {
      throw new IllegalArgumentException(
          "the evidence record holds references; the decider emits inline entries");
    }
    Decision decision;
    try {
      decision = codec.decode(inline.decisionBytes(), Decision.class);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "the entry's decision does not decode: " + e.getMessage(), e);
    }
    // the appender already holds a staged batch's entries
    long leafIndex = appender.size() + pendingEntries.size();
    pendingEntries.add(value);
    Instant decidedAt = decision.getDecidedAt();
    pending.add(
        new Pending(
            new LeafRow(
                LocalDate.ofInstant(decidedAt, ZoneOffset.UTC),
                decision.getDecisionId(),
                origin,
                leafIndex),
            decidedAt,
            offset + 1));
    pendingNextOffset = offset + 1;
    return true;
  }

  /**
   * Records a position reached without an entry (e.g. a skipped bad record), so it is not re-read.
   */
  public void skip(long offset) {
    if (offset >= pendingNextOffset) {
      pendingNextOffset = offset + 1;
    }
  }

  /**
   * @return true when entries wait and the interval since the last publish has passed (or a publish
   *     failed)
   */
  public boolean due(Duration interval) {
    return staged != null
        || (!pendingEntries.isEmpty() && !clock.instant().isBefore(lastPublish.plus(interval)));
  }

  /**
   * @return true when nothing waits to be published
   */
  public boolean idle() {
    return staged == null && pendingEntries.isEmpty() && pendingNextOffset == committedOffset;
  }

  /**
   * Integrates what was read and publishes a checkpoint; does nothing when nothing waits.
   *
   * @throws EvidenceStoreException or {@code DecisionLogException} when a write fails: the batch
   *     stays staged and the next call writes the same bytes again
   */
  public void publish() {
    publish(pendingEntries.size());
  }

  /**
   * The interval's publish: like {@link #publish()}, but when the waiting entries complete at least
   * one tile, the checkpoint stops at the last full tile and the newer entries wait for the next
   * interval.
   */
  public void publishDue() {
    long size = appender.size();
    long boundary = (size + pendingEntries.size()) / TlogPaths.TILE_WIDTH * TlogPaths.TILE_WIDTH;
    publish(boundary > size ? (int) (boundary - size) : pendingEntries.size());
  }

  /**
   * Publishes a staged batch if there is one (as staged), else the first {@code entries} waiting.
   */
  private void publish(int entries) {
    if (staged == null) {
      if (pendingEntries.isEmpty()) {
        // only skipped records: nothing to log; a restart re-reads and skips them again
        committedOffset = pendingNextOffset;
        return;
      }
      staged = stage(entries);
    }
    Staged s = staged;
    writeAll(s.writes());
    Instant now = clock.instant();
    index.record(
        new CheckpointRow(
            origin, s.size(), s.root(), s.note(), topic, partition, s.nextOffset(), now),
        s.leaves().stream().map(Pending::row).toList());
    store.put(prefix + "/" + TlogPaths.checkpoint(), s.note());
    staged = null;
    committedOffset = s.nextOffset();
    committedSize = s.size();
    lastPublish = now;
    published++;
    for (Pending p : s.leaves()) {
      lagSeconds.accept(Math.max(0, now.toEpochMilli() - p.decidedAt().toEpochMilli()) / 1000.0);
    }
  }

  private Staged stage(int count) {
    Map<String, byte[]> writes = new LinkedHashMap<>();
    List<byte[]> batch = pendingEntries.subList(0, count);
    List<Pending> leaves = pending.subList(0, count);
    List<byte[]> entries = new ArrayList<>(count);
    for (byte[] value : batch) {
      LogEntry inline = LogEntry.decode(value);
      LogEntry forLog = inline.forLog();
      if (forLog.requestIsReference()) {
        writes.put(
            EntryObjects.path(forLog.requestReference()),
            EntryObjects.encode(inline.requestBytes()));
      }
      if (forLog.decisionIsReference()) {
        writes.put(
            EntryObjects.path(forLog.decisionReference()),
            EntryObjects.encode(inline.decisionBytes()));
      }
      entries.add(forLog == inline ? value : forLog.encode());
    }
    TileLogAppender.AppendResult result = appender.append(entries);
    writes.putAll(result.writes());
    Checkpoint checkpoint = result.checkpoint(origin);
    byte[] note = SignedNote.sign(checkpoint.body(), signer).encode();
    // all entries: past any skipped records after the last one; a part: just past its last entry
    long nextOffset =
        count == pendingEntries.size() ? pendingNextOffset : leaves.get(count - 1).nextOffset();
    Staged s =
        new Staged(writes, result.size(), result.root(), note, nextOffset, List.copyOf(leaves));
    batch.clear();
    leaves.clear();
    return s;
  }

  private void writeAll(Map<String, byte[]> writes) {
    List<Future<?>> futures = new ArrayList<>(writes.size());
    for (Map.Entry<String, byte[]> w : writes.entrySet()) {
      String key = prefix + "/" + w.getKey();
      byte[] bytes = w.getValue();
      futures.add(writers.submit(() -> store.put(key, bytes)));
    }
    RuntimeException failure = null;
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (failure == null) {
          failure =
              e.getCause() instanceof RuntimeException r
                  ? r
                  : new EvidenceStoreException("writing a log object failed", e.getCause(), true);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EvidenceStoreException("interrupted while writing log objects", e, true);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * @return the offset of the first record not yet read into this sequencer (where reading resumes)
   */
  public long nextOffset() {
    return pendingNextOffset;
  }

  /**
   * @return the offset of the first record not in a recorded checkpoint (safe to commit to Kafka)
   */
  public long committedOffset() {
    return committedOffset;
  }

  /**
   * @return the size of the last recorded checkpoint
   */
  public long size() {
    return committedSize;
  }

  /**
   * @return checkpoints published by this sequencer
   */
  public long checkpointsPublished() {
    return published;
  }

  /**
   * @return the log's origin
   */
  public String origin() {
    return origin;
  }

  @Override
  public String toString() {
    return "LogSequencer["
        + origin
        + " size "
        + committedSize
        + ", "
        + pendingEntries.size()
        + " pending"
        + (staged == null ? "" : ", a staged batch of size " + staged.size())
        + "]";
  }
}
