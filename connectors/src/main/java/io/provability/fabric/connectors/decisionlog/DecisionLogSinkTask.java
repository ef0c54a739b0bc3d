package io.provability.fabric.connectors.decisionlog;

import io.provability.fabric.connectors.FabricSinkTask;
import io.provability.fabric.connectors.WriteCounter;
import io.provability.fabric.connectors.internal.BadRecords;
import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventDecodeException;
import io.provability.fabric.sinks.decisionlog.DecisionLog;
import io.provability.fabric.sinks.decisionlog.DecisionLogException;
import io.provability.fabric.sinks.decisionlog.DecisionLogWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes decisions to the decision log inside {@link #put}: when {@code put} returns, every
 * decision it was given is committed in PostgreSQL, so the offsets Connect commits afterwards never
 * run ahead of the data (at-least-once), and the primary key on the decision id turns the
 * redelivery after a crash into a no-op (no duplicates): {@code ON CONFLICT DO NOTHING} skips
 * stored rows, and in {@code COPY} mode a batch that meets one is rolled back and written that way
 * (see {@link DecisionLogWriter}).
 *
 * <p>A record whose value is not a decodable {@code Decision} goes to {@link BadRecords}. A
 * transient database failure becomes a {@link RetriableException}: Connect redelivers the same
 * records after {@code retry.backoff.ms}. Any other failure fails the task.
 */
public class DecisionLogSinkTask extends FabricSinkTask<DecisionLogSinkConfig> {

  private static final Logger LOG = LoggerFactory.getLogger(DecisionLogSinkTask.class);

  private final AtomicLong inserted = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  // where put() spends its time, logged at stop(): decoding the records vs writing them to
  // PostgreSQL
  private final AtomicLong puts = new AtomicLong();
  private final AtomicLong decodeNanos = new AtomicLong();
  private final AtomicLong writeNanos = new AtomicLong();
  private DecisionLog log;
  private EventCodec codec;
  private WriteCounter written;
  private boolean retrying;

  /** Used by Connect. */
  public DecisionLogSinkTask() {
    super(Clock.systemUTC(), "decision-log-sink", DecisionLogSinkConfig::new);
  }

  @Override
  protected void start(DecisionLogSinkConfig config, String name) {
    codec = EventCodec.standard().withSchemaIds(config.schemaIds());
    written = WriteCounter.of(context, "decision-log rows (new or already there)");
    try {
      log = DecisionLog.open(config.decisionLog(), clock());
    } catch (DecisionLogException e) {
      // Connect restarts failed tasks only on request; a clear message is what the operator sees
      throw new ConnectException(
          "decision-log sink cannot open the database: " + e.getMessage(), e);
    }
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    if (records.isEmpty()) {
      return;
    }
    long t0 = System.nanoTime();
    List<DecisionLogWriter.EncodedDecision> batch = new ArrayList<>(records.size());
    for (SinkRecord record : records) {
      consume(
          record, bytes -> batch.add(new DecisionLogWriter.EncodedDecision(decode(bytes), bytes)));
    }
    long t1 = System.nanoTime();
    decodeNanos.addAndGet(t1 - t0);
    puts.incrementAndGet();
    try {
      DecisionLogWriter.WriteResult result = log.writer().writeEncoded(batch);
      inserted.addAndGet(result.inserted());
      duplicates.addAndGet(result.duplicates());
      written.add(result.inserted() + result.duplicates());
      if (retrying) {
        retrying = false;
        LOG.info("decision-log sink writes again: the database is back");
      }
      if (result.duplicates() > 0) {
        LOG.debug(
            "{} of {} decisions were already in the log (redelivery)",
            result.duplicates(),
            result.attempted());
      }
    } catch (DecisionLogException e) {
      if (e.retriable() && !retrying) {
        retrying = true;
        // Connect also logs each redelivery; its logger is quietened in the log configuration
        LOG.warn(
            "decision-log sink cannot write ({}); expected while the database is unavailable: "
                + "the batch is redelivered every {} ms until it is back, nothing is lost",
            e.getMessage(),
            retryBackoffMs());
      }
      String failed = "writing " + batch.size() + " decisions failed";
      throw writeFailed(
          e, failed, backoff -> failed + "; Connect will redeliver them in " + backoff + " ms");
    } finally {
      writeNanos.addAndGet(System.nanoTime() - t1);
    }
  }

  private Decision decode(byte[] bytes) {
    try {
      return codec.decode(bytes, Decision.class);
    } catch (EventDecodeException e) {
      throw new DataException(
          "not a decodable Decision (" + e.reason() + "): " + e.getMessage(), e);
    }
  }

  @Override
  public void stop() {
    if (log != null) {
      log.close();
      log = null;
    }
    LOG.info(
        "decision-log sink task stopped: {} rows inserted, {} duplicates skipped, {} bad records; "
            + "{} put() calls spent {} ms decoding and {} ms writing",
        inserted.get(),
        duplicates.get(),
        badRecords(),
        puts.get(),
        TimeUnit.NANOSECONDS.toMillis(decodeNanos.get()),
        TimeUnit.NANOSECONDS.toMillis(writeNanos.get()));
  }

  /**
   * @return rows this task inserted
   */
  public long inserted() {
    return inserted.get();
  }

  /**
   * @return records already present in the log
   */
  public long duplicates() {
    return duplicates.get();
  }
}
