package io.provability.fabric.processors.retrieval;

/**
 * The key of a session's privacy spend in the {@code privacy-budgets} store: tenant <em>and</em>
 * session id, so two tenants that reuse a session id never share a budget.
 *
 * <p>Spelled {@code <length of tenant>:<tenant>:<session id>} (the length in decimal, of the
 * tenant's UTF-16 characters), e.g. {@code 4:acme:sess-1}: the length prefix makes the key
 * injective whatever characters tenant and session ids hold.
 */
public final class SessionKey {
  private SessionKey() {}

  /** The store key of {@code sessionId} in {@code tenant}. */
  public static String of(String tenant, String sessionId) {
    return tenant.length() + ":" + tenant + ":" + sessionId;
  }
}
