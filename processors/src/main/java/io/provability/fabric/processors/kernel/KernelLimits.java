package io.provability.fabric.processors.kernel;

/**
 * The configured maxima a plan's numeric constraints are checked against. A plan may ask for less
 * than a maximum, never more; a value that is not a finite, non-negative number is refused.
 *
 * @param maxBudget largest {@code constraints.budget} a plan may declare (cost units of the caller)
 * @param maxDpEpsilon largest differential-privacy epsilon a plan may spend
 * @param maxDpDelta largest differential-privacy delta a plan may spend
 * @param maxLatencySeconds largest {@code constraints.latency_max} a plan may declare, in seconds
 */
public record KernelLimits(double maxBudget, double maxDpEpsilon, double maxDpDelta, double maxLatencySeconds) {
  /** Defaults: budget 100, epsilon 1.0, delta 1e-5, latency 60 s. */
  public static final KernelLimits DEFAULTS = new KernelLimits(100.0, 1.0, 1e-5, 60.0);

  public KernelLimits {
    check("maxBudget", maxBudget);
    check("maxDpEpsilon", maxDpEpsilon);
    check("maxDpDelta", maxDpDelta);
    check("maxLatencySeconds", maxLatencySeconds);
  }

  private static void check(String name, double v) {
    if (!Double.isFinite(v) || v < 0) {
      throw new IllegalArgumentException(name + " must be a finite number >= 0, was " + v);
    }
  }
}
