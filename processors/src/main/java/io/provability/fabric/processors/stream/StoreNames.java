package io.provability.fabric.processors.stream;

/** Names of the state stores the processors use; the topology factory registers them. */
public final class StoreNames {
  /** Window store: request id to the decision already made for it (deduplication). */
  public static final String DECIDED_REQUESTS = "decided-requests";

  /**
   * Key-value store: tenant and session ({@code SessionKey}) to the differential-privacy budget its
   * retrievals have spent and when it last grew ({@code StoredSpend}); changelogged, updated in the
   * same transaction as the decision, swept of sessions idle past the configured expiry.
   */
  public static final String PRIVACY_BUDGETS = "privacy-budgets";

  /** Global store: the policy-state topic (grants, revocations, policy version). */
  public static final String POLICY_STATE = "policy-state";

  private StoreNames() {}
}
