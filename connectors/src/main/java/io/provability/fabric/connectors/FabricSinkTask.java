package io.provability.fabric.connectors;

import io.provability.fabric.connectors.internal.BadRecords;
import io.provability.fabric.connectors.internal.ConnectorVersion;
import io.provability.fabric.connectors.internal.RecordValues;
import io.provability.fabric.sinks.decisionlog.DecisionLogException;
import io.provability.fabric.sinks.evidence.EvidenceStoreException;
import java.time.Clock;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * The skeleton both sink tasks share: parsing the configuration at start, routing records whose
 * value cannot be used to {@link BadRecords}, and turning a failed write into a {@link
 * RetriableException} (Connect redelivers the same records after {@code retry.backoff.ms}) when the
 * failure is transient, or into a {@link ConnectException} that fails the task otherwise.
 *
 * @param <C> the connector's configuration
 */
public abstract class FabricSinkTask<C extends FabricSinkConfig> extends SinkTask {

  private final Clock clock;
  private final String defaultName;
  private final Function<Map<String, String>, C> parser;
  private BadRecords badRecords;
  private long retryBackoffMs;

  /**
   * @param clock the task's source of time
   * @param defaultName the connector name in log lines when the properties have none
   * @param parser parses the task's properties
   */
  protected FabricSinkTask(
      Clock clock, String defaultName, Function<Map<String, String>, C> parser) {
    this.clock = clock;
    this.defaultName = defaultName;
    this.parser = parser;
  }

  /** Consumes the bytes of a record's value. */
  @FunctionalInterface
  protected interface ValueConsumer {
    /**
     * @param bytes the value
     * @throws DataException when the value is not what the task expects
     */
    void accept(byte[] bytes);
  }

  @Override
  public String version() {
    return ConnectorVersion.get();
  }

  @Override
  public final void start(Map<String, String> props) {
    C config = parser.apply(props);
    retryBackoffMs = config.retryBackoffMs();
    String name = props.getOrDefault("name", defaultName);
    badRecords = BadRecords.from(context, name);
    start(config, name);
  }

  /**
   * Opens what the task writes to.
   *
   * @param config the parsed properties
   * @param name the connector's name
   */
  protected abstract void start(C config, String name);

  /**
   * @return the task's source of time
   */
  protected final Clock clock() {
    return clock;
  }

  /**
   * @return backoff before a redelivery after a transient failure
   */
  protected final long retryBackoffMs() {
    return retryBackoffMs;
  }

  /**
   * Hands a record's value bytes to {@code consumer}; a value that is not bytes, or that the
   * consumer rejects with a {@link DataException}, routes the record to {@link BadRecords}.
   *
   * @param record the record
   * @param consumer what uses the value
   * @return whether the value was used
   */
  protected final boolean consume(SinkRecord record, ValueConsumer consumer) {
    return consume(record, consumer, () -> {});
  }

  /**
   * {@link #consume(SinkRecord, ValueConsumer)}, running {@code rejected} before a rejected record
   * is reported.
   *
   * @param record the record
   * @param consumer what uses the value
   * @param rejected what to do first when the record is bad
   * @return whether the value was used
   */
  protected final boolean consume(SinkRecord record, ValueConsumer consumer, Runnable rejected) {
    try {
      consumer.accept(RecordValues.bytes(record));
      return true;
    } catch (DataException e) {
      rejected.run();
      badRecords.report(record, e);
      return false;
    }
  }

  /**
   * @param e a failure of the decision log or the evidence store
   * @return whether it is transient (a redelivery may succeed)
   */
  protected static boolean retriable(RuntimeException e) {
    return e instanceof EvidenceStoreException s
        ? s.retriable()
        : e instanceof DecisionLogException d && d.retriable();
  }

  /**
   * The exception a failed write ends {@code put} with: a transient failure asks Connect to
   * redeliver after {@code retry.backoff.ms}; any other fails the task.
   *
   * @param cause the failure
   * @param message what failed
   * @param retryMessage what failed and when it is retried, given the backoff in ms
   * @return a {@link RetriableException} or a {@link ConnectException} to throw
   */
  protected final ConnectException writeFailed(
      RuntimeException cause, String message, LongFunction<String> retryMessage) {
    if (retriable(cause)) {
      context.timeout(retryBackoffMs);
      return new RetriableException(retryMessage.apply(retryBackoffMs), cause);
    }
    return new ConnectException(message, cause);
  }

  /**
   * @return records routed as bad
   */
  public long badRecords() {
    return badRecords == null ? 0 : badRecords.count();
  }
}
