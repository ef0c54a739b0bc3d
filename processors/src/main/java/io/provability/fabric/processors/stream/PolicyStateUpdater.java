package io.provability.fabric.processors.stream;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the global policy-state store equal to the compacted policy-state topic: a value replaces,
 * a tombstone deletes. Values stay as encoded bytes; readers decode what they need. Each applied
 * change is then told to a {@link PolicyChangeListener} (the hot tier drops the cached entries that
 * depended on it).
 */
public final class PolicyStateUpdater implements Processor<String, byte[], Void, Void> {
  private final PolicyChangeListener listener;
  private KeyValueStore<String, byte[]> store;

  /** An updater that tells no one. */
  public PolicyStateUpdater() {
    this(PolicyChangeListener.NONE);
  }

  /**
   * @param listener told of each key after its change is applied
   */
  public PolicyStateUpdater(PolicyChangeListener listener) {
    this.listener = listener;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(StoreNames.POLICY_STATE);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    if (record.key() == null) {
      return;
    }
    if (record.value() == null) {
      store.delete(record.key());
    } else {
      store.put(record.key(), record.value());
    }
    listener.changed(record.key());
  }
}
