package io.provability.fabric.topology;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.Decision;
import org.apache.kafka.common.header.Headers;

/**
 * Sees every decision and dead letter the topology emits, on the stream thread, just before they
 * are written. Used for metrics; it must be cheap and must not throw.
 *
 * <p>Under exactly-once a task whose transaction aborts re-processes its records, so an observer
 * can see a record more than once; the topics themselves hold it once.
 */
public interface DecisionObserver {
  /** Observes nothing. */
  DecisionObserver NONE =
      new DecisionObserver() {
        @Override
        public void onDecision(Decision decision, long requestTimestamp, long nowMs) {}

        @Override
        public void onDeadLetter(DeadLetter letter) {}
      };

  /**
   * @param requestTimestamp the request record's timestamp (its {@code requested_at} as produced)
   * @param nowMs the stream time source's wall clock when the decision left the decider
   */
  void onDecision(Decision decision, long requestTimestamp, long nowMs);

  void onDeadLetter(DeadLetter letter);

  /**
   * The decision record about to be written, with its Kafka headers (carried over from its request
   * record), which the observer may change: tracing replaces the trace context there.
   */
  default void onDecisionRecord(Decision decision, Headers headers) {}

  /** Both observers, {@code first} first. */
  static DecisionObserver both(DecisionObserver first, DecisionObserver second) {
    if (second == NONE) {
      return first;
    }
    return new DecisionObserver() {
      @Override
      public void onDecision(Decision decision, long requestTimestamp, long nowMs) {
        first.onDecision(decision, requestTimestamp, nowMs);
        second.onDecision(decision, requestTimestamp, nowMs);
      }

      @Override
      public void onDeadLetter(DeadLetter letter) {
        first.onDeadLetter(letter);
        second.onDeadLetter(letter);
      }

      @Override
      public void onDecisionRecord(Decision decision, Headers headers) {
        first.onDecisionRecord(decision, headers);
        second.onDecisionRecord(decision, headers);
      }
    };
  }
}
