package io.provability.fabric.processors.kernel;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Constraints;
import io.provability.fabric.events.ContentRef;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.InputChannels;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.RetrievedContent;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.SystemChannel;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The baseline plan of {@code kernel-scenarios.psv} and the small language of changes the table
 * applies to it. Every value is fixed (keys from constant seeds), so a scenario is reproducible.
 */
final class ScenarioPlan {
  static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  static final String HASH =
      Hex.encode(Sha256.digest("system prompt v1".getBytes(StandardCharsets.UTF_8)));
  static final Ed25519.SigningKey ISSUER_1 = key("issuer-1", 1);
  static final Ed25519.SigningKey ISSUER_2 = key("issuer-2", 2);
  static final Ed25519.SigningKey GATEWAY = key("gateway-1", 3);
  private static final Map<String, Ed25519.SigningKey> SIGNERS =
      Map.of(
          "issuer-1", ISSUER_1,
          "issuer-2", ISSUER_2,
          "forger", key("issuer-1", 4),
          "stranger", key("stranger-1", 5),
          "issuer-2-as-issuer-1", key("issuer-1", 2),
          "issuer", ISSUER_1,
          "gateway-1", GATEWAY);
  private static final Map<String, Ed25519.SigningKey> RECEIPT_SIGNERS =
      Map.of("forger", key("gateway-1", 6), "issuer", ISSUER_1);

  // token
  private final CapabilityToken.Builder token =
      CapabilityToken.newBuilder()
          .setTokenId("tok-1")
          .setTenant("acme")
          .setSubjectId("agent-7")
          .setCapabilities(
              new ArrayList<>(
                  List.of(
                      cap("retrieve", EffectKind.READ, "acme/index/**"),
                      cap("read_docs", EffectKind.READ, "acme/docs/**"),
                      cap("send_email", EffectKind.SEND, "acme/mail/*"))))
          .setIssuedAt(NOW.minus(Duration.ofMinutes(10)))
          .setNotBefore(NOW.minus(Duration.ofMinutes(10)))
          .setExpiresAt(NOW.plus(Duration.ofHours(1)))
          .setIssuer("test-issuer")
          .setKeyId("")
          .setSignature(ByteBuffer.allocate(0));
  private boolean noToken;
  private Ed25519.SigningKey tokenSigner = ISSUER_1;
  private final List<UnaryOperator<CapabilityToken>> tokenAfterSigning = new ArrayList<>();
  // receipt
  private final AccessReceipt.Builder receipt =
      AccessReceipt.newBuilder()
          .setReceiptId("r-1")
          .setTenant("acme")
          .setSubjectId("agent-7")
          .setQueryHash(Hex.encode(Sha256.digest("query".getBytes(StandardCharsets.UTF_8))))
          .setResultHash(Hex.encode(Sha256.digest("result".getBytes(StandardCharsets.UTF_8))))
          .setIndexShard("shard-0")
          .setLabels(List.of("internal"))
          .setTimestamp(NOW.minus(Duration.ofMinutes(1)))
          .setKeyId("")
          .setSignature(ByteBuffer.allocate(0));
  private Ed25519.SigningKey receiptSigner = GATEWAY;
  private String receiptAlg;
  private final List<UnaryOperator<AccessReceipt>> receiptAfterSigning = new ArrayList<>();
  private boolean noReceipts;
  // plan
  private final PlanRequest.Builder plan =
      PlanRequest.newBuilder()
          .setRequestId("req-1")
          .setSessionId("sess-1")
          .setRequestedAt(NOW)
          .setPlanId("plan-1")
          .setTenant("acme")
          .setCreatedAt(NOW.minusSeconds(1))
          .setExpiresAt(NOW.plus(Duration.ofMinutes(5)))
          .setSystemPromptHash(HASH);
  private String subjectId = "agent-7";
  private final List<PlanStep.Builder> steps =
      new ArrayList<>(
          List.of(
              step(
                  "retrieve",
                  "retrieve",
                  EffectKind.READ,
                  "acme/index/main",
                  List.of("public"),
                  List.of("public", "internal")),
              step(
                  "read_docs",
                  "read_docs",
                  EffectKind.READ,
                  "acme/docs/handbook/intro",
                  List.of("internal"),
                  List.of("internal")),
              step(
                  "send_email",
                  "send_email",
                  EffectKind.SEND,
                  "acme/mail/outbox",
                  List.of("public"),
                  List.of("public"))));
  private final RetrievedContent.Builder retrieved =
      RetrievedContent.newBuilder()
          .setReceiptId("r-1")
          .setContentHash("")
          .setQuoted(true)
          .setLabels(List.of("internal"));
  // null: the receipt's result hash, which binds the content to its receipt
  private String retrievedContentHash;
  private final ContentRef.Builder user =
      ContentRef.newBuilder().setContentHash(HASH).setQuoted(true);
  private final ContentRef.Builder file =
      ContentRef.newBuilder().setContentHash(HASH).setQuoted(true);
  private final SystemChannel.Builder system =
      SystemChannel.newBuilder().setHash(HASH).setPolicyHash(HASH);
  private final Constraints.Builder constraints =
      Constraints.newBuilder()
          .setBudget(1)
          .setPii(false)
          .setDpEpsilon(0.1)
          .setDpDelta(1e-6)
          .setLatencyMax(30);
  // policy and keys
  private final Set<String> revoked = new HashSet<>();
  private CapabilityGrant grant;
  private List<String> ring = List.of("issuer-1");

  /** Everything {@link KernelEngine#evaluate} and its constructor need. */
  record Inputs(PlanRequest plan, PolicyView policy, KeyRing issuers, KeyRing receiptSigners) {
    KernelResult evaluate(VerifiedTokenCache cache) {
      return new KernelEngine(issuers, receiptSigners, KernelLimits.DEFAULTS, cache)
          .evaluate(plan, policy, NOW);
    }
  }

  /** Applies changes written as {@code name=value;name=value}. */
  ScenarioPlan apply(String changes) {
    for (String change : changes.split(";")) {
      String c = change.strip();
      if (c.isEmpty()) {
        continue;
      }
      int eq = c.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("change without '=': " + c);
      }
      set(c.substring(0, eq).strip(), c.substring(eq + 1).strip());
    }
    return this;
  }

  private void set(String name, String v) {
    if (name.matches("step\\d\\..*")) {
      setStep(steps.get(name.charAt(4) - '0'), name.substring(6), v);
      return;
    }
    switch (name) {
      case "token" -> noToken = v.equals("none");
      case "token.signer" -> tokenSigner = signer(SIGNERS, v);
      case "token.tenant" -> token.setTenant(v);
      case "token.subject" -> token.setSubjectId(v);
      case "token.expires" -> token.setExpiresAt(time(v));
      case "token.not_before" -> token.setNotBefore(time(v));
      case "token.signature" ->
          tokenAfterSigning.add(
              t -> CapabilityToken.newBuilder(t).setSignature(ByteBuffer.allocate(0)).build());
      case "token.flip_signature_bit" ->
          tokenAfterSigning.add(
              t ->
                  CapabilityToken.newBuilder(t)
                      .setSignature(
                          ByteBuffer.wrap(flip(TokenSigning.signatureOf(t), Integer.parseInt(v))))
                      .build());
      case "token.tamper.tenant" ->
          tokenAfterSigning.add(t -> CapabilityToken.newBuilder(t).setTenant(v).build());
      case "token.tamper.expires" ->
          tokenAfterSigning.add(t -> CapabilityToken.newBuilder(t).setExpiresAt(time(v)).build());
      case "token.tamper.glob.read_docs" ->
          tokenAfterSigning.add(
              t ->
                  CapabilityToken.newBuilder(t)
                      .setCapabilities(withGlobs(t.getCapabilities(), "read_docs", v))
                      .build());
      case "token.glob.read_docs" ->
          token.setCapabilities(withGlobs(token.getCapabilities(), "read_docs", v));
      case "receipt.signer" -> receiptSigner = signer(RECEIPT_SIGNERS, v);
      case "receipt.tenant" -> receipt.setTenant(v);
      case "receipt.subject" -> receipt.setSubjectId(v);
      case "receipt.query_hash" -> receipt.setQueryHash(v);
      case "receipt.timestamp" -> receipt.setTimestamp(time(v));
      case "receipt.alg" -> receiptAlg = v;
      case "receipt.flip_signature_bit" ->
          receiptAfterSigning.add(
              r ->
                  AccessReceipt.newBuilder(r)
                      .setSignature(
                          ByteBuffer.wrap(flip(ReceiptSigning.signatureOf(r), Integer.parseInt(v))))
                      .build());
      case "receipt.tamper.labels" ->
          receiptAfterSigning.add(r -> AccessReceipt.newBuilder(r).setLabels(list(v)).build());
      case "retrieved.receipt_id" -> retrieved.setReceiptId(v);
      case "retrieved.labels" -> retrieved.setLabels(list(v));
      case "retrieved.content_hash" -> retrievedContentHash = v;
      case "retrieved.quoted" -> retrieved.setQuoted(Boolean.parseBoolean(v));
      case "user.quoted" -> user.setQuoted(Boolean.parseBoolean(v));
      case "file.quoted" -> file.setQuoted(Boolean.parseBoolean(v));
      case "system.hash" -> system.setHash(hash(v));
      case "system_prompt_hash" -> plan.setSystemPromptHash(hash(v));
      case "plan.tenant" -> plan.setTenant(v);
      case "plan.subject" -> subjectId = v;
      case "plan.expires" -> plan.setExpiresAt(time(v));
      case "steps" -> steps.clear();
      case "budget" -> constraints.setBudget(Double.parseDouble(v));
      case "epsilon" -> constraints.setDpEpsilon(Double.parseDouble(v));
      case "delta" -> constraints.setDpDelta(Double.parseDouble(v));
      case "latency" -> constraints.setLatencyMax(Double.parseDouble(v));
      case "revoke" -> revoked.add(v);
      case "grant" ->
          grant =
              CapabilityGrant.newBuilder()
                  .setGrantId("g-1")
                  .setTenant("acme")
                  .setSubjectId("agent-7")
                  .setCapabilities(list(v).stream().map(ScenarioPlan::parseCap).toList())
                  .setPolicyVersion(7)
                  .setGrantedAt(NOW)
                  .build();
      case "ring" -> ring = list(v);
      default -> throw new IllegalArgumentException("unknown change '" + name + "'");
    }
  }

  private void setStep(PlanStep.Builder step, String field, String v) {
    switch (field) {
      case "caps" -> step.setCapsRequired(list(v));
      case "effect" -> step.setEffect(EffectKind.valueOf(v));
      case "resource" -> step.setResource(v);
      case "labels_in" -> step.setLabelsIn(list(v));
      case "labels_out" -> step.setLabelsOut(list(v));
      case "receipts" -> noReceipts = true;
      default -> throw new IllegalArgumentException("unknown step field '" + field + "'");
    }
  }

  /** A signed receipt as the baseline carries it (after the receipt changes). */
  AccessReceipt signedReceipt() {
    AccessReceipt r = ReceiptSigning.sign(receipt.build(), receiptSigner);
    if (receiptAlg != null) {
      r = AccessReceipt.newBuilder(r).setSignAlg(receiptAlg).build();
    }
    for (UnaryOperator<AccessReceipt> op : receiptAfterSigning) {
      r = op.apply(r);
    }
    return r;
  }

  /** The signed token (after the token changes), or null. */
  CapabilityToken signedToken() {
    if (noToken) {
      return null;
    }
    CapabilityToken t = TokenSigning.sign(token.build(), tokenSigner);
    for (UnaryOperator<CapabilityToken> op : tokenAfterSigning) {
      t = op.apply(t);
    }
    return t;
  }

  Inputs build() {
    AccessReceipt r = signedReceipt();
    List<PlanStep> built = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      PlanStep.Builder b = PlanStep.newBuilder(steps.get(i).build());
      b.setReceipts(i == 0 && !noReceipts ? List.of(r) : List.of());
      built.add(b.build());
    }
    PlanRequest p =
        plan.setSubject(Subject.newBuilder().setId(subjectId).setToken(signedToken()).build())
            .setSteps(built)
            .setInputChannels(
                InputChannels.newBuilder()
                    .setSystem(system.build())
                    .setUser(user.build())
                    .setRetrieved(
                        List.of(
                            retrieved
                                .setContentHash(
                                    retrievedContentHash == null
                                        ? r.getResultHash()
                                        : retrievedContentHash)
                                .build()))
                    .setFile(List.of(file.build()))
                    .build())
            .setConstraints(constraints.build())
            .build();
    Map<String, byte[]> issuers = new LinkedHashMap<>();
    for (String id : ring) {
      issuers.put(id, SIGNERS.get(id).publicKey());
    }
    return new Inputs(
        p,
        policy(Set.copyOf(revoked), grant),
        KeyRing.of(issuers),
        KeyRing.of(Map.of(GATEWAY.keyId(), GATEWAY.publicKey())));
  }

  static PolicyView policy(Set<String> revoked, CapabilityGrant grant) {
    return new PolicyView() {
      @Override
      public boolean isRevoked(String tokenId) {
        return revoked.contains(tokenId);
      }

      @Override
      public long policyVersion() {
        return 7L;
      }

      @Override
      public Optional<CapabilityGrant> grant(String tenant, String subjectId) {
        return grant != null
                && grant.getTenant().equals(tenant)
                && grant.getSubjectId().equals(subjectId)
            ? Optional.of(grant)
            : Optional.empty();
      }
    };
  }

  private static Ed25519.SigningKey signer(Map<String, Ed25519.SigningKey> extra, String name) {
    Ed25519.SigningKey k = extra.containsKey(name) ? extra.get(name) : SIGNERS.get(name);
    if (k == null) {
      throw new IllegalArgumentException("unknown signer '" + name + "'");
    }
    return k;
  }

  static Ed25519.SigningKey key(String id, int seedByte) {
    byte[] seed = new byte[32];
    Arrays.fill(seed, (byte) seedByte);
    return Ed25519.SigningKey.fromSeed(id, seed);
  }

  static Capability cap(String name, EffectKind effect, String... globs) {
    return Capability.newBuilder()
        .setName(name)
        .setEffect(effect)
        .setResources(List.of(globs))
        .build();
  }

  /** {@code name:EFFECT:glob} (globs separated by '+'). */
  private static Capability parseCap(String spec) {
    String[] p = spec.split(":", 3);
    return cap(p[0], EffectKind.valueOf(p[1]), p[2].split("\\+"));
  }

  private static List<Capability> withGlobs(List<Capability> caps, String name, String globs) {
    return caps.stream()
        .map(
            c ->
                c.getName().equals(name)
                    ? Capability.newBuilder(c).setResources(List.of(globs.split(","))).build()
                    : c)
        .toList();
  }

  private static PlanStep.Builder step(
      String tool,
      String capName,
      EffectKind effect,
      String resource,
      List<String> in,
      List<String> out) {
    return PlanStep.newBuilder()
        .setTool(tool)
        .setArgs(Map.of())
        .setCapsRequired(List.of(capName))
        .setResource(resource)
        .setEffect(effect)
        .setLabelsIn(in)
        .setLabelsOut(out);
  }

  static Instant time(String v) {
    if (v.equals("now")) {
      return NOW;
    }
    char sign = v.charAt(3);
    String amount = v.substring(4);
    Duration d;
    if (amount.endsWith("ms")) {
      d = Duration.ofMillis(Long.parseLong(amount.substring(0, amount.length() - 2)));
    } else {
      long n = Long.parseLong(amount.substring(0, amount.length() - 1));
      d =
          switch (amount.charAt(amount.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("bad time " + v);
          };
    }
    return sign == '+' ? NOW.plus(d) : NOW.minus(d);
  }

  /** "UPPER" stands for the baseline hash in upper case. */
  private static String hash(String v) {
    return v.equals("UPPER") ? HASH.toUpperCase(Locale.ROOT) : v;
  }

  private static List<String> list(String v) {
    return v.equals("-") || v.isEmpty() ? List.of() : List.of(v.split(","));
  }

  static byte[] flip(byte[] bytes, int bit) {
    byte[] out = bytes.clone();
    out[bit / 8] ^= (byte) (1 << (bit % 8));
    return out;
  }
}
