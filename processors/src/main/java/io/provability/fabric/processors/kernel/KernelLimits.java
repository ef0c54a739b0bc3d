package io.provability.fabric.processors.kernel;

/**
 * The configured policy of the kernel that is not on the policy-state topic: the maxima a plan's
 * numeric constraints are checked against, and which labels each capability clears. A plan may ask
 * for less than a maximum, never more; a value that is not a finite, non-negative number is
 * refused.
 *
 * @param maxBudget largest {@code constraints.budget} a plan may declare (cost units of the caller)
 * @param maxDpEpsilon largest differential-privacy epsilon a plan may spend
 * @param maxDpDelta largest differential-privacy delta a plan may spend
 * @param maxLatencySeconds largest {@code constraints.latency_max} a plan may declare, in seconds
 * @param clearances which labels may reach a step of each capability ({@link LabelClearances})
 */
public record KernelLimits(
    double maxBudget,
    double maxDpEpsilon,
    double maxDpDelta,
    double maxLatencySeconds,
    LabelClearances clearances) {
  /** Defaults: budget 100, epsilon 1.0, delta 1e-5, latency 60 s, no label clearances. */
  public static final KernelLimits DEFAULTS = new KernelLimits(100.0, 1.0, 1e-5, 60.0);

  public KernelLimits {
    check("maxBudget", maxBudget);
    check("maxDpEpsilon", maxDpEpsilon);
    check("maxDpDelta", maxDpDelta);
    check("maxLatencySeconds", maxLatencySeconds);
    if (clearances == null) {
      throw new IllegalArgumentException(
          "clearances must not be null (LabelClearances.NONE lists none)");
    }
  }

  /** The maxima with no label clearances. */
  public KernelLimits(
      double maxBudget, double maxDpEpsilon, double maxDpDelta, double maxLatencySeconds) {
    this(maxBudget, maxDpEpsilon, maxDpDelta, maxLatencySeconds, LabelClearances.NONE);
  }

  /** These limits with {@code clearances} instead. */
  public KernelLimits withClearances(LabelClearances clearances) {
    return new KernelLimits(maxBudget, maxDpEpsilon, maxDpDelta, maxLatencySeconds, clearances);
  }

  private static void check(String name, double v) {
    if (!Double.isFinite(v) || v < 0) {
      throw new IllegalArgumentException(name + " must be a finite number >= 0, was " + v);
    }
  }
}
