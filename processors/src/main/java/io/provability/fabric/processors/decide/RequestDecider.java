package io.provability.fabric.processors.decide;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.kernel.KernelEngine;
import io.provability.fabric.processors.kernel.KernelResult;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.ReasonCode;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * Routes a request to its decider and turns the outcome into a {@link Decision} event.
 *
 * <p>Plans go to the kernel. Retrieval and egress requests are denied with
 * {@link ReasonCode#UNSUPPORTED_KIND} until their deciders are deployed: deny by default.
 */
public final class RequestDecider {
  private final KernelEngine kernel;

  public RequestDecider(KernelEngine kernel) {
    this.kernel = kernel;
  }

  /** Decides {@code request} at {@code now}. Pure apart from measuring its own evaluation time. */
  public Decision decide(SpecificRecord request, PolicyView policy, Instant now) {
    long started = System.nanoTime();
    Decision.Builder out = Decision.newBuilder()
        .setPolicyVersion(policy.policyVersion())
        .setDecidedAt(now)
        .setRequestHash(ByteBuffer.wrap(CanonicalEncoding.sha256(request)));
    if (request instanceof PlanRequest plan) {
      KernelResult result = kernel.evaluate(plan, policy, now);
      out.setDecisionId(DecisionIds.forRequest(plan.getRequestId()))
          .setRequestId(plan.getRequestId())
          .setSessionId(plan.getSessionId())
          .setTenant(plan.getTenant())
          .setSubjectId(plan.getSubject().getId())
          .setKind(RequestKind.PLAN)
          .setVerdict(result.verdict())
          .setReasons(result.reasons())
          .setMatchedCapabilities(result.matchedCapabilities())
          .setTokenId(result.tokenId());
    } else if (request instanceof RetrievalRequest r) {
      unsupported(out, r.getRequestId(), r.getSessionId(), r.getTenant(), r.getSubjectId(), RequestKind.RETRIEVAL);
    } else if (request instanceof EgressRequest e) {
      unsupported(out, e.getRequestId(), e.getSessionId(), e.getTenant(), e.getSubjectId(), RequestKind.EGRESS);
    } else {
      throw new IllegalArgumentException("not a request event: " + request.getSchema().getFullName());
    }
    out.setEvalMicros((System.nanoTime() - started) / 1_000L);
    return out.build();
  }

  private static void unsupported(Decision.Builder out, String requestId, String sessionId, String tenant,
                                  String subjectId, RequestKind kind) {
    out.setDecisionId(DecisionIds.forRequest(requestId))
        .setRequestId(requestId)
        .setSessionId(sessionId)
        .setTenant(tenant)
        .setSubjectId(subjectId)
        .setKind(kind)
        .setVerdict(Verdict.DENY)
        .setReasons(List.of(Reason.newBuilder()
            .setCode(ReasonCode.UNSUPPORTED_KIND.name())
            .setStep(null)
            .setDetail(kind + " decider is not deployed in this version; denied by default")
            .build()));
  }
}
