package io.provability.fabric.load;

import io.provability.fabric.events.Verdict;
import io.provability.fabric.topology.traffic.LoadTraffic;
import java.util.List;

/**
 * How requests reach the fabric and decisions come back. {@link KafkaTransport} produces to the
 * requests topic and reads the decisions topic; {@link HttpTransport} POSTs to the front door and
 * reads each decision from its response.
 *
 * <p>Contract: {@link #send} never blocks on the reply (the generator is open-loop), and every
 * outcome — a decision or a failure to send — is reported to the {@link Listener} exactly as it
 * happens, from whatever thread the transport uses. A transport reports every decision it sees,
 * duplicates included; deciding what is a duplicate is the generator's job.
 */
public interface Transport extends AutoCloseable {
  /** Receives outcomes; called from the transport's threads, so implementations are thread-safe. */
  interface Listener {
    /**
     * A decision arrived.
     *
     * @param requestId the request it answers
     * @param verdict its verdict
     * @param reasonCodes its reason codes, in order
     * @param decidedAtMillis the decision's {@code decided_at} (epoch milliseconds, stamped by the
     *     instance that decided it), or -1 when the transport does not see it
     * @param arrivedNanos {@link System#nanoTime()} when it arrived
     */
    void decided(
        String requestId,
        Verdict verdict,
        List<String> reasonCodes,
        long decidedAtMillis,
        long arrivedNanos);

    /** A request could not be sent (or its send was not acknowledged). */
    void sendFailed(LoadTraffic.LoadRequest request, Exception cause);
  }

  /**
   * Starts delivering outcomes to {@code listener}; only decisions made from now on need to be
   * seen.
   */
  void start(Listener listener) throws Exception;

  /** Sends one request, asynchronously. */
  void send(LoadTraffic.LoadRequest request);

  /** Pushes out anything buffered (called when the sender has nothing due). */
  default void flush() {}

  /** A short name for reports ({@code kafka}, {@code http}). */
  String name();

  @Override
  void close();
}
