package io.provability.fabric.topology;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.processors.stream.EncodedDecision;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Passes every record on unchanged after showing it to a {@link DecisionObserver}: one observes
 * decisions, another dead letters.
 */
final class ObservingProcessor<K, V> implements Processor<K, V, K, V> {
  /** What the observer is shown of one record. */
  private interface Look<K, V> {
    void see(Record<K, V> record, ProcessorContext<K, V> context);
  }

  private final Look<K, V> look;
  private ProcessorContext<K, V> context;

  private ObservingProcessor(Look<K, V> look) {
    this.look = look;
  }

  /** Shows each decision and its record's headers to {@code observer}. */
  static ObservingProcessor<String, EncodedDecision> decisions(DecisionObserver observer) {
    return new ObservingProcessor<>(
        (record, context) -> {
          EncodedDecision d = record.value();
          observer.onDecision(d.decision(), record.timestamp(), context.currentSystemTimeMs());
          observer.onDecisionRecord(d.decision(), record.headers());
        });
  }

  /** Shows each dead letter to {@code observer}. */
  static ObservingProcessor<byte[], DeadLetter> deadLetters(DecisionObserver observer) {
    return new ObservingProcessor<>((record, context) -> observer.onDeadLetter(record.value()));
  }

  @Override
  public void init(ProcessorContext<K, V> context) {
    this.context = context;
  }

  @Override
  public void process(Record<K, V> record) {
    if (record.value() != null) {
      look.see(record, context);
    }
    context.forward(record);
  }
}
