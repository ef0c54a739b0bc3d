package io.provability.fabric.processors.decide;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.processors.decide.internal.DecisionIds;
import io.provability.fabric.processors.retrieval.SessionKey;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;

/**
 * The fields that identify a request, whatever its kind: read once from a plan, retrieval or egress
 * request, so that the intake, the decider, the front door's mapper and the cache keys agree on
 * them.
 *
 * @param kind plan, retrieval or egress
 * @param requestId the client's id of the request (deduplication, decision id)
 * @param sessionId the session, which is also the record key (partitioning)
 * @param tenant the tenant the request acts in
 * @param subjectId the agent acting (a plan's {@code subject.id}); null for a plan without subject
 * @param requestedAt when the client made the request
 */
public record RequestEnvelope(
    RequestKind kind,
    String requestId,
    String sessionId,
    String tenant,
    String subjectId,
    Instant requestedAt) {

  /** The envelope of a plan, retrieval or egress request; null for any other event. */
  public static RequestEnvelope of(SpecificRecord request) {
    if (request instanceof PlanRequest p) {
      return of(p);
    }
    if (request instanceof RetrievalRequest r) {
      return of(r);
    }
    if (request instanceof EgressRequest e) {
      return of(e);
    }
    return null;
  }

  /** The envelope of a plan. */
  public static RequestEnvelope of(PlanRequest p) {
    return new RequestEnvelope(
        RequestKind.PLAN,
        p.getRequestId(),
        p.getSessionId(),
        p.getTenant(),
        p.getSubject() == null ? null : p.getSubject().getId(),
        p.getRequestedAt());
  }

  /** The envelope of a retrieval request. */
  public static RequestEnvelope of(RetrievalRequest r) {
    return new RequestEnvelope(
        RequestKind.RETRIEVAL,
        r.getRequestId(),
        r.getSessionId(),
        r.getTenant(),
        r.getSubjectId(),
        r.getRequestedAt());
  }

  /** The envelope of an egress request. */
  public static RequestEnvelope of(EgressRequest e) {
    return new RequestEnvelope(
        RequestKind.EGRESS,
        e.getRequestId(),
        e.getSessionId(),
        e.getTenant(),
        e.getSubjectId(),
        e.getRequestedAt());
  }

  /**
   * The name of the first identifying field that is missing or blank ({@code request_id}, {@code
   * session_id}, {@code tenant}, {@code subject id}, in that order); null when all are present.
   */
  public String firstBlank() {
    if (blank(requestId)) {
      return "request_id";
    }
    if (blank(sessionId)) {
      return "session_id";
    }
    if (blank(tenant)) {
      return "tenant";
    }
    if (blank(subjectId)) {
      return "subject id";
    }
    return null;
  }

  /** The key of the request's session in the {@code privacy-budgets} store. */
  public String sessionKey() {
    return SessionKey.of(tenant, sessionId);
  }

  /**
   * Sets the decision's identifying fields from this envelope: its decision id (derived from the
   * request id), request and session ids, tenant, subject id and kind.
   */
  public Decision.Builder identify(Decision.Builder decision) {
    return decision
        .setDecisionId(DecisionIds.forRequest(requestId))
        .setRequestId(requestId)
        .setSessionId(sessionId)
        .setTenant(tenant)
        .setSubjectId(subjectId)
        .setKind(kind);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
