package io.provability.fabric.processors.retrieval;

import java.time.Duration;

/**
 * The differential-privacy budget one session (of one tenant) may spend over its lifetime on
 * retrievals ({@code retrieval.session.max.dp.epsilon}, {@code retrieval.session.max.dp.delta}),
 * and how long a session may stay idle before its spend is forgotten ({@code
 * retrieval.session.idle.expiry.ms}).
 *
 * <p>The hazard to know: a session whose last allowed retrieval is older than the idle expiry
 * starts again from zero spend. Set the expiry at least as long as the longest session whose budget
 * must hold.
 *
 * @param maxEpsilon total epsilon a session may consume
 * @param maxDelta total delta a session may consume
 * @param sessionIdleExpiry how long after its last spend a session's spend is kept
 */
public record PrivacyBudget(double maxEpsilon, double maxDelta, Duration sessionIdleExpiry) {
  /** Default idle expiry: 7 days. */
  public static final Duration DEFAULT_IDLE_EXPIRY = Duration.ofDays(7);

  /**
   * Defaults: epsilon 1.0 and delta 1e-5 per session (the kernel's per-plan maxima), idle expiry 7
   * days.
   */
  public static final PrivacyBudget DEFAULTS = new PrivacyBudget(1.0, 1e-5);

  public PrivacyBudget {
    if (!Double.isFinite(maxEpsilon)
        || maxEpsilon < 0
        || !Double.isFinite(maxDelta)
        || maxDelta < 0) {
      throw new IllegalArgumentException(
          "session privacy maxima must be finite numbers >= 0, were "
              + maxEpsilon
              + ", "
              + maxDelta);
    }
    if (sessionIdleExpiry == null || sessionIdleExpiry.isNegative() || sessionIdleExpiry.isZero()) {
      throw new IllegalArgumentException(
          "the session idle expiry must be positive, was " + sessionIdleExpiry);
    }
  }

  /** These maxima with the default idle expiry. */
  public PrivacyBudget(double maxEpsilon, double maxDelta) {
    this(maxEpsilon, maxDelta, DEFAULT_IDLE_EXPIRY);
  }

  /** True if a session that has spent {@code spent} may additionally spend {@code asked}. */
  public boolean allows(PrivacySpend spent, PrivacySpend asked) {
    return spent.epsilon() + asked.epsilon() <= maxEpsilon
        && spent.delta() + asked.delta() <= maxDelta;
  }

  /** True if a session that has spent {@code spent} has some epsilon left. */
  public boolean hasEpsilonLeft(PrivacySpend spent) {
    return spent.epsilon() < maxEpsilon;
  }
}
