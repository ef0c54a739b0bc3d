package io.provability.fabric.topology.metrics;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The Prometheus exposition as {@code GET /metrics} serves it: rendered at most once per {@code
 * maxAge}, on one background thread, however many scrapers ask and however often.
 *
 * <p>Rendering walks every meter (Kafka's gauges take the clients' metric locks) and allocates the
 * whole text; run on each request, several Prometheus servers or a tight scrape interval multiply
 * that work beside the stream threads. A request finds either a fresh enough text (served as it is)
 * or joins the one render in progress. Nothing renders while nobody scrapes.
 */
public final class CachedExposition implements AutoCloseable {
  private record Rendered(String text, long atNanos) {}

  private final Supplier<String> render;
  private final long maxAgeNanos;
  private final LongSupplier nanoTime;
  private final ExecutorService renderer;
  private Rendered last;
  private CompletableFuture<Rendered> inFlight;

  /**
   * @param render produces the exposition (e.g. {@code PrometheusMeterRegistry::scrape})
   * @param maxAge how old a served exposition may be; zero renders on every request
   */
  public CachedExposition(Supplier<String> render, Duration maxAge) {
    this(render, maxAge, System::nanoTime);
  }

  CachedExposition(Supplier<String> render, Duration maxAge, LongSupplier nanoTime) {
    this.render = render;
    this.maxAgeNanos = maxAge.toNanos();
    this.nanoTime = nanoTime;
    this.renderer =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "fabric-metrics-render");
              t.setDaemon(true);
              return t;
            });
  }

  /** The exposition, at most {@code maxAge} old (rendering it now if the last one is older). */
  public String get() throws InterruptedException {
    CompletableFuture<Rendered> wait;
    synchronized (this) {
      long now = nanoTime.getAsLong();
      if (last != null && maxAgeNanos > 0 && now - last.atNanos() < maxAgeNanos) {
        return last.text();
      }
      if (inFlight != null) {
        wait = inFlight; // join the render in progress
      } else {
        wait =
            CompletableFuture.supplyAsync(
                () -> new Rendered(render.get(), nanoTime.getAsLong()), renderer);
        inFlight = wait;
        wait.whenComplete(
            (r, e) -> {
              synchronized (this) {
                if (r != null) {
                  last = r;
                }
                inFlight = null;
              }
            });
      }
    }
    try {
      return wait.get(30, TimeUnit.SECONDS).text();
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "rendering the metrics failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("rendering the metrics took longer than 30 s", e);
    }
  }

  @Override
  public void close() {
    renderer.shutdownNow();
  }
}
