package io.provability.fabric.processors.stream;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A typed edge from a processor to one of its children. Kafka Streams gives a processor one output
 * type for all its children; a processor whose children take different records (accepted requests
 * and dead letters, say) forwards each through its own {@code Output}, made by the topology
 * factory, which adds the child under the same name with the same key and value types. The
 * processor never needs the child's name.
 *
 * @param child the name of the child node
 * @param <K> the key type the child takes
 * @param <V> the value type the child takes
 */
public record Output<K, V>(String child) {
  /** The edge to the node named {@code child}. */
  public static <K, V> Output<K, V> to(String child) {
    return new Output<>(child);
  }

  /** Forwards {@code record} to the child only. */
  public void forward(ProcessorContext<? super K, ? super V> context, Record<K, V> record) {
    context.forward(record, child);
  }
}
