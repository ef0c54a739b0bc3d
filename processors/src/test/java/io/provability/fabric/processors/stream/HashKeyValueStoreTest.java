package io.provability.fabric.processors.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The hash store alone: map semantics, a copy for {@code all()}, and ordered reads refused by name. */
class HashKeyValueStoreTest {
  private KeyValueStore<Bytes, byte[]> store;

  @BeforeEach
  void open() {
    store = HashKeyValueStore.supplier("pending").get();
    store.init(new MockProcessorContext<>().getStateStoreContext(), store);
  }

  private static Bytes key(String k) {
    return Bytes.wrap(k.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] value(String v) {
    return v.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void putGetDeleteLikeAMap() {
    assertThat(store.isOpen()).isTrue();
    assertThat(store.persistent()).isFalse();
    store.put(key("a"), value("1"));
    store.put(key("b"), value("2"));
    store.put(key("a"), value("3"));
    assertThat(store.get(key("a"))).isEqualTo(value("3"));
    assertThat(store.approximateNumEntries()).isEqualTo(2);

    assertThat(store.putIfAbsent(key("a"), value("4"))).isEqualTo(value("3"));
    assertThat(store.putIfAbsent(key("c"), value("5"))).isNull();
    assertThat(store.get(key("c"))).isEqualTo(value("5"));

    assertThat(store.delete(key("b"))).isEqualTo(value("2"));
    assertThat(store.get(key("b"))).isNull();
    assertThat(store.delete(key("b"))).isNull();

    store.put(key("c"), null); // a null value is a delete, as a changelog tombstone is
    assertThat(store.get(key("c"))).isNull();
    store.putAll(List.of(KeyValue.pair(key("d"), value("6")), KeyValue.pair(key("a"), null)));
    assertThat(store.get(key("a"))).isNull();
    assertThat(store.get(key("d"))).isEqualTo(value("6"));
    assertThat(store.approximateNumEntries()).isEqualTo(1);

    store.close();
    assertThat(store.isOpen()).isFalse();
    assertThat(store.approximateNumEntries()).isZero();
  }

  @Test
  void allIteratesACopySoWritesDuringTheIterationDoNotFail() {
    for (int i = 0; i < 100; i++) {
      store.put(key("k" + i), value("v" + i));
    }
    List<String> seen = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
      assertThat(it.peekNextKey()).isNotNull();
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> kv = it.next();
        seen.add(new String(kv.key.get(), StandardCharsets.UTF_8));
        store.delete(kv.key); // what a bundle close does while a rebuild would iterate
        store.put(key("new" + seen.size()), value("x"));
      }
    }
    assertThat(seen).hasSize(100).doesNotHaveDuplicates().allMatch(k -> k.startsWith("k"));
    assertThat(store.approximateNumEntries()).isEqualTo(100);
  }

  @Test
  void orderedReadsAreRefusedByName() {
    assertThatThrownBy(() -> store.range(key("a"), key("b")))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("pending").hasMessageContaining("range");
    assertThatThrownBy(() -> store.reverseRange(key("a"), key("b"))).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> store.reverseAll()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> store.prefixScan("a", new StringSerializer()))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("prefixScan");
  }
}
