package io.provability.fabric.topology.traffic;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Constraints;
import io.provability.fabric.events.ContentRef;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.InputChannels;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.SystemChannel;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.kernel.KernelEngine;
import io.provability.fabric.processors.kernel.ReasonCode;
import io.provability.fabric.processors.kernel.TokenSigning;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.schemas.serde.EventCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The requests of a load run, each with the verdict (and, for plans and retrievals, the reason
 * code) the fabric must give it, so every decision that comes back is checked, not just counted.
 *
 * <p>Kinds: plans (allowed: read docs, sometimes send mail; denied: a missing capability, a
 * resource out of scope, a secret label flowing out), retrievals (allowed: public/private labels on
 * the tenant's shard; denied: a secret label), egress checks (allowed: clean text, or text with an
 * e-mail address that is redacted; denied: text carrying a GitHub token, blocked). Every agent
 * (tenant × subject) holds one signed capability token that all its sessions share, as an agent
 * runtime would; tokens are minted lazily, so a million sessions cost no start-up.
 *
 * <p>Request ids are {@code <prefix><sequence>}: the sequence is the index into the run's
 * bookkeeping, so matching a decision costs no map lookup. Not thread-safe: one sender thread.
 */
public final class LoadTraffic {
  /** One request ready to send. */
  public record LoadRequest(
      long seq,
      String requestId,
      String sessionId,
      RequestKind kind,
      byte[] bytes,
      Verdict expectedVerdict,
      String expectedCode) {}

  static final String SYSTEM_HASH =
      Hex.encode(Sha256.digest("system prompt v1".getBytes(StandardCharsets.UTF_8)));
  private static final String CLEAN_TEXT =
      "Summary for the team: the quarterly review moves to next week; "
          + "the handbook chapter on onboarding was updated and the runbook links are fixed.";
  private static final String EMAIL_TEXT =
      "Please forward the notes to jane.doe@corp.example.org before the review.";
  private static final String TOKEN_TEXT =
      "deploy with token ghs_VsWmflzdE1F8ResqEDusTpkr0cStY40aF65f now";
  private static final String[] DOC_TOPICS = {
    "handbook", "pricing/2026", "runbooks/oncall", "contracts/msa", "faq"
  };

  private final String prefix;
  private final String sessionPrefix;
  private final LoadProfile profile;
  private final Ed25519.SigningKey issuer;
  private final Clock clock;
  private final Instant tokensIssued;
  private final SplittableRandom random;
  private final Zipf sessionPicker;
  private final CapabilityToken[] tokens;
  private final BitSet sessionsTouched;
  private final int planWeight;
  private final int retrievalWeight;
  private final int totalWeight;
  private final EventCodec codec = EventCodec.standard();
  private long sequence;

  /**
   * @param prefix prepended to every request id, so runs sharing a broker and a database can be
   *     told apart
   * @param sessionPrefix prepended to every session and token id (steps of one search share
   *     sessions)
   * @param issuer a key whose public half is in the fabric's trusted issuer ring
   */
  public LoadTraffic(
      String prefix,
      String sessionPrefix,
      LoadProfile profile,
      Ed25519.SigningKey issuer,
      Clock clock) {
    this.prefix = prefix;
    this.sessionPrefix = sessionPrefix;
    this.profile = profile;
    this.issuer = issuer;
    this.clock = clock;
    this.tokensIssued = clock.instant();
    this.random = new SplittableRandom(profile.seed());
    this.sessionPicker = new Zipf(profile.sessions(), profile.zipfExponent());
    this.tokens = new CapabilityToken[profile.tenants() * profile.subjectsPerTenant()];
    this.sessionsTouched = new BitSet(profile.sessions());
    LoadProfile.Mix mix = profile.mix();
    this.planWeight = mix.plan();
    this.retrievalWeight = mix.retrieval();
    this.totalWeight = mix.plan() + mix.retrieval() + mix.egress();
  }

  /** The prefix of this run's request ids. */
  public String prefix() {
    return prefix;
  }

  /** The sequence number of a request id of this run, or -1 if the id is not one of this run's. */
  public static long sequenceOf(String prefix, String requestId) {
    if (!requestId.startsWith(prefix)) {
      return -1;
    }
    try {
      return Long.parseLong(requestId, prefix.length(), requestId.length(), 10);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Distinct sessions the requests so far went to. */
  public int sessionsTouched() {
    return sessionsTouched.cardinality();
  }

  /** The next request, stamped with the clock's current time. */
  public LoadRequest next() {
    long seq = sequence++;
    int session =
        profile.sessionOrder() == LoadProfile.SessionOrder.ROUND_ROBIN
            ? (int) (seq % profile.sessions())
            : sessionPicker.next(random);
    sessionsTouched.set(session);
    int tenantNo = session % profile.tenants();
    int subjectNo = (session / profile.tenants()) % profile.subjectsPerTenant();
    String tenant = "tenant-" + tenantNo;
    String subject = "agent-" + tenantNo + "-" + subjectNo;
    String sessionId = sessionPrefix + "s" + session;
    String requestId = prefix + seq;
    Instant now = clock.instant();
    boolean allow = random.nextDouble() < profile.allowRatio();
    int roll = random.nextInt(totalWeight);
    int variant = random.nextInt(12);
    if (roll < planWeight) {
      return plan(
          seq,
          requestId,
          sessionId,
          tenant,
          subject,
          token(tenantNo, subjectNo, tenant, subject),
          now,
          allow,
          variant);
    } else if (roll < planWeight + retrievalWeight) {
      return retrieval(
          seq,
          requestId,
          sessionId,
          tenant,
          subject,
          token(tenantNo, subjectNo, tenant, subject),
          now,
          allow,
          variant);
    }
    return egress(seq, requestId, sessionId, tenant, subject, now, allow, variant);
  }

  private LoadRequest plan(
      long seq,
      String requestId,
      String sessionId,
      String tenant,
      String subject,
      CapabilityToken token,
      Instant now,
      boolean allow,
      int variant) {
    List<PlanStep> steps;
    PlanStep read =
        step(
            "search_docs",
            "read_docs",
            EffectKind.READ,
            tenant + "/docs/" + DOC_TOPICS[variant % DOC_TOPICS.length],
            List.of("public"));
    ReasonCode code = null;
    if (allow) {
      steps =
          variant % 3 == 0
              ? List.of(
                  read,
                  step(
                      "send_email",
                      "send_email",
                      EffectKind.SEND,
                      tenant + "/mail/outbox",
                      List.of("public")))
              : List.of(read);
    } else {
      switch (variant % 3) {
        case 0 -> {
          code = ReasonCode.CAP_MISS;
          steps =
              List.of(
                  read,
                  step(
                      "write_report",
                      "write_reports",
                      EffectKind.WRITE,
                      tenant + "/reports/q" + (seq % 4),
                      List.of("public")));
        }
        case 1 -> {
          code = ReasonCode.RESOURCE_OUT_OF_SCOPE;
          steps =
              List.of(
                  read,
                  step(
                      "search_docs",
                      "read_docs",
                      EffectKind.READ,
                      tenant + "/secrets/keys",
                      List.of("public")));
        }
        default -> {
          code = ReasonCode.LABEL_FLOW;
          steps =
              List.of(
                  read,
                  step(
                      "send_email",
                      "send_email",
                      EffectKind.SEND,
                      tenant + "/mail/outbox",
                      List.of("public", "secret")));
        }
      }
    }
    PlanRequest plan =
        new PlanRequest(
            requestId,
            sessionId,
            now,
            "plan-" + seq,
            tenant,
            new Subject(subject, token, List.of(), null),
            steps,
            new InputChannels(
                new SystemChannel(SYSTEM_HASH, SYSTEM_HASH),
                new ContentRef(SYSTEM_HASH, true),
                List.of(),
                List.of()),
            new Constraints(1.0, false, 0.1, 1e-6, 30.0),
            SYSTEM_HASH,
            now.minusSeconds(1),
            now.plus(Duration.ofMinutes(10)));
    return new LoadRequest(
        seq,
        requestId,
        sessionId,
        RequestKind.PLAN,
        codec.encode(plan),
        allow ? Verdict.ALLOW : Verdict.DENY,
        code == null ? null : code.name());
  }

  private LoadRequest retrieval(
      long seq,
      String requestId,
      String sessionId,
      String tenant,
      String subject,
      CapabilityToken token,
      Instant now,
      boolean allow,
      int variant) {
    List<String> labels =
        allow
            ? (variant % 2 == 0 ? List.of("public") : List.of("public", "private"))
            : List.of("public", "secret");
    RetrievalRequest r =
        new RetrievalRequest(
            requestId,
            sessionId,
            now,
            tenant,
            subject,
            token,
            "quarterly revenue by region " + (variant % 4),
            labels,
            "docs-eu-" + (variant % 3),
            0.0,
            0.0,
            null);
    return new LoadRequest(
        seq,
        requestId,
        sessionId,
        RequestKind.RETRIEVAL,
        codec.encode(r),
        allow ? Verdict.ALLOW : Verdict.DENY,
        allow ? null : ReasonCode.LABEL_DENIED.name());
  }

  private LoadRequest egress(
      long seq,
      String requestId,
      String sessionId,
      String tenant,
      String subject,
      Instant now,
      boolean allow,
      int variant) {
    String text;
    Verdict expected;
    if (!allow) {
      text = TOKEN_TEXT;
      expected = Verdict.BLOCK;
    } else if (variant % 4 == 0) {
      text = EMAIL_TEXT;
      expected = Verdict.REDACT;
    } else {
      text = CLEAN_TEXT;
      expected = Verdict.ALLOW;
    }
    EgressRequest e = new EgressRequest(requestId, sessionId, now, tenant, subject, text, null);
    return new LoadRequest(
        seq, requestId, sessionId, RequestKind.EGRESS, codec.encode(e), expected, null);
  }

  private static PlanStep step(
      String tool, String cap, EffectKind effect, String resource, List<String> labelsOut) {
    return new PlanStep(
        tool,
        Map.of("q", tool),
        List.of(cap),
        resource,
        effect,
        List.of("public"),
        labelsOut,
        List.of());
  }

  private CapabilityToken token(int tenantNo, int subjectNo, String tenant, String subject) {
    int i = tenantNo * profile.subjectsPerTenant() + subjectNo;
    CapabilityToken t = tokens[i];
    if (t == null) {
      Instant from = tokensIssued.minus(Duration.ofMinutes(5));
      CapabilityToken unsigned =
          new CapabilityToken(
              sessionPrefix + "tok-" + tenantNo + "-" + subjectNo,
              tenant,
              subject,
              List.of(
                  new Capability("read_docs", EffectKind.READ, List.of(tenant + "/docs/**")),
                  new Capability("send_email", EffectKind.SEND, List.of(tenant + "/mail/*")),
                  new Capability(
                      KernelEngine.RETRIEVAL, EffectKind.READ, List.of(tenant + "/docs-*"))),
              from,
              from,
              tokensIssued.plus(Duration.ofHours(12)),
              "load-issuer",
              issuer.keyId(),
              ByteBuffer.allocate(0));
      t = TokenSigning.sign(unsigned, issuer);
      tokens[i] = t;
    }
    return t;
  }
}
