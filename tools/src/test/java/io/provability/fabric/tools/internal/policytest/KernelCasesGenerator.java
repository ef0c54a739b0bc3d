package io.provability.fabric.tools.internal.policytest;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.ReceiptSigning;
import io.provability.fabric.processors.kernel.TokenSigning;
import io.provability.fabric.processors.retrieval.PrivacyBudget;
import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.processors.retrieval.RetrievalGateway;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.topology.runtime.KeyFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes the example policy test folder {@code docs/examples/kernel-cases}. From the repository
 * root:
 *
 * <pre>
 * mvn -q -pl tools test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp tools/target/test-classes:tools/target/classes:$(cat /tmp/cp.txt) \
 *   io.provability.fabric.tools.internal.policytest.KernelCasesGenerator docs/examples/kernel-cases
 * </pre>
 *
 * Deterministic: keys from fixed seeds (example keys, never to be trusted anywhere), fixed times,
 * so regenerating gives the same files. {@code KernelCommandTest} runs the folder with {@code
 * fabric kernel test} and checks that it covers every reason code.
 */
public final class KernelCasesGenerator {
  static final Instant AT = Instant.parse("2026-11-27T12:00:00Z");
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Ed25519.SigningKey ISSUER = key("example-issuer-1", 21);
  private static final Ed25519.SigningKey STRANGER = key("example-issuer-1", 22);
  private static final Ed25519.SigningKey GATEWAY = key("example-gateway-1", 23);
  private static final String SYSTEM_HASH =
      Hex.encode(Sha256.digest("system prompt v1".getBytes(StandardCharsets.UTF_8)));

  private final Path dir;

  private KernelCasesGenerator(Path dir) {
    this.dir = dir;
  }

  public static void main(String[] args) throws IOException {
    new KernelCasesGenerator(Path.of(args.length > 0 ? args[0] : "docs/examples/kernel-cases"))
        .write();
  }

  private static Ed25519.SigningKey key(String id, int seed) {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) seed);
    return Ed25519.SigningKey.fromSeed(id, s);
  }

  private void write() throws IOException {
    Files.createDirectories(dir.resolve("keys"));
    Files.writeString(
        dir.resolve("keys/trusted-issuers.keys"),
        "# example issuer: never trust it outside these cases\n"
            + ISSUER.keyId()
            + "="
            + b64(ISSUER.publicKey())
            + "\n");
    Files.writeString(
        dir.resolve("keys/trusted-receipt-signers.keys"),
        "# example gateway: never trust it outside these cases\n"
            + GATEWAY.keyId()
            + "="
            + b64(GATEWAY.publicKey())
            + "\n");
    KeyFiles.write(dir.resolve("keys/retrieval-gateway.key"), GATEWAY);
    Files.writeString(
        dir.resolve(KernelCases.FOLDER_CONFIG),
        """
        # Configuration of these cases (paths relative to this folder). No egress certificate key exists here,
        # so egress requests are denied with UNSUPPORTED_KIND, as a topology without that key answers.
        kernel.trusted.keys.file=keys/trusted-issuers.keys
        kernel.receipt.keys.file=keys/trusted-receipt-signers.keys
        retrieval.receipt.signing.key.file=keys/retrieval-gateway.key
        egress.certificate.signing.key.file=keys/no-egress-certificate.key
        """);
    Files.createDirectories(dir.resolve("requests"));
    Files.createDirectories(dir.resolve("policy"));
    json(
        "policy/revoke-tok-1.json",
        o ->
            o.putArray("revocations")
                .addObject()
                .put("token_id", "tok-1")
                .put("tenant", "acme")
                .put("reason", "example"));
    json(
        "policy/grant-without-write.json",
        o -> {
          ObjectNode g =
              o.putArray("grants").addObject().put("tenant", "acme").put("subject_id", "agent-7");
          ArrayNode caps = g.putArray("capabilities");
          cap(caps.addObject(), "read_docs", "READ", "acme/docs/**");
          cap(caps.addObject(), "summarise", "EXECUTE", "acme/tools/*");
        });

    String ok = token(t -> {}, ISSUER);
    AccessReceipt receipt = receipt();

    // the documentation's plan: read a report (out internal) -> summarise (in internal, out
    // summary) -> write
    plan("report", ok, p -> {});
    plan(
        "report-to-email-of-summary",
        ok,
        p ->
            step(p, 2)
                .put("tool", "send_email")
                .put("resource", "acme/mail/outbox")
                .put("effect", "SEND")
                .<ObjectNode>set("caps_required", array("send_email"))
                .<ObjectNode>set("labels_in", array("summary")));
    plan("report-reads-unproduced", ok, p -> step(p, 1).<ObjectNode>set("labels_in", array("pii")));
    plan(
        "report-secret",
        ok,
        p -> step(p, 0).<ObjectNode>set("labels_out", array("internal", "secret")));
    plan("report-no-token", null, p -> {});
    plan("report-forged-token", token(t -> {}, STRANGER), p -> {});
    plan("report-expired-token", token(t -> t.setExpiresAt(AT.minusSeconds(60)), ISSUER), p -> {});
    plan("report-future-token", token(t -> t.setNotBefore(AT.plusSeconds(600)), ISSUER), p -> {});
    plan("report-other-tenant-resource", ok, p -> step(p, 2).put("resource", "globex/reports/q3"));
    plan("report-other-subject", ok, p -> ((ObjectNode) p.get("subject")).put("id", "agent-8"));
    plan("report-empty", ok, p -> p.putArray("steps"));
    plan(
        "report-unknown-cap",
        ok,
        p -> step(p, 1).<ObjectNode>set("caps_required", array("translate")));
    plan("report-wrong-effect", ok, p -> step(p, 2).put("effect", "SEND"));
    plan("report-out-of-scope", ok, p -> step(p, 2).put("resource", "acme/finance/ledger"));
    plan("report-big-budget", ok, p -> ((ObjectNode) p.get("constraints")).put("budget", 500.0));
    plan("report-big-epsilon", ok, p -> ((ObjectNode) p.get("constraints")).put("dp_epsilon", 2.0));
    plan("report-slow", ok, p -> ((ObjectNode) p.get("constraints")).put("latency_max", 120.0));
    plan(
        "report-unquoted-user",
        ok,
        p -> ((ObjectNode) p.get("input_channels").get("user")).put("quoted", false));
    plan(
        "report-other-system-hash",
        ok,
        p -> ((ObjectNode) p.get("input_channels").get("system")).put("hash", "0".repeat(64)));
    // a plan that uses a retrieval: the receipt the gateway signed, the retrieved content bound to
    // it
    retrievalPlan("handbook", ok, receipt, p -> {});
    retrievalPlan("handbook-no-receipt", ok, receipt, p -> step(p, 0).remove("receipts"));
    byte[] flipped = ReceiptSigning.signatureOf(receipt);
    flipped[0] ^= 1;
    retrievalPlan(
        "handbook-bad-receipt",
        ok,
        AccessReceipt.newBuilder(receipt).setSignature(ByteBuffer.wrap(flipped)).build(),
        p -> {});
    retrievalPlan(
        "handbook-other-content",
        ok,
        receipt,
        p ->
            ((ObjectNode) p.get("input_channels").get("retrieved").get(0))
                .put("content_hash", "0".repeat(64)));
    // retrieval requests (the gateway) and an egress request
    retrieval("handbook", ok, "acme", "private", 0.1);
    retrieval("globex-handbook", ok, "globex", "private", 0.1);
    retrieval("handbook-pii", ok, "acme", "pii", 0.1);
    retrieval("handbook-greedy", ok, "acme", "private", 1.5);
    retrieval("handbook-negative-epsilon", ok, "acme", "private", -0.1);
    json(
        "requests/egress-hello.json",
        o ->
            o.put("tenant", "acme")
                .put("subject_id", "agent-7")
                .put("text", "Hello, the summary is attached."));

    kase(
        "01-report-allowed",
        "The documentation's plan: labels are not restated, and nothing restricts them.",
        "plan",
        "report",
        null,
        Map.of(),
        "ALLOW");
    kase(
        "02-report-cleared",
        "The same plan where write_report clears exactly what reaches it.",
        "plan",
        "report",
        null,
        Map.of("kernel.label.clearances", "write_report:internal,summary"),
        "ALLOW");
    kase(
        "03-label-flow-propagated",
        "The summary carries the internal report it was made from; send_email clears "
            + "summaries only.",
        "plan",
        "report-to-email-of-summary",
        null,
        Map.of("kernel.label.clearances", "send_email:summary"),
        "DENY",
        "LABEL_FLOW@2");
    kase(
        "04-label-flow-unproduced",
        "A step reads a label nothing before it produced.",
        "plan",
        "report-reads-unproduced",
        null,
        Map.of(),
        "DENY",
        "LABEL_FLOW@1");
    kase(
        "05-label-flow-secret",
        "secret leaves step 0 and reaches every step after it.",
        "plan",
        "report-secret",
        null,
        Map.of(),
        "DENY",
        "LABEL_FLOW@0",
        "LABEL_FLOW@1",
        "LABEL_FLOW@2");
    kase(
        "06-malformed-request",
        "A retrieval asking for a negative epsilon cannot be evaluated.",
        "retrieval",
        "retrieval-handbook-negative-epsilon",
        null,
        Map.of(),
        "DENY",
        "MALFORMED_REQUEST");
    kase(
        "07-token-missing",
        "No capability token.",
        "plan",
        "report-no-token",
        null,
        Map.of(),
        "DENY",
        "TOKEN_MISSING");
    kase(
        "08-token-invalid-signature",
        "A token signed by a key that reuses the trusted key id.",
        "plan",
        "report-forged-token",
        null,
        Map.of(),
        "DENY",
        "TOKEN_INVALID_SIGNATURE");
    kase(
        "09-token-expired",
        "The token expired a minute before.",
        "plan",
        "report-expired-token",
        null,
        Map.of(),
        "DENY",
        "TOKEN_EXPIRED");
    kase(
        "10-token-not-yet-valid",
        "The token is valid from ten minutes later.",
        "plan",
        "report-future-token",
        null,
        Map.of(),
        "DENY",
        "TOKEN_NOT_YET_VALID");
    kase(
        "11-token-revoked",
        "The policy state revokes the token.",
        "plan",
        "report",
        "policy/revoke-tok-1.json",
        Map.of(),
        "DENY",
        "TOKEN_REVOKED");
    kase(
        "12-invalid-tenant",
        "A step's resource belongs to another tenant.",
        "plan",
        "report-other-tenant-resource",
        null,
        Map.of(),
        "DENY",
        "INVALID_TENANT@2",
        "RESOURCE_OUT_OF_SCOPE@2");
    kase(
        "13-subject-mismatch",
        "agent-8 presents agent-7's token.",
        "plan",
        "report-other-subject",
        null,
        Map.of(),
        "DENY",
        "SUBJECT_MISMATCH");
    kase(
        "14-plan-expired",
        "Evaluated after the plan's expiry.",
        "plan",
        "report",
        null,
        Map.of(),
        "DENY",
        AT.plus(Duration.ofMinutes(10)),
        "PLAN_EXPIRED");
    kase(
        "15-plan-empty",
        "A plan with no steps.",
        "plan",
        "report-empty",
        null,
        Map.of(),
        "DENY",
        "PLAN_EMPTY");
    kase(
        "16-cap-miss",
        "A step requires a capability the token does not hold.",
        "plan",
        "report-unknown-cap",
        null,
        Map.of(),
        "DENY",
        "CAP_MISS@1");
    kase(
        "17-cap-miss-by-grant",
        "The subject's current grant no longer holds write_report.",
        "plan",
        "report",
        "policy/grant-without-write.json",
        Map.of(),
        "DENY",
        "CAP_MISS@2");
    kase(
        "18-effect-mismatch",
        "The write step declares SEND.",
        "plan",
        "report-wrong-effect",
        null,
        Map.of(),
        "DENY",
        "EFFECT_MISMATCH@2");
    kase(
        "19-resource-out-of-scope",
        "The write goes outside the capability's glob.",
        "plan",
        "report-out-of-scope",
        null,
        Map.of(),
        "DENY",
        "RESOURCE_OUT_OF_SCOPE@2");
    kase(
        "20-budget-exceeded",
        "Budget 500 above the maximum 100.",
        "plan",
        "report-big-budget",
        null,
        Map.of(),
        "DENY",
        "BUDGET_EXCEEDED");
    kase(
        "21-epsilon-exceeded",
        "dp_epsilon 2 above the maximum 1.",
        "plan",
        "report-big-epsilon",
        null,
        Map.of(),
        "DENY",
        "EPSILON_EXCEEDED");
    kase(
        "22-latency-exceeded",
        "latency_max 120 s above the maximum 60 s.",
        "plan",
        "report-slow",
        null,
        Map.of(),
        "DENY",
        "LATENCY_EXCEEDED");
    kase(
        "23-untrusted-not-quoted",
        "User content is not quoted.",
        "plan",
        "report-unquoted-user",
        null,
        Map.of(),
        "DENY",
        "UNTRUSTED_NOT_QUOTED");
    kase(
        "24-system-hash-mismatch",
        "The system channel's hash is not the plan's system prompt hash.",
        "plan",
        "report-other-system-hash",
        null,
        Map.of(),
        "DENY",
        "SYSTEM_HASH_MISMATCH");
    kase(
        "25-retrieval-plan-allowed",
        "A retrieval step with the gateway's receipt; the retrieved content is bound "
            + "to it by its result hash.",
        "plan",
        "handbook",
        null,
        Map.of(),
        "ALLOW");
    kase(
        "26-receipt-missing",
        "The retrieval step carries no receipt, so the retrieved content names none.",
        "plan",
        "handbook-no-receipt",
        null,
        Map.of(),
        "DENY",
        "RECEIPT_MISSING",
        "RECEIPT_MISSING@0");
    kase(
        "27-receipt-invalid",
        "A receipt is present but its signature does not verify: RECEIPT_INVALID only.",
        "plan",
        "handbook-bad-receipt",
        null,
        Map.of(),
        "DENY",
        "RECEIPT_INVALID@0");
    kase(
        "28-receipt-content-mismatch",
        "The retrieved content's hash is not the receipt's result hash.",
        "plan",
        "handbook-other-content",
        null,
        Map.of(),
        "DENY",
        "RECEIPT_INVALID");
    kase(
        "29-retrieval-allowed",
        "The gateway allows a private retrieval in the tenant.",
        "retrieval",
        "retrieval-handbook",
        null,
        Map.of(),
        "ALLOW");
    kase(
        "30-cross-tenant",
        "An acme token asks for a globex shard.",
        "retrieval",
        "retrieval-globex-handbook",
        null,
        Map.of(),
        "DENY",
        "CROSS_TENANT");
    kase(
        "31-label-denied",
        "pii needs read_pii, which the token lacks.",
        "retrieval",
        "retrieval-handbook-pii",
        null,
        Map.of(),
        "DENY",
        "LABEL_DENIED");
    kase(
        "32-budget-exhausted",
        "dp_epsilon 1.5 is more than a session's whole budget.",
        "retrieval",
        "retrieval-handbook-greedy",
        null,
        Map.of(),
        "DENY",
        "BUDGET_EXHAUSTED");
    kase(
        "33-unsupported-kind",
        "No egress certificate key is configured here, so egress is denied by default.",
        "egress",
        "egress-hello",
        null,
        Map.of(),
        "DENY",
        "UNSUPPORTED_KIND");
  }

  private String token(Consumer<CapabilityToken.Builder> change, Ed25519.SigningKey signer)
      throws IOException {
    CapabilityToken.Builder t =
        CapabilityToken.newBuilder()
            .setTokenId("tok-1")
            .setTenant("acme")
            .setSubjectId("agent-7")
            .setCapabilities(
                List.of(
                    capability("retrieve", EffectKind.READ, "acme/*"),
                    capability("read_docs", EffectKind.READ, "acme/docs/**"),
                    capability("summarise", EffectKind.EXECUTE, "acme/tools/*"),
                    capability("write_report", EffectKind.WRITE, "acme/reports/*"),
                    capability("send_email", EffectKind.SEND, "acme/mail/*")))
            .setIssuedAt(AT.minus(Duration.ofDays(1)))
            .setNotBefore(AT.minus(Duration.ofDays(1)))
            .setExpiresAt(AT.plus(Duration.ofDays(365)))
            .setIssuer("example")
            .setKeyId(signer.keyId())
            .setSignature(ByteBuffer.allocate(0));
    change.accept(t);
    return b64(TokenSigning.sign(t.build(), signer).toByteBuffer());
  }

  private static Capability capability(String name, EffectKind effect, String glob) {
    return Capability.newBuilder()
        .setName(name)
        .setEffect(effect)
        .setResources(List.of(glob))
        .build();
  }

  private AccessReceipt receipt() throws IOException {
    CapabilityToken token =
        CapabilityToken.fromByteBuffer(
            ByteBuffer.wrap(Base64.getDecoder().decode(token(t -> {}, ISSUER))));
    RetrievalRequest r =
        RetrievalRequest.newBuilder()
            .setRequestId("req-handbook")
            .setSessionId("sess-1")
            .setRequestedAt(AT.minusSeconds(60))
            .setTenant("acme")
            .setSubjectId("agent-7")
            .setToken(token)
            .setQuery("travel policy")
            .setRequestedLabels(List.of("private"))
            .setIndexShard("handbook")
            .setDpEpsilon(0.1)
            .setDpDelta(0)
            .build();
    return new RetrievalGateway(
            KeyRing.of(Map.of(ISSUER.keyId(), ISSUER.publicKey())), GATEWAY, PrivacyBudget.DEFAULTS)
        .decide(r, PolicyView.empty(), PrivacySpend.ZERO, AT.minusSeconds(60))
        .receipt();
  }

  private ObjectNode basePlan(String token) {
    ObjectNode p = JSON.createObjectNode();
    p.put("plan_id", "q3-report");
    p.put("tenant", "acme");
    ObjectNode subject = p.putObject("subject").put("id", "agent-7");
    if (token != null) {
      subject.put("token", token);
    }
    ObjectNode channels = p.putObject("input_channels");
    channels.putObject("system").put("hash", SYSTEM_HASH).put("policy_hash", "example-policy");
    channels.putObject("user").put("content_hash", "1".repeat(64)).put("quoted", true);
    ArrayNode steps = p.putArray("steps");
    step(
        steps.addObject(),
        "read_docs",
        "read_docs",
        "READ",
        "acme/docs/q3-report",
        List.of(),
        List.of("internal"));
    step(
        steps.addObject(),
        "summarise",
        "summarise",
        "EXECUTE",
        "acme/tools/summariser",
        List.of("internal"),
        List.of("summary"));
    step(
        steps.addObject(),
        "write_report",
        "write_report",
        "WRITE",
        "acme/reports/q3-summary",
        List.of("summary", "internal"),
        List.of());
    p.putObject("constraints")
        .put("budget", 1.0)
        .put("pii", false)
        .put("dp_epsilon", 0.1)
        .put("dp_delta", 1e-6)
        .put("latency_max", 30.0);
    p.put("system_prompt_hash", SYSTEM_HASH);
    p.put("created_at", AT.getEpochSecond() - 1);
    p.put("expires_at", AT.getEpochSecond() + 300);
    return p;
  }

  private static void step(
      ObjectNode s,
      String tool,
      String cap,
      String effect,
      String resource,
      List<String> in,
      List<String> out) {
    s.put("tool", tool).put("resource", resource).put("effect", effect);
    s.<ObjectNode>set("caps_required", array(cap));
    s.<ObjectNode>set("labels_in", array(in.toArray(String[]::new)));
    s.<ObjectNode>set("labels_out", array(out.toArray(String[]::new)));
  }

  private static ObjectNode step(ObjectNode plan, int i) {
    return (ObjectNode) plan.get("steps").get(i);
  }

  private static ArrayNode array(String... values) {
    ArrayNode a = JSON.createArrayNode();
    for (String v : values) {
      a.add(v);
    }
    return a;
  }

  private void plan(String name, String token, Consumer<ObjectNode> change) throws IOException {
    ObjectNode p = basePlan(token);
    change.accept(p);
    write("requests/plan-" + name + ".json", p);
  }

  private void retrievalPlan(
      String name, String token, AccessReceipt receipt, Consumer<ObjectNode> change)
      throws IOException {
    ObjectNode p = basePlan(token);
    p.put("plan_id", "handbook-answer");
    ArrayNode steps = p.putArray("steps");
    ObjectNode retrieve = steps.addObject();
    step(retrieve, "retrieve", "retrieve", "READ", "acme/handbook", List.of(), List.of("private"));
    retrieve.putArray("receipts").add(b64(receipt.toByteBuffer()));
    step(
        steps.addObject(),
        "summarise",
        "summarise",
        "EXECUTE",
        "acme/tools/summariser",
        List.of("private"),
        List.of("summary"));
    ((ObjectNode) p.get("input_channels"))
        .putArray("retrieved")
        .addObject()
        .put("receipt_id", receipt.getReceiptId())
        .put("content_hash", receipt.getResultHash())
        .put("quoted", true)
        .<ObjectNode>set("labels", array("private"));
    change.accept(p);
    write("requests/plan-" + name + ".json", p);
  }

  private void retrieval(String name, String token, String tenant, String label, double epsilon)
      throws IOException {
    json(
        "requests/retrieval-" + name + ".json",
        o -> {
          o.put("tenant", tenant)
              .put("subject_id", "agent-7")
              .put("token", token)
              .put("query", "travel policy");
          o.<ObjectNode>set("requested_labels", array(label));
          o.put("index_shard", "handbook").put("dp_epsilon", epsilon).put("dp_delta", 0.0);
        });
  }

  private void kase(
      String name,
      String description,
      String kind,
      String request,
      String policy,
      Map<String, String> config,
      String verdict,
      String... codes)
      throws IOException {
    kase(name, description, kind, request, policy, config, verdict, AT, codes);
  }

  private void kase(
      String name,
      String description,
      String kind,
      String request,
      String policy,
      Map<String, String> config,
      String verdict,
      Instant at,
      String... codes)
      throws IOException {
    json(
        name + ".case.json",
        o -> {
          o.put("description", description);
          o.put(kind, "requests/" + (kind.equals("plan") ? "plan-" : "") + request + ".json");
          o.put("at", at.toString());
          if (policy != null) {
            o.put("policy_state", policy);
          }
          if (!config.isEmpty()) {
            ObjectNode c = o.putObject("config");
            config.forEach(c::put);
          }
          ObjectNode e = o.putObject("expect").put("verdict", verdict);
          e.<ObjectNode>set("codes", array(codes));
        });
  }

  private static void cap(ObjectNode c, String name, String effect, String glob) {
    c.put("name", name).put("effect", effect).<ObjectNode>set("resources", array(glob));
  }

  private void json(String file, Consumer<ObjectNode> fill) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    fill.accept(o);
    write(file, o);
  }

  private void write(String file, ObjectNode o) throws IOException {
    Files.writeString(dir.resolve(file), o.toPrettyString() + "\n");
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  private static String b64(ByteBuffer b) {
    return b64(Bytes.toArray(b));
  }
}
