package io.provability.fabric.topology.ops;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Liveness and readiness from the Kafka Streams state, fed by its state listener.
 *
 * <ul>
 *   <li>live: the process should not be restarted. False once Streams is ERROR, PENDING_ERROR or
 *       NOT_RUNNING (it will not recover by itself); true while it is starting, rebalancing or
 *       running.
 *   <li>ready: it should get traffic. Only in RUNNING, when the front door (if any) can answer and
 *       its sinks (if any) are healthy; not before the first start, nor while REBALANCING (its
 *       tasks are moving), nor when stopping.
 * </ul>
 */
public final class StreamsHealth implements KafkaStreams.StateListener {
  private final AtomicReference<KafkaStreams.State> state = new AtomicReference<>();
  private volatile BooleanSupplier frontDoorReady = () -> true;
  private volatile BooleanSupplier sinksHealthy = () -> true;
  private volatile Supplier<Object> sinksDetail = () -> null;

  @Override
  public void onChange(KafkaStreams.State newState, KafkaStreams.State oldState) {
    state.set(newState);
  }

  /** Adds the front door's readiness to this instance's readiness. */
  public void frontDoor(BooleanSupplier ready) {
    this.frontDoorReady = ready;
  }

  /**
   * Adds this instance's sinks to its readiness: an instance whose sink worker is kept out
   * (credentials rejected) or one of whose own sink tasks FAILED answers not ready, so that a load
   * balancer and an operator see which instance is broken.
   */
  public void sinks(BooleanSupplier healthy, Supplier<Object> detail) {
    this.sinksHealthy = healthy;
    this.sinksDetail = detail;
  }

  /**
   * @return the sinks' state for health bodies (a record serialised as JSON), or null without sinks
   */
  public Object sinksDetail() {
    try {
      return sinksDetail.get();
    } catch (RuntimeException e) {
      // a health probe answers, whatever state the sinks are in (stopped, half started)
      return Map.of("state", "unavailable", "detail", String.valueOf(e.getMessage()));
    }
  }

  /**
   * @return true if the sinks of this instance (if it runs any) are healthy
   */
  public boolean sinksHealthy() {
    try {
      return sinksHealthy.getAsBoolean();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The last state reported, or null before Kafka Streams was started. */
  public KafkaStreams.State state() {
    return state.get();
  }

  public boolean live() {
    KafkaStreams.State s = state.get();
    return s == null
        || !(s == KafkaStreams.State.ERROR
            || s == KafkaStreams.State.PENDING_ERROR
            || s == KafkaStreams.State.NOT_RUNNING);
  }

  public boolean ready() {
    return state.get() == KafkaStreams.State.RUNNING
        && frontDoorReady.getAsBoolean()
        && sinksHealthy();
  }

  /** The state's name for health bodies ({@code NOT_STARTED} before the first start). */
  public String stateName() {
    KafkaStreams.State s = state.get();
    return s == null ? "NOT_STARTED" : s.name();
  }
}
