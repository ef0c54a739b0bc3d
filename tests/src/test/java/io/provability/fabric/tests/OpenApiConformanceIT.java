package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.OperationsServer;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAPI document the server publishes at {@code /openapi.json} against the real server's
 * behaviour: every documented request is sent to a running instance (embedded stack), and each
 * answer must have a status the document lists for that path and method, a body that validates
 * against the documented schema (JSON Schema 2020-12, OpenAPI 3.1's dialect, validated by
 * networknt's json-schema-validator), and the documented headers. Every documented status of every
 * operation is produced at least once, and every example in the document validates against its own
 * schema.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiConformanceIT {
  private static final Duration PATIENCE = Duration.ofMinutes(2);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String BASE = "https://fabric.invalid/openapi.json";
  private static final String TENANT = "tenant-openapi";
  private static final String SUBJECT = "agent-openapi";

  private static String ns;
  private static FabricRuntime runtime;
  private static OperationsServer ops;
  private static final FrontDoorClient HTTP = new FrontDoorClient(() -> ops.port());
  private static Ed25519.SigningKey issuer;
  private static JsonNode doc;
  private static SchemaRegistry schemas;
  private static final Map<String, Schema> compiled = new HashMap<>();

  /** What each answer covered: "METHOD path status". */
  private static final Set<String> seen = new TreeSet<>();

  private static final List<String> beforeStart = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    ns = "oapi" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffL) + "-";
    StackEndpoints ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-openapi-it-");
    issuer = Ed25519.SigningKey.generate("openapi-it-issuer", new SecureRandom());
    Path trusted = ItFixtures.trustOnly(work.resolve("trusted.keys"), issuer);
    Map<String, String> extra =
        new HashMap<>(ItFixtures.receiptSigning(work, "openapi-it-gateway"));
    extra.putAll(ItFixtures.localFrontDoor());
    FabricConfig cfg = ItFixtures.namespacedConfig(ns, work.resolve("instance"), trusted, extra);
    runtime = FabricRuntime.create(cfg, ep, false); // the HTTP server needs no sinks
    ops = OperationsServer.start(runtime, Clock.systemUTC());
    // before Kafka Streams starts: readiness answers 503
    check("GET", "/health/ready", null, Map.of(), 503);
    beforeStart.add("ready 503 before start");
    runtime.startAndAwait(PATIENCE);

    HttpResponse<String> served = send("GET", "/openapi.json", null, Map.of());
    assertThat(served.statusCode()).isEqualTo(200);
    doc = JSON.readTree(served.body());
    assertThat(doc.get("openapi").stringValue()).startsWith("3.1");
    // the document served is the one checked in
    assertThat(doc)
        .isEqualTo(
            JSON.readTree(
                Files.readString(
                    Path.of(
                        "..", "topology", "src", "main", "resources", "fabric", "openapi.json"))));
    schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    seen.add("GET /openapi.json 200");
  }

  @AfterAll
  static void stop() {
    if (ops != null) {
      ops.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  @Order(1)
  void everyExampleValidatesAgainstItsSchema() {
    int examples = 0;
    for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
      for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
        String at = "#/paths/" + pointer(path.getKey()) + "/" + op.getKey();
        JsonNode body = op.getValue().path("requestBody").path("content");
        for (Map.Entry<String, JsonNode> media : body.properties()) {
          if (media.getValue().has("example")) {
            assertValid(
                at + "/requestBody/content/" + pointer(media.getKey()) + "/schema",
                media.getValue().get("example"),
                op.getKey() + " " + path.getKey() + " request example");
            examples++;
          }
        }
        for (Map.Entry<String, JsonNode> status : op.getValue().get("responses").properties()) {
          for (Map.Entry<String, JsonNode> media : status.getValue().path("content").properties()) {
            if (media.getValue().has("example") && media.getKey().equals("application/json")) {
              assertValid(
                  at
                      + "/responses/"
                      + status.getKey()
                      + "/content/"
                      + pointer(media.getKey())
                      + "/schema",
                  media.getValue().get("example"),
                  op.getKey() + " " + path.getKey() + " " + status.getKey() + " example");
              examples++;
            }
          }
        }
      }
    }
    assertThat(examples).isGreaterThan(20);
  }

  @Test
  @Order(2)
  void decisionsOfEveryKindMatchTheDecisionSchema() throws Exception {
    String plan =
        Files.readString(
            Path.of("..", "topology", "src", "test", "resources", "http", "plan-example.json"));
    HttpResponse<String> p = check("POST", "/v1/plans", plan, Map.of(), 200);
    assertThat(p.headers().firstValue("X-Fabric-Verdict")).isPresent();
    assertThat(p.headers().firstValue("Server-Timing")).isPresent();

    ObjectNode retrieval = JSON.createObjectNode();
    retrieval.put("request_id", ns + "retrieve-1");
    retrieval.put("tenant", TENANT);
    retrieval.put("subject_id", SUBJECT);
    retrieval.put("token", token());
    retrieval.put("query", "onboarding handbook");
    retrieval.putArray("requested_labels").add("public");
    retrieval.put("index_shard", "docs-1");
    HttpResponse<String> r = check("POST", "/v1/retrievals", retrieval.toString(), Map.of(), 200);
    assertThat(JSON.readTree(r.body()).has("receipt")).as(r.body()).isTrue();

    HttpResponse<String> e =
        check(
            "POST",
            "/v1/egress",
            egress("egress-1", "write to alice.smith@example.com"),
            Map.of(),
            200);
    assertThat(JSON.readTree(e.body()).has("certificate")).as(e.body()).isTrue();
  }

  @Test
  @Order(3)
  void everyClientErrorMatchesTheErrorSchema() throws Exception {
    String plan =
        Files.readString(
            Path.of("..", "topology", "src", "test", "resources", "http", "plan-example.json"));
    for (String path : List.of("/v1/plans", "/v1/retrievals", "/v1/egress")) {
      check("POST", path, "{\"tenant\": ", Map.of(), 400);
      check(
          "POST",
          path,
          "{\"tenant\": \"t\", \"subject_id\": \"s\", \"text\": \"x\", \"nope\": 1}",
          Map.of(),
          400);
      check(
          "POST",
          path,
          "{\"tenant\": \"t\", \"subject_id\": \"s\", \"text\": \"x\"}",
          Map.of("X-Fabric-Timeout-Ms", "soon"),
          400);
      check(
          "POST",
          path,
          "{\"tenant\": \"t\", \"text\": \"" + "x".repeat(20_000) + "\"}",
          Map.of(),
          413);
      check("POST", path, "hello", Map.of("Content-Type", "text/plain"), 415);
    }
    check(
        "POST",
        "/v1/plans",
        plan.replace("\"budget\": 1.0", "\"budget\": \"lots\""),
        Map.of(),
        400);
    check(
        "POST",
        "/v1/retrievals",
        "{\"tenant\": \"t\", \"subject_id\": \"s\", \"token\": \"not base64!\", \"query\": \"q\", "
            + "\"requested_labels\": [], \"index_shard\": \"d\"}",
        Map.of(),
        400);
    check("POST", "/v1/egress", "{\"tenant\": \"t\", \"subject_id\": \"s\"}", Map.of(), 400);
  }

  /**
   * Answers documented as they are once blank identity fields and wrong methods are refused (405,
   * 400).
   */
  @Test
  @Order(4)
  void wrongMethodsAndBlankIdentitiesAreRefused() throws Exception {
    for (String path : List.of("/v1/plans", "/v1/retrievals", "/v1/egress")) {
      for (String method : List.of("GET", "PUT", "DELETE", "PATCH")) {
        HttpResponse<String> r =
            check(
                method,
                path,
                method.equals("GET") || method.equals("DELETE") ? null : "{}",
                Map.of(),
                405);
        assertThat(r.headers().firstValue("Allow")).hasValue("POST");
      }
    }
    HttpResponse<String> blank =
        check(
            "POST",
            "/v1/egress",
            "{\"tenant\": \"  \", \"subject_id\": \"s\", \"text\": \"x\"}",
            Map.of(),
            400);
    assertThat(JSON.readTree(blank.body()).get("path").stringValue()).isEqualTo("$.tenant");
  }

  @Test
  @Order(5)
  void aDeadlineIsA504WithTheRequestId() throws Exception {
    for (String path : List.of("/v1/plans", "/v1/retrievals", "/v1/egress")) {
      String body =
          switch (path) {
            case "/v1/plans" ->
                Files.readString(
                    Path.of(
                        "..", "topology", "src", "test", "resources", "http", "plan-example.json"));
            case "/v1/retrievals" ->
                "{\"tenant\": \""
                    + TENANT
                    + "\", \"subject_id\": \""
                    + SUBJECT
                    + "\", \"token\": \""
                    + token()
                    + "\", \"query\": \"q\", \"requested_labels\": [\"public\"], \"index_shard\": \"docs-1\"}";
            default -> egress("deadline-" + path.hashCode(), "nothing to see");
          };
      // 1 ms: less than one exactly-once commit, so the decision cannot be back in time
      HttpResponse<String> r = check("POST", path, body, Map.of("X-Fabric-Timeout-Ms", "1"), 504);
      assertThat(JSON.readTree(r.body()).has("request_id")).isTrue();
      assertThat(r.headers().firstValue("X-Request-Id")).isPresent();
    }
  }

  @Test
  @Order(6)
  void operationsEndpointsAnswerAsDocumented() throws Exception {
    check("GET", "/health/live", null, Map.of(), 200);
    check("GET", "/health/ready", null, Map.of(), 200);
    HttpResponse<String> metrics = check("GET", "/metrics", null, Map.of(), 200);
    assertThat(metrics.body()).contains("# TYPE");
    assertThat(check("GET", "/lag", null, Map.of(), 200).body()).contains("<html");
    Awaitility.await().atMost(PATIENCE).until(() -> ops.lagMonitor().latest() != null);
    check("GET", "/api/lag", null, Map.of(), 200);
  }

  @Test
  @Order(7)
  void withTheFrontDoorAndStreamsStoppedTheAnswersAre503() throws Exception {
    // the reply consumer gone: decisions cannot come back, the front door refuses
    ops.frontDoor().close();
    for (String path : List.of("/v1/plans", "/v1/retrievals", "/v1/egress")) {
      check("POST", path, egress("after-close", "x"), Map.of(), 503);
    }
    runtime.close();
    check("GET", "/health/live", null, Map.of(), 503);
    check("GET", "/health/ready", null, Map.of(), 503);
  }

  @Test
  @Order(8)
  void everyDocumentedStatusOfEveryOperationWasProduced() {
    Set<String> documented = new TreeSet<>();
    doc.get("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .properties()
                    .forEach(
                        op ->
                            op.getValue()
                                .get("responses")
                                .properties()
                                .forEach(
                                    status ->
                                        documented.add(
                                            op.getKey().toUpperCase(Locale.ROOT)
                                                + " "
                                                + path.getKey()
                                                + " "
                                                + status.getKey()))));
    assertThat(beforeStart).isNotEmpty();
    assertThat(seen).as("statuses the server produced").containsAll(documented);
    assertThat(documented).as("statuses the document lists").containsAll(seen);
  }

  /**
   * The schema at {@code pointer} of the document: the document itself with a {@code $ref} to that
   * place, so that the schema's own {@code $ref}s (to {@code #/components/schemas/...}) resolve
   * within the document. OpenAPI's other keywords are unknown to JSON Schema and ignored.
   */
  private static Schema schemaAt(String pointer) {
    ObjectNode root = (ObjectNode) doc.deepCopy();
    root.put("$id", BASE);
    root.put("$ref", pointer);
    return schemas.getSchema(root);
  }

  /** Sends a request and checks its answer against the document; returns it. */
  private static HttpResponse<String> check(
      String method, String path, String body, Map<String, String> headers, int expected)
      throws Exception {
    HttpResponse<String> r = send(method, path, body, headers);
    assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isEqualTo(expected);
    seen.add(method + " " + path + " " + r.statusCode());
    if (doc == null) {
      return r; // before the document was read (the readiness probe before start): checked at the
      // end
    }
    JsonNode op = doc.path("paths").path(path).path(method.toLowerCase(Locale.ROOT));
    assertThat(op.isMissingNode()).as("%s %s is documented", method, path).isFalse();
    JsonNode answer = op.get("responses").get(String.valueOf(r.statusCode()));
    assertThat(answer)
        .as("%s %s answered %d, which the document does not list", method, path, r.statusCode())
        .isNotNull();
    String type = r.headers().firstValue("Content-Type").orElse("").split(";")[0].strip();
    assertThat(answer.path("content").has(type))
        .as("%s %s %d answered %s", method, path, r.statusCode(), type)
        .isTrue();
    for (Map.Entry<String, JsonNode> h : answer.path("headers").properties()) {
      if (!h.getKey().equals("Server-Timing") || r.statusCode() == 200 || r.statusCode() == 504) {
        assertThat(r.headers().firstValue(h.getKey()))
            .as("%s %s %d header %s", method, path, r.statusCode(), h.getKey())
            .isPresent();
      }
    }
    if (type.equals("application/json")) {
      assertValid(
          "#/paths/"
              + pointer(path)
              + "/"
              + method.toLowerCase(Locale.ROOT)
              + "/responses/"
              + r.statusCode()
              + "/content/application~1json/schema",
          JSON.readTree(r.body()),
          method + " " + path + " " + r.statusCode());
    }
    return r;
  }

  private static void assertValid(String pointer, JsonNode value, String what) {
    List<Error> errors =
        compiled.computeIfAbsent(pointer, OpenApiConformanceIT::schemaAt).validate(value);
    assertThat(errors).as("%s against %s: %s", what, pointer, value).isEmpty();
  }

  private static HttpResponse<String> send(
      String method, String path, String body, Map<String, String> headers) throws Exception {
    return HTTP.send(method, path, body, headers);
  }

  /** A JSON pointer token: "/v1/plans" becomes "~1v1~1plans". */
  private static String pointer(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  private static String egress(String id, String text) {
    ObjectNode o = JSON.createObjectNode();
    o.put("request_id", ns + id);
    o.put("tenant", TENANT);
    o.put("subject_id", SUBJECT);
    o.put("text", text);
    return o.toString();
  }

  private static String token() throws Exception {
    CapabilityToken token =
        TestPlans.retrievalToken(
            issuer, "openapi-it", ns + "tok", TENANT, SUBJECT, TENANT + "/docs-*");
    ByteBuffer b = token.toByteBuffer();
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }
}
