package io.provability.fabric.topology.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CachedExpositionTest {
  @Test
  void rendersAtMostOncePerMaxAgeOnItsOwnThread() throws Exception {
    AtomicLong clock = new AtomicLong();
    AtomicInteger renders = new AtomicInteger();
    List<String> threads = new ArrayList<>();
    try (CachedExposition exposition =
        new CachedExposition(
            () -> {
              threads.add(Thread.currentThread().getName());
              return "render " + renders.incrementAndGet();
            },
            Duration.ofSeconds(5),
            clock::get)) {
      assertThat(exposition.get()).isEqualTo("render 1");
      clock.addAndGet(Duration.ofSeconds(4).toNanos());
      assertThat(exposition.get()).as("4 s old: served as it is").isEqualTo("render 1");
      clock.addAndGet(Duration.ofSeconds(2).toNanos());
      assertThat(exposition.get()).as("6 s old: rendered again").isEqualTo("render 2");
      assertThat(threads).containsOnly("fabric-metrics-render");
    }
  }

  @Test
  void concurrentScrapesShareOneRender() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger renders = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (CachedExposition exposition =
        new CachedExposition(
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return "render " + renders.incrementAndGet();
            },
            Duration.ofSeconds(5))) {
      List<Future<String>> answers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        answers.add(pool.submit(exposition::get));
      }
      Thread.sleep(200); // every caller is waiting on the one render in progress
      release.countDown();
      for (Future<String> a : answers) {
        assertThat(a.get()).isEqualTo("render 1");
      }
      assertThat(renders).hasValue(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void zeroMaxAgeRendersEveryTime() throws Exception {
    AtomicInteger renders = new AtomicInteger();
    try (CachedExposition exposition =
        new CachedExposition(() -> "r" + renders.incrementAndGet(), Duration.ZERO)) {
      assertThat(exposition.get()).isEqualTo("r1");
      assertThat(exposition.get()).isEqualTo("r2");
    }
  }
}
