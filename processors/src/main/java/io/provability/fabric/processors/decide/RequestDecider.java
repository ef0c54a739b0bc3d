package io.provability.fabric.processors.decide;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.egress.EgressFirewall;
import io.provability.fabric.processors.egress.EgressOutcome;
import io.provability.fabric.processors.kernel.JwsTokens;
import io.provability.fabric.processors.kernel.KernelEngine;
import io.provability.fabric.processors.kernel.KernelResult;
import io.provability.fabric.processors.kernel.PlanEvaluator;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.ReasonCode;
import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.processors.retrieval.RetrievalGateway;
import io.provability.fabric.processors.retrieval.RetrievalOutcome;
import io.provability.fabric.processors.retrieval.SessionKey;
import io.provability.fabric.processors.retrieval.SessionSpends;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.hash.Sha256;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;

/**
 * Routes a request to its decider and turns the outcome into a {@link Decision} event.
 *
 * <p>Plans go to the kernel, retrieval requests to the retrieval gateway (an allowed retrieval's
 * decision carries the signed access receipt), egress requests to the egress firewall (every egress
 * decision carries its signed certificate, a REDACT one the redacted text). A kind whose decider is
 * not configured (no signing key for it) is denied with {@link ReasonCode#UNSUPPORTED_KIND}: deny
 * by default.
 */
public final class RequestDecider {
  private final PlanEvaluator kernel;
  private final RetrievalGateway gateway;
  private final EgressFirewall firewall;
  private final SessionSpends.Factory sessionSpends;

  /** A decider with the kernel only: retrieval and egress requests are denied. */
  public RequestDecider(KernelEngine kernel) {
    this(kernel, null, null);
  }

  /**
   * @param kernel decides plans
   * @param gateway decides retrieval requests; null denies them with {@code UNSUPPORTED_KIND}
   * @param firewall decides egress requests; null denies them with {@code UNSUPPORTED_KIND}
   */
  public RequestDecider(KernelEngine kernel, RetrievalGateway gateway, EgressFirewall firewall) {
    this((PlanEvaluator) kernel, gateway, firewall);
  }

  /**
   * As above with any plan evaluator, e.g. the kernel behind the hot tier's decision cache.
   *
   * @param kernel decides plans
   * @param gateway decides retrieval requests; null denies them with {@code UNSUPPORTED_KIND}
   * @param firewall decides egress requests; null denies them with {@code UNSUPPORTED_KIND}
   */
  public RequestDecider(PlanEvaluator kernel, RetrievalGateway gateway, EgressFirewall firewall) {
    this(kernel, gateway, firewall, SessionSpends.UNCACHED);
  }

  /**
   * As above, with the way each task reads and writes session privacy spends (e.g. through the hot
   * tier's per-task near cache).
   *
   * @param sessionSpends opens the per-task view of the {@code privacy-budgets} store
   */
  public RequestDecider(
      PlanEvaluator kernel,
      RetrievalGateway gateway,
      EgressFirewall firewall,
      SessionSpends.Factory sessionSpends) {
    this.kernel = kernel;
    this.gateway = gateway;
    this.firewall = firewall;
    this.sessionSpends = sessionSpends;
  }

  /**
   * How a task opens its view of the session privacy spends (its processor does, in {@code
   * init()}).
   */
  public SessionSpends.Factory sessionSpends() {
    return sessionSpends;
  }

  /**
   * A decision and the state it changes.
   *
   * @param decision the decision event
   * @param sessionSpend the session's new privacy spend, to be stored with the decision; null when
   *     the decision spends nothing
   */
  public record Decided(Decision decision, PrivacySpend sessionSpend) {
    /**
     * The key of the decision's session in the {@code privacy-budgets} store: tenant and session
     * id.
     */
    public String sessionKey() {
      return SessionKey.of(decision.getTenant(), decision.getSessionId());
    }
  }

  /**
   * Decides {@code request} at {@code now}. Pure apart from measuring its own evaluation time.
   *
   * @param sessionSpend the privacy spend of a session so far, by {@link SessionKey} (tenant and
   *     session id; read only for retrievals)
   */
  public Decided decide(
      SpecificRecord request,
      PolicyView policy,
      Function<String, PrivacySpend> sessionSpend,
      Instant now) {
    return decide(request, CanonicalEncoding.encode(request), policy, sessionSpend, now);
  }

  /**
   * As {@link #decide(SpecificRecord, PolicyView, Function, Instant)} for a caller that already
   * holds the request's canonical encoding (the stream encodes it once for the request hash and the
   * REQUEST evidence leaf).
   *
   * @param canonicalRequest {@code CanonicalEncoding.encode(request)}; the request hash is its
   *     SHA-256
   */
  public Decided decide(
      SpecificRecord request,
      byte[] canonicalRequest,
      PolicyView policy,
      Function<String, PrivacySpend> sessionSpend,
      Instant now) {
    RequestEnvelope envelope = RequestEnvelope.of(request);
    if (envelope == null) {
      throw new IllegalArgumentException(
          "not a request event: " + request.getSchema().getFullName());
    }
    long started = System.nanoTime();
    // the identifying fields are the same whatever the verdict (a JWS token mapped below changes
    // none of them)
    Decision.Builder out =
        envelope
            .identify(Decision.newBuilder())
            .setPolicyVersion(policy.policyVersion())
            .setDecidedAt(now)
            .setRequestHash(ByteBuffer.wrap(Sha256.digest(canonicalRequest)));
    PrivacySpend newSpend = null;
    String tokenProblem = null;
    if (request instanceof PlanRequest p
        && p.getSubject() != null
        && p.getSubject().getTokenJws() != null) {
      try {
        request = withJwsToken(p);
      } catch (JwsTokens.InvalidJwsException e) {
        tokenProblem = e.getMessage();
      }
    } else if (request instanceof RetrievalRequest r && r.getTokenJws() != null) {
      try {
        request = withJwsToken(r);
      } catch (JwsTokens.InvalidJwsException e) {
        tokenProblem = e.getMessage();
      }
    }
    if (tokenProblem != null) {
      // only plans and retrieval requests carry a JWS token
      denied(out, ReasonCode.TOKEN_INVALID_SIGNATURE, tokenProblem);
    } else if (request instanceof PlanRequest plan) {
      KernelResult result = kernel.evaluate(plan, policy, now);
      out.setVerdict(result.verdict())
          .setReasons(result.reasons())
          .setMatchedCapabilities(result.matchedCapabilities())
          .setTokenId(result.tokenId());
    } else if (request instanceof RetrievalRequest r && gateway != null) {
      PrivacySpend spent = sessionSpend.apply(envelope.sessionKey());
      RetrievalOutcome result = gateway.decide(r, policy, spent, now);
      out.setVerdict(result.verdict())
          .setReasons(result.reasons())
          .setMatchedCapabilities(result.matchedCapabilities())
          .setTokenId(result.tokenId())
          .setReceipt(result.receipt());
      if (!result.sessionSpend().equals(spent)) {
        newSpend = result.sessionSpend();
      }
    } else if (request instanceof RetrievalRequest) {
      denied(
          out,
          ReasonCode.UNSUPPORTED_KIND,
          "no retrieval gateway signing key is configured; denied by default");
    } else if (request instanceof EgressRequest e && firewall != null) {
      EgressOutcome result = firewall.check(e, now);
      out.setVerdict(result.verdict())
          .setReasons(result.reasons())
          .setRedactedText(result.redactedText())
          .setCertificate(result.certificate());
    } else {
      denied(
          out,
          ReasonCode.UNSUPPORTED_KIND,
          "no egress certificate signing key is configured; denied by default");
    }
    out.setEvalMicros((System.nanoTime() - started) / 1_000L);
    return new Decided(out.build(), newSpend);
  }

  /**
   * The request with its JWS token mapped onto the token record ({@link JwsTokens#toToken}), so
   * that every rule and cache works on one shape; the signature is verified later, like any
   * token's.
   *
   * @throws JwsTokens.InvalidJwsException if the JWS cannot be a token, or an Avro token is set too
   */
  private static PlanRequest withJwsToken(PlanRequest plan) throws JwsTokens.InvalidJwsException {
    if (plan.getSubject().getToken() != null) {
      throw new JwsTokens.InvalidJwsException(
          "both token and token_jws are set; present one token");
    }
    CapabilityToken token = JwsTokens.toToken(plan.getSubject().getTokenJws());
    return PlanRequest.newBuilder(plan)
        .setSubject(Subject.newBuilder(plan.getSubject()).setToken(token).build())
        .build();
  }

  private static RetrievalRequest withJwsToken(RetrievalRequest r)
      throws JwsTokens.InvalidJwsException {
    if (r.getToken() != null) {
      throw new JwsTokens.InvalidJwsException(
          "both token and token_jws are set; present one token");
    }
    return RetrievalRequest.newBuilder(r).setToken(JwsTokens.toToken(r.getTokenJws())).build();
  }

  private static void denied(Decision.Builder out, ReasonCode code, String detail) {
    out.setVerdict(Verdict.DENY)
        .setReasons(
            List.of(
                Reason.newBuilder().setCode(code.name()).setStep(null).setDetail(detail).build()));
  }
}
