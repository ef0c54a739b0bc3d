package io.provability.fabric.tools.internal.replay;

import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * An immutable in-memory policy-state store, so that replay reads policy through the very {@code
 * PolicyStateView} the live topology uses (same decoding, same deny-by-default rules).
 */
final class SnapshotStore implements ReadOnlyKeyValueStore<String, byte[]> {
  private final NavigableMap<String, byte[]> values;

  SnapshotStore(Map<String, byte[]> values) {
    this.values = new TreeMap<>(values);
  }

  @Override
  public byte[] get(String key) {
    return values.get(key);
  }

  @Override
  public KeyValueIterator<String, byte[]> range(String from, String to) {
    return iterator(values.subMap(from, true, to, true));
  }

  @Override
  public KeyValueIterator<String, byte[]> all() {
    return iterator(values);
  }

  @Override
  public long approximateNumEntries() {
    return values.size();
  }

  private static KeyValueIterator<String, byte[]> iterator(NavigableMap<String, byte[]> map) {
    Iterator<Map.Entry<String, byte[]>> it = map.entrySet().iterator();
    return new KeyValueIterator<>() {
      private Map.Entry<String, byte[]> next = it.hasNext() ? it.next() : null;

      @Override
      public void close() {
        next = null;
      }

      @Override
      public String peekNextKey() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        return next.getKey();
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public KeyValue<String, byte[]> next() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        KeyValue<String, byte[]> out = KeyValue.pair(next.getKey(), next.getValue());
        next = it.hasNext() ? it.next() : null;
        return out;
      }
    };
  }
}
