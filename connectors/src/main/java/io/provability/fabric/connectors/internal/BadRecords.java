package io.provability.fabric.connectors.internal;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes records a sink task cannot use (undecodable, inconsistent) according to the connector's
 * {@code errors.*} settings, through Connect's {@link ErrantRecordReporter}: with {@code
 * errors.tolerance=all} the record is skipped and, when {@code errors.deadletterqueue.topic.name}
 * is set, copied to that topic with the failure in its headers; with the default {@code
 * errors.tolerance=none} the reporter fails the task, as the operator asked.
 *
 * <p>On a Connect runtime without a reporter (older than 2.6) the record is logged and skipped.
 * Either way it is counted. Connect commits the offsets of reported records only once the
 * dead-letter copy is written.
 */
public final class BadRecords {

  private static final Logger LOG = LoggerFactory.getLogger(BadRecords.class);

  private final ErrantRecordReporter reporter;
  private final String connector;
  private final AtomicLong count = new AtomicLong();

  private BadRecords(ErrantRecordReporter reporter, String connector) {
    this.reporter = reporter;
    this.connector = connector;
  }

  /**
   * @param context the task's context
   * @param connector connector name for log lines
   * @return a router using the context's reporter when the runtime has one
   */
  public static BadRecords from(SinkTaskContext context, String connector) {
    ErrantRecordReporter reporter;
    try {
      reporter = context.errantRecordReporter();
    } catch (NoSuchMethodError | NoClassDefFoundError e) {
      reporter = null; // Connect runtime older than 2.6
    }
    if (reporter == null) {
      LOG.warn(
          "{}: this Connect runtime has no errant-record reporter; bad records will be logged and skipped",
          connector);
    }
    return new BadRecords(reporter, connector);
  }

  /**
   * Reports one bad record.
   *
   * @param record the record
   * @param error why it cannot be used
   */
  public void report(SinkRecord record, Throwable error) {
    count.incrementAndGet();
    LOG.warn(
        "{}: skipping record {}-{}@{}: {}",
        connector,
        record.topic(),
        record.kafkaPartition(),
        record.kafkaOffset(),
        error.getMessage());
    if (reporter != null) {
      // the future completes when the DLQ copy is written; Connect waits for it before committing
      // offsets
      reporter.report(record, error);
    }
  }

  /**
   * @return bad records seen by this task
   */
  public long count() {
    return count.get();
  }
}
