package io.provability.fabric.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Scrapes the application's {@code /metrics} at a fixed interval during a run, as a Prometheus
 * server would, so that a report shows the decisions' latency with the scrapes' cost included, and
 * what each scrape took and carried.
 */
public final class MetricsScraper implements AutoCloseable {
  /**
   * One scrape.
   *
   * @param epochMillis when it started
   * @param millis how long it took
   * @param bytes the exposition's size
   * @param series the samples in it (lines that are neither comments nor blank)
   * @param error why it failed, or null
   */
  public record Scrape(long epochMillis, double millis, long bytes, long series, String error) {}

  private final List<Scrape> scrapes = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  /**
   * Starts scraping {@code exposition} every {@code interval}, the first time after one interval.
   */
  public MetricsScraper(Callable<String> exposition, Duration interval) {
    thread =
        new Thread(
            () -> {
              while (running) {
                try {
                  Thread.sleep(interval.toMillis());
                } catch (InterruptedException e) {
                  return;
                }
                long start = System.currentTimeMillis();
                long t0 = System.nanoTime();
                Scrape s;
                try {
                  String text = exposition.call();
                  s =
                      new Scrape(
                          start, (System.nanoTime() - t0) / 1e6, text.length(), series(text), null);
                } catch (Exception e) {
                  s = new Scrape(start, (System.nanoTime() - t0) / 1e6, 0, 0, String.valueOf(e));
                }
                synchronized (scrapes) {
                  scrapes.add(s);
                }
              }
            },
            "fabric-load-scraper");
    thread.setDaemon(true);
    thread.start();
  }

  /** Samples in a Prometheus text exposition. */
  static long series(String exposition) {
    return exposition.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
  }

  /** The scrapes so far. */
  public List<Scrape> scrapes() {
    synchronized (scrapes) {
      return List.copyOf(scrapes);
    }
  }

  /** A summary for the report's environment table. */
  public String summary(Duration interval) {
    List<Scrape> all = scrapes();
    if (all.isEmpty()) {
      return "none (every " + interval + ")";
    }
    double max = all.stream().mapToDouble(Scrape::millis).max().orElse(0);
    double mean = all.stream().mapToDouble(Scrape::millis).average().orElse(0);
    long series = all.get(all.size() - 1).series();
    long failed = all.stream().filter(s -> s.error() != null).count();
    return String.format(
        Locale.ROOT,
        "%d scrapes of /metrics every %s during the runs: mean %.1f ms, max %.1f ms, %,d series, "
            + "%,d bytes in the last; %d failed",
        all.size(),
        interval,
        mean,
        max,
        series,
        all.get(all.size() - 1).bytes(),
        failed);
  }

  /** The scrapes as JSON rows. */
  public Map<String, Object> toMap() {
    List<Object> rows = new ArrayList<>();
    scrapes()
        .forEach(
            s ->
                rows.add(
                    Arrays.asList(s.epochMillis(), s.millis(), s.bytes(), s.series(), s.error())));
    return Map.of(
        "columns", List.of("epoch_ms", "millis", "bytes", "series", "error"), "scrapes", rows);
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
