package io.provability.fabric.processors.kernel;

/**
 * Why a request was not allowed. Declaration order is the order in which codes are listed in a
 * decision, so that the same failures always read the same way.
 */
public enum ReasonCode {
  /** The request could not be evaluated: a required field is blank or inconsistent. */
  MALFORMED_REQUEST,
  /** No capability token was presented. */
  TOKEN_MISSING,
  /** The token's signature does not verify under a trusted key (or its key id is unknown). */
  TOKEN_INVALID_SIGNATURE,
  /** The evaluation time is at or past the token's expiry. */
  TOKEN_EXPIRED,
  /** The evaluation time is before the token's not-before time. */
  TOKEN_NOT_YET_VALID,
  /** The token was revoked on the policy-state topic. */
  TOKEN_REVOKED,
  /** The token, or a resource, belongs to another tenant than the plan. */
  INVALID_TENANT,
  /** The token was issued to another subject than the plan's. */
  SUBJECT_MISMATCH,
  /** The evaluation time is at or past the plan's expiry. */
  PLAN_EXPIRED,
  /** The plan has no steps. */
  PLAN_EMPTY,
  /** A step requires a capability the token does not grant (or names none). */
  CAP_MISS,
  /** A step's effect kind is undeclared or differs from its capability's. */
  EFFECT_MISMATCH,
  /**
   * A step's resource is not covered by the granting capability's patterns, or is not canonical.
   */
  RESOURCE_OUT_OF_SCOPE,
  /** A retrieval step carries no receipt, or retrieved content names a receipt no step carries. */
  RECEIPT_MISSING,
  /** A receipt's signature, signer, tenant, subject, hashes or time do not check out. */
  RECEIPT_INVALID,
  /** A step reads a label nothing before it produced, drops a label, or lets {@code secret} out. */
  LABEL_FLOW,
  /** The plan's budget is above the configured maximum, or not a finite number >= 0. */
  BUDGET_EXCEEDED,
  /** The plan's differential-privacy epsilon or delta is above its maximum, or malformed. */
  EPSILON_EXCEEDED,
  /** The plan's latency bound is above the configured maximum, or malformed. */
  LATENCY_EXCEEDED,
  /** User, retrieved or file content is not marked as quoted. */
  UNTRUSTED_NOT_QUOTED,
  /**
   * The system channel's hash differs from the plan's system prompt hash, or either is malformed.
   */
  SYSTEM_HASH_MISMATCH,
  /** No decider for this kind of request is deployed in this version. */
  UNSUPPORTED_KIND,
  /** Retrieval: the token, or the index shard, belongs to another tenant than the request. */
  CROSS_TENANT,
  /**
   * Retrieval: a requested label is unknown, always denied ({@code secret}), or lacks its
   * capability.
   */
  LABEL_DENIED,
  /** Retrieval: the session's differential-privacy budget (epsilon or delta) would be overspent. */
  BUDGET_EXHAUSTED
}
