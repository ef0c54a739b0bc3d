package io.provability.fabric.processors.cache.internal;

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
import io.provability.fabric.processors.cache.ByteKey;
import io.provability.fabric.processors.decide.RequestEnvelope;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.internal.ResourcePattern;
import io.provability.fabric.schemas.bytes.Bytes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the decision-cache keys of a plan from exactly what {@code KernelEngine} reads — never
 * from similarity. A key is SHA-256 over:
 *
 * <ul>
 *   <li>the deployment (trusted issuer and receipt key rings, kernel limits, key format version);
 *   <li>the policy state the decision reads: the policy version, whether the token is revoked, and
 *       the subject's current grant (every field) — so a revocation, a grant change or a policy
 *       version bump yields a different key and an old entry can never be served again;
 *   <li>the plan's tenant, subject id, token (every field, signature and key id included), whether
 *       the plan has expired at {@code now}, system prompt hash, constraints (budget, dp_epsilon,
 *       dp_delta, latency_max), input channels (system hash; whether user, retrieved and file
 *       content is quoted; retrieved receipt ids with their labels and content hashes) and, per
 *       step: tool, effect, required capabilities, labels in and out, every receipt (every field,
 *       signature included) and the resource.
 * </ul>
 *
 * Not in the key, because the kernel never reads them: request and session ids, timestamps other
 * than the expiries, plan id, step arguments, subject caps, user and file content hashes, the pii
 * flag and the system channel's policy hash. Requests that differ only there share a key (a
 * <em>normalised</em> hit).
 *
 * <p>Resources appear in one of two forms. The <em>literal</em> key holds the resource strings (and
 * the plan's expiry itself, quoted by a {@code PLAN_EXPIRED} reason). The <em>pattern</em> key
 * holds instead what the kernel learns from a resource: whether it is canonical, whether its first
 * segment is the plan's tenant, and whether the token's and the grant's capability named by each
 * required capability cover it. A decision the kernel marks as quoting neither a resource nor the
 * plan's expiry ({@code KernelResult.quotesLiterals()}, set from the reasons' structured fields) is
 * stored under the pattern key, so a resource covered by the same patterns hits it (a
 * <em>pattern</em> hit); any other is stored under the literal key.
 *
 * <p>Time: the kernel compares the clock with the plan's expiry, the token's not-before and expiry,
 * and each receipt's timestamp. The first is in the key as its answer at {@code now}; for the
 * others {@link #validity} gives the interval around {@code now} in which none of them changes, so
 * a cached decision is never served past the moment it would change, nor before the moment it
 * became true (a clock that jumps back).
 */
public final class PlanKeys {
  private static final byte[] FORMAT =
      "fabric/plan-decision-key/v2".getBytes(StandardCharsets.UTF_8);

  private final byte[] deployment;

  /**
   * @param deployment digest of the trusted key rings and kernel limits (see {@link
   *     #deploymentDigest})
   */
  public PlanKeys(byte[] deployment) {
    this.deployment = deployment.clone();
  }

  /** SHA-256 over the parts of the deployment a decision depends on. */
  public static byte[] deploymentDigest(byte[]... parts) {
    MessageDigest md = sha256();
    for (byte[] p : parts) {
      md.update(ByteBuffer.allocate(4).putInt(p.length).array());
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
   * @param extras hash of the fields the kernel does not read (tells an exact hit from a normalised
   *     one)
   * @param tokenId the token id (revocation tag), or null
   * @param subjectTag {@code tenant:subject} (grant tag), or null
   */
  public record Keys(
      ByteKey pattern,
      ByteKey literal,
      long resources,
      long extras,
      String tokenId,
      String subjectTag) {}

  /**
   * Computes the keys of {@code plan} under {@code policy}.
   *
   * @throws RuntimeException if a field the key needs is missing; the caller then evaluates afresh
   */
  public Keys of(PlanRequest plan, PolicyView policy, Instant now) {
    KeyBuffer md = BUFFERS.get();
    md.reset();
    md.update(FORMAT);
    md.update(deployment);
    longField(md, policy.policyVersion());
    RequestEnvelope envelope = RequestEnvelope.of(plan);
    String tenant = envelope.tenant();
    String subject = envelope.subjectId();
    str(md, tenant);
    str(md, subject);
    CapabilityToken token = plan.getSubject() == null ? null : plan.getSubject().getToken();
    if (token == null) {
      md.update((byte) 0);
    } else {
      md.update((byte) 1);
      token(md, token);
      md.update((byte) (policy.isRevoked(token.getTokenId()) ? 1 : 0));
    }
    Optional<CapabilityGrant> grant =
        blank(tenant) || blank(subject) ? Optional.empty() : policy.grant(tenant, subject);
    if (grant.isPresent()) {
      md.update((byte) 1);
      CapabilityGrant g = grant.get();
      str(md, g.getGrantId());
      str(md, g.getTenant());
      str(md, g.getSubjectId());
      capabilities(md, g.getCapabilities());
      longField(md, g.getPolicyVersion());
      instant(md, g.getGrantedAt());
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
        receipt(md, r);
      }
      resources.add(step.getResource());
    }

    int common = md.size();
    md.update((byte) 'P');
    for (PlanStep step : steps) {
      resourceSignature(md, step, tenant, token, grant);
    }
    ByteKey pattern = new ByteKey(md.digest());
    md.truncate(common);
    md.update((byte) 'L');
    instant(md, plan.getExpiresAt());
    for (String r : resources) {
      str(md, r);
    }
    ByteKey literal = new ByteKey(md.digest());
    return new Keys(
        pattern,
        literal,
        resources.hashCode(),
        extras(plan),
        token == null ? null : token.getTokenId(),
        blank(tenant) || blank(subject) ? null : tenant + ":" + subject);
  }

  /**
   * Every field of the token, signature and key id included: tokens that differ anywhere differ
   * here.
   */
  private static void token(KeyBuffer md, CapabilityToken t) {
    str(md, t.getTokenId());
    str(md, t.getTenant());
    str(md, t.getSubjectId());
    capabilities(md, t.getCapabilities());
    instant(md, t.getIssuedAt());
    instant(md, t.getNotBefore());
    instant(md, t.getExpiresAt());
    str(md, t.getIssuer());
    str(md, t.getKeyId());
    byteBuffer(md, t.getSignature());
  }

  /** Every field of the receipt, signature included. */
  private static void receipt(KeyBuffer md, AccessReceipt r) {
    str(md, r.getReceiptId());
    str(md, r.getTenant());
    str(md, r.getSubjectId());
    str(md, r.getQueryHash());
    str(md, r.getResultHash());
    str(md, r.getIndexShard());
    strings(md, r.getLabels());
    instant(md, r.getTimestamp());
    str(md, r.getSignAlg());
    str(md, r.getKeyId());
    byteBuffer(md, r.getSignature());
  }

  private static void capabilities(KeyBuffer md, List<Capability> caps) {
    longField(md, caps.size());
    for (Capability cap : caps) {
      str(md, cap.getName());
      str(md, cap.getEffect().name());
      strings(md, cap.getResources());
    }
  }

  private static void byteBuffer(KeyBuffer md, ByteBuffer b) {
    bytes(md, Bytes.toArray(b));
  }

  /**
   * What the kernel can learn from a step's resource: whether it is canonical, whether it is in the
   * plan's tenant, and for each required capability whether the token's (first) capability of that
   * name and the grant's cover it. Which glob matched is never read, only whether one did.
   */
  private static void resourceSignature(
      KeyBuffer md,
      PlanStep step,
      String tenant,
      CapabilityToken token,
      Optional<CapabilityGrant> grant) {
    String resource = step.getResource();
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
    for (String capName : step.getCapsRequired()) {
      md.update((byte) (token == null ? 0 : covers(token.getCapabilities(), capName, resource)));
      md.update(
          (byte) (grant.isEmpty() ? 0 : covers(grant.get().getCapabilities(), capName, resource)));
    }
  }

  /**
   * 0: no capability of that name; 1: the first of that name does not cover the resource; 2: it
   * does.
   */
  private static int covers(List<Capability> caps, String capName, String resource) {
    for (Capability cap : caps) {
      if (cap.getName().equals(capName)) {
        for (String glob : cap.getResources()) {
          if (ResourcePattern.matches(glob, resource)) {
            return 2;
          }
        }
        return 1;
      }
    }
    return 0;
  }

  private static void channels(KeyBuffer md, InputChannels ch) {
    str(md, ch.getSystem().getHash());
    ContentRef user = ch.getUser();
    md.update((byte) (user == null ? 0 : user.getQuoted() ? 2 : 1));
    longField(md, ch.getRetrieved().size());
    for (RetrievedContent r : ch.getRetrieved()) {
      str(md, r.getReceiptId());
      strings(md, r.getLabels());
      // the kernel compares it with the receipt's result hash
      str(md, r.getContentHash());
      md.update((byte) (r.getQuoted() ? 1 : 0));
    }
    longField(md, ch.getFile().size());
    for (ContentRef f : ch.getFile()) {
      md.update((byte) (f.getQuoted() ? 1 : 0));
    }
  }

  /**
   * A hash of the fields the kernel does not read but a client might think of as "the request"
   * (plan id, arguments, user and file content hashes, subject caps, pii flag, policy hash). Used
   * only to tell an exact hit from a normalised one in the metrics, never to decide anything.
   */
  private static long extras(PlanRequest plan) {
    int h =
        Objects.hash(
            plan.getPlanId(),
            plan.getSubject() == null ? null : plan.getSubject().getCaps(),
            plan.getConstraints().getPii(),
            plan.getInputChannels().getSystem().getPolicyHash(),
            plan.getInputChannels().getUser() == null
                ? null
                : plan.getInputChannels().getUser().getContentHash());
    for (PlanStep s : plan.getSteps()) {
      h = 31 * h + Objects.hashCode(s.getArgs());
    }
    for (ContentRef f : plan.getInputChannels().getFile()) {
      h = 31 * h + Objects.hashCode(f.getContentHash());
    }
    return h;
  }

  /**
   * The largest interval {@code [from, until)} around {@code now} in which every time comparison
   * the kernel makes for {@code plan} with the token and the receipts keeps its answer, cut at
   * {@code now + ttl}. (The plan's own expiry is in the key as the answer of its comparison.)
   */
  public static Instant[] validity(PlanRequest plan, Instant now, Duration ttl) {
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

  private static final ThreadLocal<KeyBuffer> BUFFERS = ThreadLocal.withInitial(KeyBuffer::new);

  /**
   * The key's bytes, written once into a reused array and hashed in one call (per-byte digest
   * updates and per-field arrays cost more than the kernel's whole evaluation). Every
   * variable-length field is length-prefixed, so the encoding is injective.
   */
  private static final class KeyBuffer {
    private final MessageDigest sha = sha256();
    private byte[] buf = new byte[1024];
    private int size;

    void reset() {
      size = 0;
    }

    int size() {
      return size;
    }

    void truncate(int n) {
      size = n;
    }

    private void ensure(int more) {
      if (size + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
      }
    }

    void update(byte b) {
      ensure(1);
      buf[size++] = b;
    }

    void update(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, buf, size, b.length);
      size += b.length;
    }

    void putInt(int v) {
      ensure(4);
      buf[size++] = (byte) (v >>> 24);
      buf[size++] = (byte) (v >>> 16);
      buf[size++] = (byte) (v >>> 8);
      buf[size++] = (byte) v;
    }

    void putLong(long v) {
      ensure(8);
      for (int i = 56; i >= 0; i -= 8) {
        buf[size++] = (byte) (v >>> i);
      }
    }

    /** A length-prefixed string: ASCII written as is, anything else as UTF-8. */
    void putString(String s) {
      int n = s.length();
      boolean ascii = true;
      for (int i = 0; i < n && ascii; i++) {
        ascii = s.charAt(i) < 0x80;
      }
      if (!ascii) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        putInt(b.length);
        update(b);
        return;
      }
      putInt(n);
      ensure(n);
      for (int i = 0; i < n; i++) {
        buf[size++] = (byte) s.charAt(i);
      }
    }

    byte[] digest() {
      sha.reset();
      sha.update(buf, 0, size);
      return sha.digest();
    }
  }

  private static void instant(KeyBuffer md, Instant t) {
    md.putLong(t.getEpochSecond());
    md.putInt(t.getNano());
  }

  private static void strings(KeyBuffer md, List<String> values) {
    md.putInt(values.size());
    for (String v : values) {
      str(md, v);
    }
  }

  private static void str(KeyBuffer md, String s) {
    if (s == null) {
      md.putInt(-1);
      return;
    }
    md.putString(s);
  }

  private static void bytes(KeyBuffer md, byte[] b) {
    md.putInt(b.length);
    md.update(b);
  }

  private static void doubleField(KeyBuffer md, double d) {
    md.putLong(Double.doubleToRawLongBits(d));
  }

  private static void longField(KeyBuffer md, long v) {
    md.putLong(v);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
