package io.provability.fabric.load;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Samples the CPU time of every process of a run once per interval on a daemon thread, for the
 * report's chart of CPU by process over time, and takes exact snapshots on demand at the edges of a
 * measured window.
 */
public final class BoxMonitor implements AutoCloseable {
  /** Cumulative CPU microseconds by role at one instant. */
  public record Snapshot(long epochMillis, Map<String, Long> cpuMicros) {}

  private final BoxProcesses processes;
  private final Clock clock;
  private final List<Snapshot> timeline = new ArrayList<>();
  private final Thread sampler;
  private volatile boolean running = true;

  /** Starts sampling every {@code interval}. */
  public BoxMonitor(BoxProcesses processes, Clock clock, Duration interval) {
    this.processes = processes;
    this.clock = clock;
    this.sampler =
        new Thread(
            () -> {
              while (running) {
                Snapshot s = snapshot();
                synchronized (timeline) {
                  timeline.add(s);
                }
                try {
                  Thread.sleep(interval.toMillis());
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "fabric-load-cpu-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** The processes watched. */
  public BoxProcesses processes() {
    return processes;
  }

  /** CPU time of every process now. */
  public Snapshot snapshot() {
    return new Snapshot(clock.millis(), processes.cpuMicros());
  }

  /** The samples taken so far, oldest first. */
  public List<Snapshot> timeline() {
    synchronized (timeline) {
      return List.copyOf(timeline);
    }
  }

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
  }
}
