package io.provability.fabric.load;

import java.time.Duration;

/**
 * The seed's load scenarios, plus {@code ceiling} (a search, not a constant rate) and {@code
 * custom}.
 */
public enum Scenario {
  /** 60 s at 1,000/s. */
  SMOKE(1_000, Duration.ofSeconds(60), true),
  /** 10 min at 1,000/s. */
  NIGHTLY(1_000, Duration.ofMinutes(10), true),
  /** 30 s at 5,000/s. */
  STRESS(5_000, Duration.ofSeconds(30), true),
  /** Rates rising until p99 or lag breaks; the rate and duration are the first step's. */
  CEILING(1_000, Duration.ofSeconds(20), true),
  /** Whatever --rate and --duration say; the seed's session floor does not apply. */
  CUSTOM(1_000, Duration.ofSeconds(30), false);

  private final double rate;
  private final Duration duration;
  private final boolean seed;

  Scenario(double rate, Duration duration, boolean seed) {
    this.rate = rate;
    this.duration = duration;
    this.seed = seed;
  }

  public double defaultRate() {
    return rate;
  }

  public Duration defaultDuration() {
    return duration;
  }

  /** Whether the seed's floors (≥ 10,000 sessions) apply. */
  public boolean seedScenario() {
    return seed;
  }
}
