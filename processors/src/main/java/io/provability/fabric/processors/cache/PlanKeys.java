package io.provability.fabric.processors.cache;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Constraints;
import io.provability.fabric.events.ContentRef;
import io.provability.fabric.events.InputChannels;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.RetrievedContent;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.ResourcePattern;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the decision-cache keys of a plan from exactly what {@code KernelEngine} reads — never from
 * similarity. A key is SHA-256 over:
 * <ul>
 *   <li>the deployment (trusted issuer and receipt key rings, kernel limits, key format version);
 *   <li>the policy state the decision reads: the policy version, whether the token is revoked, and the
 *       subject's current grant (its canonical encoding) — so a revocation, a grant change or a policy
 *       version bump yields a different key and an old entry can never be served again;
 *   <li>the plan's tenant, subject id, token (canonical encoding, signature and key id included),
 *       whether the plan has expired at {@code now}, system prompt hash, constraints (budget, dp_epsilon, dp_delta, latency_max), input
 *       channels (system hash; whether user, retrieved and file content is quoted; retrieved receipt ids
 *       and labels) and, per step: tool, effect, required capabilities, labels in and out, every receipt
 *       (canonical encoding) and the resource.
 * </ul>
 * Not in the key, because the kernel never reads them: request and session ids, timestamps other than
 * the expiries, plan id, step arguments, subject caps, content hashes, the pii flag and the system
 * channel's policy hash. Requests that differ only there share a key (a <em>normalised</em> hit).
 *
 * <p>Resources appear in one of two forms. The <em>literal</em> key holds the resource strings (and
 * the plan's expiry itself, quoted by a {@code PLAN_EXPIRED} reason). The
 * <em>pattern</em> key holds instead what the kernel learns from a resource: whether it is canonical,
 * whether its first segment is the plan's tenant, and which glob of every token and grant capability
 * matches it. A decision whose reasons quote neither a resource nor the plan's expiry is stored under
 * the pattern key, so a resource covered by the same patterns hits it (a <em>pattern</em> hit); any
 * other is stored under the literal key.
 *
 * <p>Time: the kernel compares the clock with the plan's expiry, the token's not-before and expiry, and
 * each receipt's timestamp. The first is in the key as its answer at {@code now}; for the others
 * {@link #validity} gives the interval around {@code now} in which none of them changes, so a cached
 * decision is never served past the moment it would change, nor before the moment it became true (a
 * clock that jumps back).
 */
public final class PlanKeys {
  private static final byte[] FORMAT = "fabric/plan-decision-key/v1".getBytes(StandardCharsets.UTF_8);

  private final byte[] deployment;

  /** @param deployment digest of the trusted key rings and kernel limits (see {@link #deploymentDigest}) */
  public PlanKeys(byte[] deployment) {
    this.deployment = deployment.clone();
  }

  /** SHA-256 over the parts of the deployment a decision depends on. */
  public static byte[] deploymentDigest(byte[]... parts) {
    MessageDigest md = sha256();
    for (byte[] p : parts) {
      md.update(intBytes(p.length));
      md.update(p);
    }
    return md.digest();
  }

  /**
   * The two keys of a plan and what classifying a hit needs.
   *
   * @param pattern key with resources replaced by what the kernel learns from them
   * @param literal key with the resource strings
   * @param resources hash of the literal resources (tells a pattern hit from a normalised one)
   * @param extras hash of the fields the kernel does not read (tells an exact hit from a normalised one)
   * @param tokenId the token id (revocation tag), or null
   * @param subjectTag {@code tenant:subject} (grant tag), or null
   * @param stepResources the steps' resources, to see whether a result quotes one
   */
  public record Keys(ByteKey pattern, ByteKey literal, long resources, long extras, String tokenId,
                     String subjectTag, List<String> stepResources) {}

  /**
   * Computes the keys of {@code plan} under {@code policy}.
   *
   * @throws RuntimeException if a field the key needs is missing; the caller then evaluates afresh
   */
  public Keys of(PlanRequest plan, PolicyView policy, Instant now) {
    MessageDigest md = sha256();
    md.update(FORMAT);
    md.update(deployment);
    longField(md, policy.policyVersion());
    String tenant = plan.getTenant();
    String subject = plan.getSubject() == null ? null : plan.getSubject().getId();
    str(md, tenant);
    str(md, subject);
    CapabilityToken token = plan.getSubject() == null ? null : plan.getSubject().getToken();
    if (token == null) {
      md.update((byte) 0);
    } else {
      md.update((byte) 1);
      bytes(md, CanonicalEncoding.encode(token));
      str(md, token.getKeyId());
      md.update((byte) (policy.isRevoked(token.getTokenId()) ? 1 : 0));
    }
    Optional<CapabilityGrant> grant = blank(tenant) || blank(subject) ? Optional.empty() : policy.grant(tenant, subject);
    if (grant.isPresent()) {
      md.update((byte) 1);
      bytes(md, CanonicalEncoding.encode(grant.get()));
    } else {
      md.update((byte) 0);
    }
    // the kernel reads the plan's expiry only as "now < expires_at" (and quotes it in PLAN_EXPIRED,
    // which is why such results are stored under the literal key, which holds the expiry itself)
    md.update((byte) (now.isBefore(plan.getExpiresAt()) ? 1 : 0));
    str(md, plan.getSystemPromptHash());
    Constraints c = plan.getConstraints();
    doubleField(md, c.getBudget());
    doubleField(md, c.getDpEpsilon());
    doubleField(md, c.getDpDelta());
    doubleField(md, c.getLatencyMax());
    channels(md, plan.getInputChannels());

    List<PlanStep> steps = plan.getSteps();
    longField(md, steps.size());
    List<String> resources = new ArrayList<>(steps.size());
    for (PlanStep step : steps) {
      str(md, step.getTool());
      str(md, step.getEffect().name());
      strings(md, step.getCapsRequired());
      strings(md, step.getLabelsIn());
      strings(md, step.getLabelsOut());
      longField(md, step.getReceipts().size());
      for (AccessReceipt r : step.getReceipts()) {
        bytes(md, CanonicalEncoding.encode(r));
      }
      resources.add(step.getResource());
    }

    MessageDigest literal = copy(md);
    literal.update((byte) 'L');
    instant(literal, plan.getExpiresAt());
    for (String r : resources) {
      str(literal, r);
    }
    md.update((byte) 'P');
    for (String r : resources) {
      resourceSignature(md, r, tenant, token, grant);
    }
    return new Keys(new ByteKey(md.digest()), new ByteKey(literal.digest()), resources.hashCode(), extras(plan),
        token == null ? null : token.getTokenId(), blank(tenant) || blank(subject) ? null : tenant + ":" + subject,
        resources);
  }

  /** What the kernel can learn from a resource: canonical, same tenant, which globs match it. */
  private static void resourceSignature(MessageDigest md, String resource, String tenant, CapabilityToken token,
                                        Optional<CapabilityGrant> grant) {
    if (resource == null) {
      md.update((byte) 0);
      return;
    }
    boolean canonical = ResourcePattern.isCanonical(resource);
    md.update((byte) (canonical ? 2 : 1));
    if (!canonical) {
      return;
    }
    md.update((byte) (ResourcePattern.tenantOf(resource).equals(tenant) ? 1 : 0));
    if (token != null) {
      globMatches(md, token.getCapabilities(), resource);
    }
    if (grant.isPresent()) {
      globMatches(md, grant.get().getCapabilities(), resource);
    }
  }

  private static void globMatches(MessageDigest md, List<Capability> caps, String resource) {
    for (Capability cap : caps) {
      for (String glob : cap.getResources()) {
        md.update((byte) (ResourcePattern.matches(glob, resource) ? 1 : 0));
      }
    }
  }

  private static void channels(MessageDigest md, InputChannels ch) {
    str(md, ch.getSystem().getHash());
    ContentRef user = ch.getUser();
    md.update((byte) (user == null ? 0 : user.getQuoted() ? 2 : 1));
    longField(md, ch.getRetrieved().size());
    for (RetrievedContent r : ch.getRetrieved()) {
      str(md, r.getReceiptId());
      strings(md, r.getLabels());
      md.update((byte) (r.getQuoted() ? 1 : 0));
    }
    longField(md, ch.getFile().size());
    for (ContentRef f : ch.getFile()) {
      md.update((byte) (f.getQuoted() ? 1 : 0));
    }
  }

  /**
   * A hash of the fields the kernel does not read but a client might think of as "the request" (plan
   * id, arguments, content hashes, subject caps, pii flag, policy hash). Used only to tell an exact hit
   * from a normalised one in the metrics, never to decide anything.
   */
  private static long extras(PlanRequest plan) {
    int h = Objects.hash(plan.getPlanId(), plan.getSubject() == null ? null : plan.getSubject().getCaps(),
        plan.getConstraints().getPii(), plan.getInputChannels().getSystem().getPolicyHash(),
        plan.getInputChannels().getUser() == null ? null : plan.getInputChannels().getUser().getContentHash());
    for (PlanStep s : plan.getSteps()) {
      h = 31 * h + Objects.hashCode(s.getArgs());
    }
    for (RetrievedContent r : plan.getInputChannels().getRetrieved()) {
      h = 31 * h + Objects.hashCode(r.getContentHash());
    }
    for (ContentRef f : plan.getInputChannels().getFile()) {
      h = 31 * h + Objects.hashCode(f.getContentHash());
    }
    return h;
  }

  /**
   * The largest interval {@code [from, until)} around {@code now} in which every time comparison the
   * kernel makes for {@code plan} with the token and the receipts keeps its answer, cut at
   * {@code now + ttl}. (The plan's own expiry is in the key as the answer of its comparison.)
   */
  public static Instant[] validity(PlanRequest plan, Instant now, java.time.Duration ttl) {
    Instant from = Instant.MIN;
    Instant until = now.plus(ttl);
    List<Instant> bounds = new ArrayList<>();
    CapabilityToken token = plan.getSubject() == null ? null : plan.getSubject().getToken();
    if (token != null) {
      bounds.add(token.getExpiresAt());
      bounds.add(token.getNotBefore());
    }
    for (PlanStep s : plan.getSteps()) {
      for (AccessReceipt r : s.getReceipts()) {
        bounds.add(r.getTimestamp());
      }
    }
    for (Instant b : bounds) {
      if (b == null) {
        continue;
      }
      if (!b.isAfter(now)) {
        if (b.isAfter(from)) {
          from = b;
        }
      } else if (b.isBefore(until)) {
        until = b;
      }
    }
    return new Instant[] {from, until};
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static MessageDigest copy(MessageDigest md) {
    try {
      return (MessageDigest) md.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the platform's SHA-256 cannot be cloned", e);
    }
  }

  private static void instant(MessageDigest md, Instant t) {
    longField(md, t.getEpochSecond());
    md.update(intBytes(t.getNano()));
  }

  private static void strings(MessageDigest md, List<String> values) {
    longField(md, values.size());
    for (String v : values) {
      str(md, v);
    }
  }

  private static void str(MessageDigest md, String s) {
    if (s == null) {
      md.update(intBytes(-1));
      return;
    }
    bytes(md, s.getBytes(StandardCharsets.UTF_8));
  }

  private static void bytes(MessageDigest md, byte[] b) {
    md.update(intBytes(b.length));
    md.update(b);
  }

  private static void doubleField(MessageDigest md, double d) {
    longField(md, Double.doubleToRawLongBits(d));
  }

  private static void longField(MessageDigest md, long v) {
    for (int i = 56; i >= 0; i -= 8) {
      md.update((byte) (v >>> i));
    }
  }

  private static byte[] intBytes(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
