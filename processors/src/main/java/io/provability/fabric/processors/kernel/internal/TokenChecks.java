package io.provability.fabric.processors.kernel.internal;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Reason;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.ReasonCode;
import io.provability.fabric.processors.kernel.VerifiedTokenCache;
import java.time.Instant;
import java.util.List;

/**
 * The capability-token checks the kernel and the retrieval gateway share, written once so both
 * report a token's problems with the same codes and details: present, signed under a trusted
 * issuer, inside its validity window, not revoked, issued to the presenting subject; and which
 * capability of a token names an action and covers a resource. Each caller adds its own tenant
 * check, in its own order.
 */
public final class TokenChecks {
  private TokenChecks() {}

  /**
   * Adds the reasons {@code token} is not usable at {@code now}: missing, a signature that does not
   * verify, expired, not yet valid, revoked.
   *
   * @return false when the token is missing or its signature does not verify (nothing else about it
   *     is checked then, nor may be trusted); true otherwise, whatever else was added
   */
  public static boolean checkSignedAndCurrent(
      CapabilityToken token,
      VerifiedTokenCache tokenCache,
      KeyRing trustedIssuers,
      PolicyView policy,
      Instant now,
      List<Reason> reasons) {
    if (token == null) {
      reasons.add(reason(ReasonCode.TOKEN_MISSING, "no capability token presented"));
      return false;
    }
    if (!tokenCache.signatureVerifies(token, trustedIssuers, now)) {
      reasons.add(
          reason(
              ReasonCode.TOKEN_INVALID_SIGNATURE,
              "signature does not verify under a trusted key (key id '" + token.getKeyId() + "')"));
      return false;
    }
    if (!now.isBefore(token.getExpiresAt())) {
      reasons.add(reason(ReasonCode.TOKEN_EXPIRED, "token expired at " + token.getExpiresAt()));
    }
    if (now.isBefore(token.getNotBefore())) {
      reasons.add(
          reason(ReasonCode.TOKEN_NOT_YET_VALID, "token valid from " + token.getNotBefore()));
    }
    if (policy.isRevoked(token.getTokenId())) {
      reasons.add(reason(ReasonCode.TOKEN_REVOKED, "token " + token.getTokenId() + " is revoked"));
    }
    return true;
  }

  /** Adds {@link ReasonCode#SUBJECT_MISMATCH} if {@code token} was issued to another subject. */
  public static void checkSubject(CapabilityToken token, String subject, List<Reason> reasons) {
    if (!token.getSubjectId().equals(subject)) {
      reasons.add(
          reason(
              ReasonCode.SUBJECT_MISMATCH,
              "token issued to '" + token.getSubjectId() + "', presented by '" + subject + "'"));
    }
  }

  /** The capability named {@code name} in {@code caps}, or null. */
  public static Capability find(List<Capability> caps, String name) {
    for (Capability c : caps) {
      if (c.getName().equals(name)) {
        return c;
      }
    }
    return null;
  }

  /** Whether one of {@code cap}'s resource patterns matches {@code resource}. */
  public static boolean covers(Capability cap, String resource) {
    for (String glob : cap.getResources()) {
      if (ResourcePattern.matches(glob, resource)) {
        return true;
      }
    }
    return false;
  }

  private static Reason reason(ReasonCode code, String detail) {
    return Reason.newBuilder().setCode(code.name()).setStep(null).setDetail(detail).build();
  }
}
