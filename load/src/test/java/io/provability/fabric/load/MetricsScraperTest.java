package io.provability.fabric.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricsScraperTest {
  private static final String EXPOSITION =
      """
      # HELP a_total A.
      # TYPE a_total counter
      a_total{k="1"} 1.0
      a_total{k="2"} 2.0

      b 3.0
      """;

  @Test
  void eachScrapeIsTimedAndCountedAndAFailureIsKept() {
    AtomicInteger calls = new AtomicInteger();
    try (MetricsScraper scraper =
        new MetricsScraper(
            () -> {
              if (calls.incrementAndGet() == 2) {
                throw new IOException("connection refused");
              }
              return EXPOSITION;
            },
            Duration.ofMillis(20))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> scraper.scrapes().size() >= 3);
      MetricsScraper.Scrape first = scraper.scrapes().get(0);
      assertThat(first.series()).isEqualTo(3);
      assertThat(first.bytes()).isEqualTo(EXPOSITION.length());
      assertThat(first.error()).isNull();
      assertThat(scraper.scrapes().get(1).error()).contains("connection refused");
      assertThat(scraper.summary(Duration.ofMillis(20))).contains("3 series").contains("1 failed");
    }
  }
}
