package io.provability.fabric.processors.retrieval;

/**
 * The differential-privacy budget one session may spend over its lifetime on retrievals
 * ({@code retrieval.session.max.dp.epsilon}, {@code retrieval.session.max.dp.delta}).
 *
 * @param maxEpsilon total epsilon a session may consume
 * @param maxDelta total delta a session may consume
 */
public record PrivacyBudget(double maxEpsilon, double maxDelta) {
  /** Defaults: epsilon 1.0 and delta 1e-5 per session (the kernel's per-plan maxima). */
  public static final PrivacyBudget DEFAULTS = new PrivacyBudget(1.0, 1e-5);

  public PrivacyBudget {
    if (!Double.isFinite(maxEpsilon) || maxEpsilon < 0 || !Double.isFinite(maxDelta) || maxDelta < 0) {
      throw new IllegalArgumentException("session privacy maxima must be finite numbers >= 0, were "
          + maxEpsilon + ", " + maxDelta);
    }
  }

  /** True if a session that has spent {@code spent} may additionally spend {@code asked}. */
  public boolean allows(PrivacySpend spent, PrivacySpend asked) {
    return spent.epsilon() + asked.epsilon() <= maxEpsilon && spent.delta() + asked.delta() <= maxDelta;
  }

  /** True if a session that has spent {@code spent} has some epsilon left. */
  public boolean hasEpsilonLeft(PrivacySpend spent) {
    return spent.epsilon() < maxEpsilon;
  }
}
