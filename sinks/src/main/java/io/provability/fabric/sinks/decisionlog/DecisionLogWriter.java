package io.provability.fabric.sinks.decisionlog;

import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.sinks.decisionlog.internal.DecisionRows;
import io.provability.fabric.sinks.decisionlog.internal.Transactions;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Writes decisions into {@code decision_log}, idempotently on the decision id.
 *
 * <p>Rows go in batches of at most {@link DecisionLogConfig#batchSize()}, each batch one
 * transaction. The primary key is {@code (decided_on, decision_id)} and a replayed decision carries
 * the same id and {@code decided_at}, so the key is what makes writes idempotent:
 *
 * <ul>
 *   <li>{@link DecisionLogConfig.WriteMode#MULTI_ROW_INSERT}: one {@code INSERT ... VALUES (...),
 *       (...) ON CONFLICT DO NOTHING} per batch; writing a row again inserts nothing.
 *   <li>{@link DecisionLogConfig.WriteMode#COPY}: the batch is first {@code COPY}ed straight into
 *       {@code decision_log} (PostgreSQL's bulk path, which inserts many rows per heap operation).
 *       A batch that holds a decision already in the log, or the same decision twice, makes the
 *       COPY fail with a unique violation; the transaction is rolled back and the batch is written
 *       again with the {@code ON CONFLICT DO NOTHING} insert, as are the remaining batches of the
 *       same call (replays come in runs: a redelivered {@code put()}).
 * </ul>
 *
 * When a call returns, every row of the call is committed; a caller that commits Kafka offsets only
 * afterwards gets at-least-once delivery without duplicates. With {@link
 * DecisionLogConfig#writeConcurrency()} above 1 the batches of one call are written by that many
 * threads at once, each on its own pooled connection (the order of rows in the table carries no
 * meaning), so that building one batch overlaps with PostgreSQL writing another; the call still
 * returns only when every batch has finished.
 *
 * <p>Missing day partitions are created before each batch (see {@link PartitionManager}), so no
 * decision is rejected for its date. Thread-safe: each batch borrows its own pooled connection.
 */
public final class DecisionLogWriter {

  /** Columns in statement order; {@code logged_at} is left to its default. */
  static final List<String> COLUMNS =
      List.of(
          "decided_on",
          "decision_id",
          "request_id",
          "session_id",
          "tenant",
          "subject_id",
          "kind",
          "verdict",
          "reason_codes",
          "reasons",
          "matched_capabilities",
          "token_id",
          "policy_version",
          "decided_at",
          "eval_micros",
          "request_hash",
          "event");

  private static final String COLUMN_LIST = String.join(", ", COLUMNS);

  /**
   * SQLState 23505: a COPY met a key that is already there (a replay, or a duplicate inside the
   * batch).
   */
  private static final String UNIQUE_VIOLATION = "23505";

  /**
   * SQLState 23514 with this text: the row's day has no partition (dropped meanwhile by another
   * process).
   */
  private static final String NO_PARTITION = "no partition of relation";

  private final DataSource dataSource;
  private final PartitionManager partitions;
  private final EventCodec codec;
  private final int batchSize;
  private final DecisionLogConfig.WriteMode mode;
  private final String fullBatchInsert;
  private final String copySql;
  private final int concurrency;
  private final ExecutorService batchWriters;

  /**
   * A decision together with the exact bytes it travelled as; the bytes are stored in the {@code
   * event} column so the row can be checked against the evidence leaf holding the same bytes.
   *
   * @param decision the decoded decision
   * @param event its Avro single-object encoding
   */
  public record EncodedDecision(Decision decision, byte[] event) {
    /** Both parts are required. */
    public EncodedDecision {
      Objects.requireNonNull(decision, "decision");
      Objects.requireNonNull(event, "event");
    }
  }

  /**
   * Outcome of one write call.
   *
   * @param attempted rows handed in
   * @param inserted rows that were new; the rest were already in the log
   * @param batches statements executed
   */
  public record WriteResult(int attempted, int inserted, int batches) {
    /**
     * @return rows that were already present (replays, retries)
     */
    public int duplicates() {
      return attempted - inserted;
    }
  }

  DecisionLogWriter(
      DataSource dataSource,
      PartitionManager partitions,
      EventCodec codec,
      int batchSize,
      DecisionLogConfig.WriteMode mode,
      int concurrency,
      ExecutorService batchWriters) {
    this.dataSource = dataSource;
    this.partitions = partitions;
    this.codec = codec;
    this.batchSize = batchSize;
    this.mode = mode;
    this.fullBatchInsert = insertSql(batchSize);
    this.copySql = "COPY decision_log (" + COLUMN_LIST + ") FROM STDIN WITH (FORMAT csv)";
    this.concurrency = batchWriters == null ? 1 : concurrency;
    this.batchWriters = batchWriters;
  }

  /**
   * Encodes each decision with the standard codec and writes it.
   *
   * @param decisions decisions in any order; duplicates are allowed
   * @return how many rows were new
   * @throws DecisionLogException when a batch cannot be written ({@link
   *     DecisionLogException#retriable()} says whether trying again may help); earlier batches stay
   *     committed
   */
  public WriteResult write(List<Decision> decisions) {
    List<EncodedDecision> encoded = new ArrayList<>(decisions.size());
    for (Decision d : decisions) {
      encoded.add(new EncodedDecision(d, codec.encode(d)));
    }
    return writeEncoded(encoded);
  }

  /**
   * Writes decisions whose encoded bytes the caller already holds (a sink reading them from Kafka).
   *
   * @param decisions decisions with their single-object bytes
   * @return how many rows were new
   * @throws DecisionLogException when a batch cannot be written; earlier batches stay committed
   */
  public WriteResult writeEncoded(List<EncodedDecision> decisions) {
    List<List<EncodedDecision>> batches = new ArrayList<>();
    for (int from = 0; from < decisions.size(); from += batchSize) {
      batches.add(decisions.subList(from, Math.min(decisions.size(), from + batchSize)));
    }
    CallState call = new CallState(batches, mode == DecisionLogConfig.WriteMode.COPY);
    int helpers = Math.min(concurrency, batches.size()) - 1;
    List<Future<?>> running = new ArrayList<>(helpers);
    for (int i = 0; i < helpers; i++) {
      try {
        running.add(batchWriters.submit(call::drain));
      } catch (RejectedExecutionException closed) {
        break; // the log is closing: the caller's thread writes what is left
      }
    }
    call.drain();
    for (Future<?> f : running) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        call.fail(
            new DecisionLogException("interrupted while batches were being written", e, true));
      } catch (ExecutionException e) {
        call.fail(e.getCause());
      }
    }
    call.rethrow();
    return new WriteResult(decisions.size(), call.inserted.get(), call.statements.get());
  }

  /** The batches of one write call, taken in turn by the caller's thread and the helper threads. */
  private final class CallState {
    private final List<List<EncodedDecision>> batches;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger inserted = new AtomicInteger();
    private final AtomicInteger statements = new AtomicInteger();
    // COPY until a batch meets a stored key; then INSERT ... ON CONFLICT for the rest of the call
    private final AtomicBoolean copy;
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    CallState(List<List<EncodedDecision>> batches, boolean copy) {
      this.batches = batches;
      this.copy = new AtomicBoolean(copy);
    }

    void drain() {
      try {
        for (int i = next.getAndIncrement();
            i < batches.size() && failures.isEmpty();
            i = next.getAndIncrement()) {
          List<EncodedDecision> batch = batches.get(i);
          int n = writeBatch(batch, copy.get());
          if (n < 0) {
            copy.set(false);
            statements.incrementAndGet();
            n = writeBatch(batch, false);
          }
          inserted.addAndGet(n);
          statements.incrementAndGet();
        }
      } catch (RuntimeException | Error e) {
        // stops the other threads from starting more batches; the call reports the failure
        fail(e);
      }
    }

    void fail(Throwable t) {
      failures.add(t);
    }

    void rethrow() {
      if (failures.isEmpty()) {
        return;
      }
      Throwable first = failures.get(0);
      for (Throwable other : failures.subList(1, failures.size())) {
        first.addSuppressed(other);
      }
      if (first instanceof RuntimeException r) {
        throw r;
      }
      if (first instanceof Error e) {
        throw e;
      }
      throw new DecisionLogException("writing decisions failed", first, false);
    }
  }

  /**
   * @return rows inserted, or -1 when {@code copy} was asked for and the batch holds a known key
   */
  private int writeBatch(List<EncodedDecision> batch, boolean copy) {
    Set<LocalDate> days = new TreeSet<>();
    for (EncodedDecision d : batch) {
      days.add(dayOf(d.decision()));
    }
    partitions.ensurePartitions(days);
    try {
      return insert(batch, copy);
    } catch (SQLException e) {
      if (e.getMessage() != null && e.getMessage().contains(NO_PARTITION)) {
        // another process's retention dropped a partition our cache still believed in
        partitions.invalidate();
        partitions.ensurePartitions(days);
        try {
          return insert(batch, copy);
        } catch (SQLException again) {
          throw new DecisionLogException("writing " + batch.size() + " decisions failed", again);
        }
      }
      throw new DecisionLogException("writing " + batch.size() + " decisions failed", e);
    }
  }

  private int insert(List<EncodedDecision> batch, boolean copy) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        int n = copy ? copy(c, batch) : multiRowInsert(c, batch);
        c.commit();
        return n;
      } catch (SQLException e) {
        Transactions.rollbackAfter(c, e);
        if (copy && UNIQUE_VIOLATION.equals(e.getSQLState())) {
          return -1;
        }
        throw e;
      } catch (RuntimeException e) {
        Transactions.rollbackAfter(c, e);
        throw e;
      }
    }
  }

  private int multiRowInsert(Connection c, List<EncodedDecision> batch) throws SQLException {
    String sql = batch.size() == batchSize ? fullBatchInsert : insertSql(batch.size());
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int p = 1;
      for (EncodedDecision e : batch) {
        Decision d = e.decision();
        ps.setObject(p++, dayOf(d));
        ps.setString(p++, d.getDecisionId());
        ps.setString(p++, d.getRequestId());
        ps.setString(p++, d.getSessionId());
        ps.setString(p++, d.getTenant());
        ps.setString(p++, d.getSubjectId());
        ps.setString(p++, d.getKind().name());
        ps.setString(p++, d.getVerdict().name());
        ps.setArray(p++, c.createArrayOf("text", DecisionRows.reasonCodes(d)));
        ps.setString(p++, DecisionRows.reasonsJson(d));
        ps.setArray(
            p++, c.createArrayOf("text", d.getMatchedCapabilities().toArray(new String[0])));
        ps.setString(p++, d.getTokenId());
        ps.setLong(p++, d.getPolicyVersion());
        ps.setObject(p++, d.getDecidedAt().atOffset(ZoneOffset.UTC));
        ps.setLong(p++, d.getEvalMicros());
        ps.setBytes(p++, Bytes.toArray(d.getRequestHash()));
        ps.setBytes(p++, e.event());
      }
      return ps.executeUpdate();
    }
  }

  private int copy(Connection c, List<EncodedDecision> batch) throws SQLException {
    StringBuilder csv = new StringBuilder(batch.size() * 1_536);
    for (EncodedDecision e : batch) {
      DecisionRows.appendCsv(csv, dayOf(e.decision()), e.decision(), e.event());
    }
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    try {
      return Math.toIntExact(copy.copyIn(copySql, new StringReader(csv.toString())));
    } catch (IOException io) {
      throw new SQLException("COPY into decision_log failed", "08000", io);
    }
  }

  private static String insertSql(int rows) {
    String row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?, ?, ?, ?, ?, ?)";
    StringBuilder sb = new StringBuilder(64 + rows * (row.length() + 2));
    sb.append("INSERT INTO decision_log (").append(COLUMN_LIST).append(") VALUES ");
    for (int i = 0; i < rows; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(row);
    }
    return sb.append(" ON CONFLICT DO NOTHING").toString();
  }

  /** The partition day of a decision: the UTC date of {@code decided_at}. */
  static LocalDate dayOf(Decision d) {
    return LocalDate.ofInstant(d.getDecidedAt(), ZoneOffset.UTC);
  }
}
