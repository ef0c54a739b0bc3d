package io.provability.fabric.load;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Measures what each run of a load session costs the whole box: snapshots of every process's CPU,
 * of the broker's log end offsets and of the application's S3 request count before and after the
 * run, then the broker's writes of the run read back. The warm-up's writes are not read back.
 */
public final class BoxMeter implements LoadSession.RunObserver, AutoCloseable {
  /** The application's count of S3 requests, in Prometheus form (a counter tagged by operation). */
  public static final String S3_REQUESTS_METRIC = "fabric_s3_requests_total";

  /** Micrometer's name of the same counter. */
  public static final String S3_REQUESTS_METER = "fabric.s3.requests";

  /** A source of the application's cumulative S3 requests by operation. */
  @FunctionalInterface
  public interface S3Counter {
    /** Requests so far by operation; null when the application publishes no such count. */
    Map<String, Long> read() throws Exception;
  }

  private final BoxMonitor monitor;
  private final BrokerWrites brokerWrites;
  private final S3Counter s3;
  private final List<BoxCost> windows = new ArrayList<>();
  private BoxMonitor.Snapshot cpuAtStart;
  private BrokerWrites.Offsets offsetsAtStart;
  private Map<String, Long> s3AtStart;

  /**
   * @param brokerWrites null to skip counting broker writes
   * @param s3 null when S3 requests cannot be counted
   */
  public BoxMeter(BoxMonitor monitor, BrokerWrites brokerWrites, S3Counter s3) {
    this.monitor = monitor;
    this.brokerWrites = brokerWrites;
    this.s3 = s3;
  }

  /** Waits {@code length} with no load and returns what the box spent meanwhile. */
  public BoxCost idle(Duration length) throws Exception {
    BoxMonitor.Snapshot from = monitor.snapshot();
    Map<String, Long> s3From = readS3();
    Thread.sleep(length.toMillis());
    return BoxCost.between("idle (no load)", from, monitor.snapshot(), 0, null, s3From, readS3());
  }

  @Override
  public void before(String name) throws Exception {
    offsetsAtStart = brokerWrites == null || isWarmUp(name) ? null : brokerWrites.offsets();
    s3AtStart = readS3();
    cpuAtStart = monitor.snapshot();
  }

  @Override
  public void after(String name, LoadResult result) throws Exception {
    BoxMonitor.Snapshot cpuAtEnd = monitor.snapshot();
    Map<String, Long> s3AtEnd = readS3();
    BrokerWrites.Writes writes = null;
    if (offsetsAtStart != null) {
      writes = brokerWrites.between(offsetsAtStart, brokerWrites.offsets(), Duration.ofMinutes(2));
    }
    windows.add(
        BoxCost.between(name, cpuAtStart, cpuAtEnd, result.decided(), writes, s3AtStart, s3AtEnd));
  }

  /** One cost per observed run, in order. */
  public List<BoxCost> windows() {
    return List.copyOf(windows);
  }

  /** The CPU sampler's readings so far. */
  public List<BoxMonitor.Snapshot> timeline() {
    return monitor.timeline();
  }

  @Override
  public void close() {
    monitor.close();
  }

  /**
   * Cumulative counts of {@code meter} in an in-process registry, by the value of {@code tag}; null
   * if none.
   */
  public static Map<String, Long> fromRegistry(MeterRegistry registry, String meter, String tag) {
    var counters = registry.find(meter).counters();
    if (counters.isEmpty()) {
      return null;
    }
    Map<String, Long> out = new TreeMap<>();
    for (Counter c : counters) {
      String key = c.getId().getTag(tag);
      out.merge(key == null ? "" : key, (long) c.count(), Long::sum);
    }
    return out;
  }

  private Map<String, Long> readS3() throws Exception {
    return s3 == null ? null : s3.read();
  }

  private static boolean isWarmUp(String name) {
    return name.startsWith("warm-up");
  }
}
