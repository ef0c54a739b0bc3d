package io.provability.fabric.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The parts of the memory figures that can be checked without a broker or a child process. */
class StateSizeTest {
  @Test
  void theCompactMapAgreesWithAHashMapThroughPutsRemovesAndGrowth() {
    StateSize.LongIntMap compact = new StateSize.LongIntMap();
    Map<Long, Integer> reference = new HashMap<>();
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < 300_000; i++) {
      long key = random.nextLong(200_000); // many repeats: updates and deletes, as a changelog has
      int removed = compact.remove(key);
      Integer expected = reference.remove(key);
      assertThat(removed).isEqualTo(expected == null ? -1 : expected);
      if (random.nextInt(4) != 0) {
        int value = random.nextInt(1_000);
        compact.put(key, value);
        reference.put(key, value);
      }
      assertThat(compact.size()).isEqualTo(reference.size());
    }
    reference.forEach((k, v) -> assertThat(compact.remove(k)).isEqualTo(v));
    assertThat(compact.size()).isZero();
  }

  @Test
  void perSessionBytesAreTheStoresSumOverTheSessions() {
    StateSize s =
        new StateSize(
            Map.of("a", new StateSize.Store(10, 100, 900), "b", new StateSize.Store(5, 50, 450)),
            10,
            Map.of());
    assertThat(s.totalBytes()).isEqualTo(1_500);
    assertThat(s.bytesPerSession()).isEqualTo(150.0);
  }

  @Test
  void prometheusSamplesAreSummedByNameAndLabels() {
    String exposition =
        """
        # HELP jvm_memory_used_bytes The amount of used memory
        # TYPE jvm_memory_used_bytes gauge
        jvm_memory_used_bytes{area="heap",id="PS Eden Space"} 1000.0
        jvm_memory_used_bytes{area="heap",id="PS Old Gen"} 24.0
        jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 5000.0
        kafka_stream_state_size_all_mem_tables{rocksdb_state_id="a",task_id="0_0"} 10.0
        kafka_stream_state_size_all_mem_tables{rocksdb_state_id="a",task_id="0_1"} 32.0
        kafka_stream_state_size_all_mem_tables_other 99.0
        kafka_stream_state_estimate_num_keys{task_id="0_0"} NaN
        """;
    Map<String, Double> sums =
        ApplicationProcess.sums(
            exposition,
            List.of(
                "jvm_memory_used_bytes{area=\"heap\"",
                "kafka_stream_state_size_all_mem_tables",
                "kafka_stream_state_estimate_num_keys"));
    assertThat(sums)
        .containsOnly(
            Map.entry("jvm_memory_used_bytes{area=\"heap\"", 1024.0),
            Map.entry("kafka_stream_state_size_all_mem_tables", 42.0));
  }
}
