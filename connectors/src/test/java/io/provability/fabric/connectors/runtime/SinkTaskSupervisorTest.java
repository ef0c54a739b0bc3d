package io.provability.fabric.connectors.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.sinks.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorType;
import org.junit.jupiter.api.Test;

class SinkTaskSupervisorTest {
  private static final String SELF = "127.0.0.1:1001";
  private static final Instant START = Instant.parse("2026-12-03T10:00:00Z");

  /**
   * A group whose status topic still says what an earlier worker wrote, while this worker's task
   * FAILED.
   */
  private static class FakeCluster implements SinkTaskSupervisor.Cluster {
    final Map<Integer, String> local = new HashMap<>();
    final List<String> restarts = new ArrayList<>();

    @Override
    public ConnectorStateInfo status(String connector) {
      return new ConnectorStateInfo(
          connector,
          new ConnectorStateInfo.ConnectorState("RUNNING", SELF, null, "1"),
          List.of(new ConnectorStateInfo.TaskState(0, "RUNNING", "127.0.0.1:999", null, "1")),
          ConnectorType.SINK);
    }

    @Override
    public Map<Integer, String> localTasks(String connector) {
      return Map.copyOf(local);
    }

    @Override
    public void restart(String connector, int task) {
      restarts.add(connector + "-" + task);
    }
  }

  @Test
  void aTaskFailedHereIsRestartedWithBackoffEvenWhenTheStatusTopicIsStaleAndItsOutageCountsOnce() {
    FakeCluster cluster = new FakeCluster();
    MutableClock clock = new MutableClock(START);
    SinkTaskSupervisor supervisor =
        new SinkTaskSupervisor(
            cluster, Set.of("sink"), SELF, Duration.ofSeconds(2), Duration.ofSeconds(8), clock);
    cluster.local.put(0, "FAILED");
    // one check a second for 30 s: restarts at 0, 2, 6, 14, 22, 30 s (2 s doubling, at most 8 s)
    for (int s = 0; s <= 30; s++) {
      supervisor.check();
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(cluster.restarts).hasSize(6).allMatch("sink-0"::equals);
    assertThat(supervisor.failures()).isEqualTo(1);
    assertThat(supervisor.tasks())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.state()).isEqualTo("FAILED");
              assertThat(t.here()).isTrue();
            });

    cluster.local.put(0, "RUNNING");
    for (int s = 0; s <= 12; s++) {
      supervisor.check();
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(cluster.restarts).hasSize(6);
    cluster.local.put(0, "FAILED"); // a new outage after the first ended
    supervisor.check();
    assertThat(supervisor.failures()).isEqualTo(2);
    assertThat(cluster.restarts).hasSize(7);
  }

  @Test
  void anotherWorkersFailedTaskIsLeftToThatWorker() {
    FakeCluster cluster =
        new FakeCluster() {
          @Override
          public ConnectorStateInfo status(String connector) {
            return new ConnectorStateInfo(
                connector,
                new ConnectorStateInfo.ConnectorState("RUNNING", "127.0.0.1:999", null, "1"),
                List.of(
                    new ConnectorStateInfo.TaskState(
                        0, "FAILED", "127.0.0.1:999", "boom\n at x", "1")),
                ConnectorType.SINK);
          }
        };
    SinkTaskSupervisor supervisor =
        new SinkTaskSupervisor(
            cluster,
            Set.of("sink"),
            SELF,
            Duration.ofSeconds(2),
            Duration.ofSeconds(8),
            new MutableClock(START));
    supervisor.check();
    assertThat(cluster.restarts).isEmpty();
    assertThat(supervisor.tasks())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.here()).isFalse();
              assertThat(t.error()).isEqualTo("boom");
            });
  }
}
