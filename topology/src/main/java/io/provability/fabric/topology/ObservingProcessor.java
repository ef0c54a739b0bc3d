package io.provability.fabric.topology;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.processors.stream.EncodedDecision;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Passes every record on unchanged after showing decisions and dead letters to a {@link
 * DecisionObserver}.
 */
final class ObservingProcessor implements Processor<Object, Object, Object, Object> {
  private final DecisionObserver observer;
  private ProcessorContext<Object, Object> context;

  ObservingProcessor(DecisionObserver observer) {
    this.observer = observer;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
  }

  @Override
  public void process(Record<Object, Object> record) {
    if (record.value() instanceof EncodedDecision d) {
      observer.onDecision(d.decision(), record.timestamp(), context.currentSystemTimeMs());
      observer.onDecisionRecord(d.decision(), record.headers());
    } else if (record.value() instanceof DeadLetter letter) {
      observer.onDeadLetter(letter);
    }
    context.forward(record);
  }
}
