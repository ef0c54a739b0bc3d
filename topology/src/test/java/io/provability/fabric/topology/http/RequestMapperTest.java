package io.provability.fabric.topology.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.schemas.bytes.Bytes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;

class RequestMapperTest {
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

  /** The plan shape of the original project, byte for byte. */
  private static byte[] referencePlan() throws IOException {
    try (InputStream in = RequestMapperTest.class.getResourceAsStream("/http/plan-example.json")) {
      return in.readAllBytes();
    }
  }

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theOriginalProjectsPlanMapsFieldByFieldWithSecondsBecomingMillis() throws IOException {
    RequestMapper.Mapped m = RequestMapper.plan(referencePlan(), NOW);
    PlanRequest p = (PlanRequest) m.event();
    assertThat(p.getPlanId()).isEqualTo("test_plan_1");
    assertThat(p.getTenant()).isEqualTo("test-tenant");
    assertThat(p.getSubject().getId()).isEqualTo("test-subject");
    assertThat(p.getSubject().getCaps()).containsExactly("read_docs", "send_email");
    assertThat(p.getSubject().getToken()).isNull();
    assertThat(p.getInputChannels().getSystem().getPolicyHash()).isEqualTo("policy_hash_1");
    assertThat(p.getInputChannels().getUser().getQuoted()).isTrue();
    assertThat(p.getInputChannels().getRetrieved())
        .singleElement()
        .satisfies(r -> assertThat(r.getLabels()).containsExactly("public"));
    assertThat(p.getSteps())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getTool()).isEqualTo("retrieval");
              assertThat(s.getArgs()).containsEntry("query", "test query");
              assertThat(s.getCapsRequired()).containsExactly("read_docs");
              assertThat(s.getEffect()).isEqualTo(EffectKind.UNKNOWN);
            });
    assertThat(p.getConstraints().getDpDelta()).isEqualTo(1e-6);
    assertThat(p.getCreatedAt()).isEqualTo(Instant.ofEpochSecond(1764230400));
    assertThat(p.getExpiresAt()).isEqualTo(Instant.ofEpochSecond(1764234000));
    assertThat(p.getRequestedAt()).isEqualTo(NOW);
    // no ids given: a fresh request id, and the session is the request
    assertThat(m.requestId()).hasSize(36);
    assertThat(m.sessionId()).isEqualTo(m.requestId());
  }

  @Test
  void aTokenIsBase64OfItsAvroEncodingAndArgsMayHoldAnyJson() throws IOException {
    CapabilityToken token =
        CapabilityToken.newBuilder()
            .setTokenId("t-1")
            .setTenant("acme")
            .setSubjectId("agent")
            .setCapabilities(List.of())
            .setIssuedAt(NOW)
            .setNotBefore(NOW)
            .setExpiresAt(NOW.plusSeconds(60))
            .setIssuer("test")
            .setKeyId("k")
            .setSignature(ByteBuffer.wrap(new byte[64]))
            .build();
    byte[] bytes = Bytes.toArray(token.toByteBuffer());
    String body =
        new String(referencePlan(), StandardCharsets.UTF_8)
            .replace(
                "\"id\": \"test-subject\",",
                "\"id\": \"test-subject\", \"token\": \""
                    + Base64.getEncoder().encodeToString(bytes)
                    + "\",")
            .replace(
                "\"args\": { \"query\": \"test query\" }",
                "\"args\": {\"query\": \"q\", \"limit\": 5, \"opts\": {\"a\": [1]}}")
            .replace(
                "\"plan_id\"", "\"request_id\": \"r-1\", \"session_id\": \"s-1\", \"plan_id\"");
    RequestMapper.Mapped m = RequestMapper.plan(json(body), NOW);
    PlanRequest p = (PlanRequest) m.event();
    assertThat(p.getSubject().getToken()).isEqualTo(token);
    assertThat(p.getSteps().get(0).getArgs())
        .containsEntry("limit", "5")
        .containsEntry("opts", "{\"a\":[1]}");
    assertThat(m.requestId()).isEqualTo("r-1");
    assertThat(m.sessionId()).isEqualTo("s-1");
  }

  @Test
  void aBlankIdentityFieldIsA400NamingItsPathBecauseNoDecisionWouldEverAnswerIt()
      throws IOException {
    String plan = new String(referencePlan(), StandardCharsets.UTF_8);
    assertBad(
        () ->
            RequestMapper.plan(
                json(plan.replace("\"tenant\": \"test-tenant\"", "\"tenant\": \" \"")), NOW),
        400,
        "$.tenant",
        "blank");
    assertBad(
        () ->
            RequestMapper.plan(json(plan.replace("\"id\": \"test-subject\"", "\"id\": \"\"")), NOW),
        400,
        "$.subject.id",
        "blank");
    assertBad(
        () ->
            RequestMapper.egress(
                json("{\"tenant\": \"\", \"subject_id\": \"a\", \"text\": \"t\"}"), NOW),
        400,
        "$.tenant",
        "blank");
    assertBad(
        () ->
            RequestMapper.retrieval(
                json(
                    "{\"tenant\": \"t\", \"subject_id\": \"  \", \"query\": \"q\", "
                        + "\"requested_labels\": [], \"index_shard\": \"s\"}"),
                NOW),
        400,
        "$.subject_id",
        "blank");
  }

  @Test
  void errorMessagesNameNoLibraryClasses() {
    for (String body :
        List.of(
            "{\"plan_id\": \"x\"} {}", "{\"plan_id\": \"x\",,}", "[1, 2", "{\"a\": 1, \"a\": 2}")) {
      assertThatThrownBy(() -> RequestMapper.plan(json(body), NOW))
          .isInstanceOf(BadRequest.class)
          .satisfies(
              e ->
                  assertThat(e.getMessage())
                      .as(body)
                      .doesNotContainPattern("[a-z]+\\.[a-z]+\\.[A-Za-z]")
                      .doesNotContain("Jackson")
                      .doesNotContain("`"));
    }
  }

  @Test
  void malformedJsonIsA400SayingWhere() {
    assertBad(
        () -> RequestMapper.plan(json("{\"plan_id\": \"x\",,}"), NOW), 400, null, "malformed JSON");
    assertBad(
        () -> RequestMapper.plan(json("{\"plan_id\": \"x\"} trailing"), NOW),
        400,
        null,
        "malformed JSON");
    assertBad(
        () -> RequestMapper.plan(json("{\"plan_id\": \"a\", \"plan_id\": \"b\"}"), NOW),
        400,
        null,
        "Duplicate");
    assertBad(() -> RequestMapper.plan(new byte[0], NOW), 400, null, "empty body");
    assertBad(() -> RequestMapper.egress(json("[1, 2]"), NOW), 400, "$", "expected a JSON object");
  }

  @Test
  void unknownFieldsAreRefusedWithTheirPath() throws IOException {
    String plan = new String(referencePlan(), StandardCharsets.UTF_8);
    assertBad(
        () ->
            RequestMapper.plan(
                json(plan.replace("\"plan_id\"", "\"plan_idd\": 1, \"plan_id\"")), NOW),
        400,
        "$.plan_idd",
        "unknown field");
    assertBad(
        () ->
            RequestMapper.plan(json(plan.replace("\"budget\"", "\"budgett\": 1, \"budget\"")), NOW),
        400,
        "$.constraints.budgett",
        "unknown field");
    assertBad(
        () -> RequestMapper.plan(json(plan.replace("\"tool\"", "\"tools\": \"x\", \"tool\"")), NOW),
        400,
        "$.steps[0].tools",
        "unknown field");
  }

  @Test
  void wrongTypesAndMissingFieldsAreRefusedWithTheirPath() throws IOException {
    String plan = new String(referencePlan(), StandardCharsets.UTF_8);
    assertBad(
        () -> RequestMapper.plan(json(plan.replace("\"budget\": 1.0", "\"budget\": \"1.0\"")), NOW),
        400,
        "$.constraints.budget",
        "expected a number, got a string");
    assertBad(
        () -> RequestMapper.plan(json(plan.replace("\"pii\": false", "\"pii\": 0")), NOW),
        400,
        "$.constraints.pii",
        "expected true or false");
    assertBad(
        () ->
            RequestMapper.plan(
                json(plan.replace("\"caps_required\": [\"read_docs\"]", "\"caps_required\": [7]")),
                NOW),
        400,
        "$.steps[0].caps_required[0]",
        "expected a string, got a number");
    assertBad(
        () -> RequestMapper.plan(json(plan.replace("\"tenant\": \"test-tenant\",", "")), NOW),
        400,
        "$.tenant",
        "missing");
    assertBad(
        () ->
            RequestMapper.plan(
                json(plan.replace("\"created_at\": 1764230400", "\"created_at\": -5")), NOW),
        400,
        "$.created_at",
        "epoch seconds");
    assertBad(
        () ->
            RequestMapper.plan(
                json(
                    plan.replace(
                        "\"id\": \"test-subject\",", "\"id\": \"s\", \"token\": \"%%%\",")),
                NOW),
        400,
        "$.subject.token",
        "base64");
    assertBad(
        () ->
            RequestMapper.plan(
                json(
                    plan.replace(
                        "\"id\": \"test-subject\",", "\"id\": \"s\", \"token\": \"AAAA\",")),
                NOW),
        400,
        "$.subject.token",
        "Avro single-object");
    assertBad(
        () ->
            RequestMapper.plan(
                json(plan.replace("\"labels_in\"", "\"effect\": \"DELETE\", \"labels_in\"")), NOW),
        400,
        "$.steps[0].effect",
        "READ, WRITE, SEND, EXECUTE");
  }

  @Test
  void retrievalAndEgressMapToTheirEvents() {
    RetrievalRequest r =
        (RetrievalRequest)
            RequestMapper.retrieval(
                    json(
                        """
        {"request_id": "r", "tenant": "acme", "subject_id": "agent", "query": "q", "requested_labels": ["public"],
         "index_shard": "docs-1", "dp_epsilon": 0.1}"""),
                    NOW)
                .event();
    assertThat(r.getIndexShard()).isEqualTo("docs-1");
    assertThat(r.getDpEpsilon()).isEqualTo(0.1);
    assertThat(r.getDpDelta()).isZero();
    assertThat(r.getToken()).isNull();
    EgressRequest e =
        (EgressRequest)
            RequestMapper.egress(
                    json(
                        """
        {"tenant": "acme", "subject_id": "agent", "text": "hello", "policy_id": "strict"}"""),
                    NOW)
                .event();
    assertThat(e.getPolicyId()).isEqualTo("strict");
    assertBad(
        () ->
            RequestMapper.egress(
                json("{\"tenant\": \"acme\", \"subject_id\": \"a\", \"text\": 5}"), NOW),
        400,
        "$.text",
        "expected a string, got a number");
    assertBad(
        () ->
            RequestMapper.retrieval(
                json(
                    """
        {"tenant": "acme", "subject_id": "agent", "query": "q", "requested_labels": "public", "index_shard": "d"}"""),
                NOW),
        400,
        "$.requested_labels",
        "expected an array of strings, got a string");
  }

  private static void assertBad(
      ThrowableAssert.ThrowingCallable call, int status, String path, String messagePart) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            BadRequest.class,
            e -> {
              assertThat(e.status()).isEqualTo(status);
              assertThat(e.path()).isEqualTo(path);
              assertThat(e.getMessage()).contains(messagePart);
            });
  }
}
