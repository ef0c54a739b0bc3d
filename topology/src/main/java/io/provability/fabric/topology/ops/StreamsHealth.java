package io.provability.fabric.topology.ops;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Liveness and readiness from the Kafka Streams state, fed by its state listener.
 *
 * <ul>
 *   <li>live: the process should not be restarted. False once Streams is ERROR, PENDING_ERROR or
 *       NOT_RUNNING (it will not recover by itself); true while it is starting, rebalancing or running.
 *   <li>ready: it should get traffic. Only in RUNNING and when the front door (if any) can answer;
 *       not before the first start, nor while REBALANCING (its tasks are moving), nor when stopping.
 * </ul>
 */
public final class StreamsHealth implements KafkaStreams.StateListener {
  private final AtomicReference<KafkaStreams.State> state = new AtomicReference<>();
  private volatile BooleanSupplier frontDoorReady = () -> true;

  @Override
  public void onChange(KafkaStreams.State newState, KafkaStreams.State oldState) {
    state.set(newState);
  }

  /** Adds the front door's readiness to this instance's readiness. */
  public void frontDoor(BooleanSupplier ready) {
    this.frontDoorReady = ready;
  }

  /** The last state reported, or null before Kafka Streams was started. */
  public KafkaStreams.State state() {
    return state.get();
  }

  public boolean live() {
    KafkaStreams.State s = state.get();
    return s == null || !(s == KafkaStreams.State.ERROR || s == KafkaStreams.State.PENDING_ERROR
        || s == KafkaStreams.State.NOT_RUNNING);
  }

  public boolean ready() {
    return state.get() == KafkaStreams.State.RUNNING && frontDoorReady.getAsBoolean();
  }

  /** The state's name for health bodies ({@code NOT_STARTED} before the first start). */
  public String stateName() {
    KafkaStreams.State s = state.get();
    return s == null ? "NOT_STARTED" : s.name();
  }
}
