package io.provability.fabric.processors.stream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * An in-memory key-value store over a hash map: {@code put}, {@code get} and {@code delete} cost a
 * hash of the key instead of the ~log2(n) byte-array comparisons of Kafka Streams' own in-memory store
 * (a sorted map). Made for {@link EvidenceBundler}'s pending evidence, which holds every decision of an
 * evidence window and is written twice per decision (its entry, then its tombstone) but is only ever
 * read by key and, once after a restore, whole.
 *
 * <p>What it gives up: order. {@link #all()} returns the entries in no particular order, and the
 * ordered reads ({@code range}, {@code reverseRange}, {@code reverseAll}, {@code prefixScan}) throw
 * {@link UnsupportedOperationException}. It serves no interactive queries, so it keeps no position.
 *
 * <p>Changelogging, and restoring from the changelog, are Kafka Streams' as for any store built with
 * {@code Stores.keyValueStoreBuilder(supplier, ...)}. Under exactly-once an aborted transaction
 * closes the task, which drops this store, and a new one is restored from the changelog.
 * Single-threaded, like every store a stream task owns; {@code all()} iterates a copy.
 */
public final class HashKeyValueStore implements KeyValueStore<Bytes, byte[]> {
  private final String name;
  private final Map<Bytes, byte[]> map = new HashMap<>();
  private final Position position = Position.emptyPosition();
  private volatile boolean open;

  HashKeyValueStore(String name) {
    this.name = name;
  }

  /** A supplier for {@code Stores.keyValueStoreBuilder}: a new, empty store each call. */
  public static KeyValueBytesStoreSupplier supplier(String name) {
    return new KeyValueBytesStoreSupplier() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public KeyValueStore<Bytes, byte[]> get() {
        return new HashKeyValueStore(name);
      }

      @Override
      public String metricsScope() {
        return "in-memory-hash";
      }
    };
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    if (root != null) {
      // a restored tombstone removes, like a live delete
      context.register(root, (key, value) -> write(Bytes.wrap(key), value));
    }
    open = true;
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    map.clear();
    open = false;
  }

  @Override
  public Position getPosition() {
    return position;
  }

  @Override
  public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
    return QueryResult.forUnknownQueryType(query, this);
  }

  @Override
  public byte[] get(Bytes key) {
    return map.get(key);
  }

  @Override
  public void put(Bytes key, byte[] value) {
    write(key, value);
  }

  @Override
  public byte[] putIfAbsent(Bytes key, byte[] value) {
    byte[] existing = map.get(key);
    if (existing == null) {
      write(key, value);
    }
    return existing;
  }

  @Override
  public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
    for (KeyValue<Bytes, byte[]> e : entries) {
      write(e.key, e.value);
    }
  }

  @Override
  public byte[] delete(Bytes key) {
    return map.remove(key);
  }

  private void write(Bytes key, byte[] value) {
    if (value == null) {
      map.remove(key);
    } else {
      map.put(key, value);
    }
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> all() {
    List<KeyValue<Bytes, byte[]>> copy = new ArrayList<>(map.size());
    map.forEach((k, v) -> copy.add(KeyValue.pair(k, v)));
    return new SnapshotIterator(copy);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
    throw unordered("range");
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
    throw unordered("reverseRange");
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseAll() {
    throw unordered("reverseAll");
  }

  @Override
  public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS prefixKeySerializer) {
    throw unordered("prefixScan");
  }

  @Override
  public long approximateNumEntries() {
    return map.size();
  }

  private UnsupportedOperationException unordered(String operation) {
    return new UnsupportedOperationException(name + " is an unordered (hash) store: " + operation + " is not supported");
  }

  /** Iterates a copy of the entries, so writes during the iteration neither fail nor show. */
  private static final class SnapshotIterator implements KeyValueIterator<Bytes, byte[]> {
    private final List<KeyValue<Bytes, byte[]>> entries;
    private int next;

    SnapshotIterator(List<KeyValue<Bytes, byte[]>> entries) {
      this.entries = entries;
    }

    @Override
    public boolean hasNext() {
      return next < entries.size();
    }

    @Override
    public KeyValue<Bytes, byte[]> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return entries.get(next++);
    }

    @Override
    public Bytes peekNextKey() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return entries.get(next).key;
    }

    @Override
    public void close() {}
  }
}
