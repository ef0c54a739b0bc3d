package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.load.FrontDoorBodies;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.retrieval.RetrievalGateway;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventSerde;
import io.provability.fabric.tools.cli.FabricCli;
import io.provability.fabric.tools.internal.demo.KafkaTraffic;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.http.RequestMapper;
import io.provability.fabric.topology.metrics.ConsumerLag;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.OperationsServer;
import io.provability.fabric.topology.traffic.SyntheticTraffic;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What an operator and an HTTP caller see of one running instance, against real servers: the front
 * door (plan, retrieval, egress; timeout; each 4xx), health across the instance's life, the
 * Prometheus endpoint, the consumer-lag monitor, its dashboard page in headless Chromium, and
 * {@code fabric lag}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsIT {
  private static final Duration PATIENCE = Duration.ofMinutes(2);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final FrontDoorBodies BODIES = new FrontDoorBodies();
  private static final String TENANT = "tenant-http";
  private static final String SUBJECT = "agent-http";
  private static final String HASH =
      "a1b2c3d4e5f6789012345678901234567890abcdef1234567890abcdef123456";

  private static String ns;
  private static StackEndpoints ep;
  private static FabricConfig cfg;
  private static FabricRuntime runtime;
  private static OperationsServer ops;
  private static final FrontDoorClient HTTP = new FrontDoorClient(() -> ops.port());
  private static Ed25519.SigningKey issuer;
  private static HttpResponse<String> readyBeforeStart;
  private static HttpResponse<String> liveBeforeStart;
  private static KafkaConsumer<byte[], byte[]> laggingReader;

  @BeforeAll
  static void start() throws Exception {
    ns = ItFixtures.namespace("ops");
    ep = TestEnvironment.endpoints();
    Path work = Files.createTempDirectory("fabric-ops-it-");
    issuer = Ed25519.SigningKey.generate("ops-it-issuer", new SecureRandom());
    Path trusted = ItFixtures.trustOnly(work.resolve("trusted.keys"), issuer);
    Map<String, String> overrides =
        new HashMap<>(ItFixtures.receiptSigning(work, "ops-it-gateway"));
    overrides.putAll(ItFixtures.localFrontDoor());
    overrides.putAll(ItFixtures.sinkSettings(ns));
    overrides.put(FabricConfig.METRICS_MAX_AGE_CONFIG, "1000");
    cfg = ItFixtures.namespacedConfig(ns, work.resolve("instance"), trusted, overrides);

    runtime = FabricRuntime.create(cfg, ep, true);
    ops = OperationsServer.start(runtime, Clock.systemUTC());
    readyBeforeStart = get("/health/ready");
    liveBeforeStart = get("/health/live");
    runtime.startAndAwait(PATIENCE);
  }

  @AfterAll
  static void stop() {
    if (laggingReader != null) {
      laggingReader.close();
    }
    if (ops != null) {
      ops.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  @Order(1)
  void readinessFollowsTheTopologyFromNotStartedToRunning() throws Exception {
    assertThat(readyBeforeStart.statusCode()).isEqualTo(503);
    assertThat(readyBeforeStart.body()).contains("\"streams_state\":\"NOT_STARTED\"");
    assertThat(liveBeforeStart.statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body())
        .contains("\"streams_state\":\"RUNNING\"")
        .contains("\"front_door\":\"ready\"");
  }

  @Test
  @Order(2)
  void anAllowedPlanInTheOriginalShapeIsDecidedWithTimingsPerStage() throws Exception {
    SyntheticTraffic traffic = new SyntheticTraffic(ns, issuer, 2, 10, Instant.now(), 99L);
    SyntheticTraffic.Generated allowed;
    do {
      allowed = traffic.next();
    } while (allowed.expectedVerdict() != Verdict.ALLOW);
    HttpResponse<String> r = post("/v1/plans", planJson(allowed.request()), Map.of());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("request_id").stringValue()).isEqualTo(allowed.request().getRequestId());
    assertThat(body.get("verdict").stringValue()).as(r.body()).isEqualTo("ALLOW");
    assertThat(body.get("kind").stringValue()).isEqualTo("PLAN");
    assertThat(r.headers().firstValue("X-Request-Id")).hasValue(allowed.request().getRequestId());
    assertThat(r.headers().firstValue("Server-Timing"))
        .hasValueSatisfying(
            t ->
                assertThat(t)
                    .containsPattern(
                        "parse;dur=[0-9.]+, produce;dur=[0-9.]+, decide;dur=[0-9.]+, eval;dur=[0-9.]+, commit;dur=[0-9]+, total;dur=[0-9.]+"));
    System.out.println(
        "front door plan: Server-Timing " + r.headers().firstValue("Server-Timing").orElseThrow());

    // the original project's example as it is: accepted, and denied (no token, long expired)
    byte[] reference = Files.readAllBytes(referencePlan());
    HttpResponse<String> ref =
        post("/v1/plans", new String(reference, StandardCharsets.UTF_8), Map.of());
    assertThat(ref.statusCode()).as(ref.body()).isEqualTo(200);
    assertThat(ref.body())
        .contains("\"verdict\":\"DENY\"")
        .contains("TOKEN_MISSING")
        .contains("PLAN_EXPIRED");
  }

  @Test
  @Order(3)
  void aRetrievalIsAllowedWithAReceiptThatALaterPlanCarriesBackThroughTheFrontDoor()
      throws Exception {
    CapabilityToken token =
        TestPlans.retrievalToken(
            issuer, "ops-it", ns + "tok-http", TENANT, SUBJECT, TENANT + "/docs-*");
    String session = ns + "session-retrieval";
    ObjectNode retrieval = JSON.createObjectNode();
    retrieval.put("request_id", ns + "retrieve-1");
    retrieval.put("session_id", session);
    retrieval.put("tenant", TENANT);
    retrieval.put("subject_id", SUBJECT);
    retrieval.put("token", base64(token.toByteBuffer()));
    retrieval.put("query", "onboarding handbook");
    retrieval.putArray("requested_labels").add("public");
    retrieval.put("index_shard", "docs-1");
    HttpResponse<String> r = post("/v1/retrievals", retrieval.toString(), Map.of());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("verdict").stringValue()).as(r.body()).isEqualTo("ALLOW");
    assertThat(body.get("kind").stringValue()).isEqualTo("RETRIEVAL");
    AccessReceipt receipt =
        AccessReceipt.fromByteBuffer(
            ByteBuffer.wrap(Base64.getDecoder().decode(body.get("receipt").stringValue())));
    assertThat(receipt.getReceiptId()).isEqualTo(RetrievalGateway.receiptId(ns + "retrieve-1"));

    Instant t = Instant.now();
    PlanStep step =
        TestPlans.step(
            "retrieve",
            Map.of(),
            RetrievalGateway.CAP_RETRIEVE,
            TENANT + "/docs-1",
            EffectKind.READ,
            List.of("public"),
            List.of("public"),
            List.of(receipt));
    PlanRequest plan =
        TestPlans.plan(
                ns + "plan-with-receipt",
                session,
                "p-receipt",
                TENANT,
                TestPlans.subject(SUBJECT, token),
                List.of(step),
                HASH,
                List.of(TestPlans.retrieved(receipt)))
            .setRequestedAt(t)
            .setCreatedAt(t.minusSeconds(1))
            .setExpiresAt(t.plusSeconds(600))
            .build();
    HttpResponse<String> p = post("/v1/plans", planJson(plan), Map.of());
    assertThat(p.statusCode()).as(p.body()).isEqualTo(200);
    assertThat(JSON.readTree(p.body()).get("verdict").stringValue())
        .as(p.body())
        .isEqualTo("ALLOW");
  }

  @Test
  @Order(4)
  void egressTextIsRedactedWithASignedCertificate() throws Exception {
    ObjectNode egress = JSON.createObjectNode();
    egress.put("request_id", ns + "egress-1");
    egress.put("tenant", TENANT);
    egress.put("subject_id", SUBJECT);
    egress.put("text", "Please write to alice.smith@example.com about the renewal.");
    HttpResponse<String> r = post("/v1/egress", egress.toString(), Map.of());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("kind").stringValue()).isEqualTo("EGRESS");
    assertThat(body.get("verdict").stringValue()).as(r.body()).isEqualTo("REDACT");
    assertThat(body.get("redacted_text").stringValue()).doesNotContain("alice.smith@example.com");
    assertThat(body.get("certificate").get("signature").stringValue()).isNotEmpty();
    assertThat(body.get("certificate").get("detector_counts").get("EMAIL").intValue()).isEqualTo(1);
  }

  @Test
  @Order(5)
  void pastItsDeadlineARequestIsAnswered504WithItsIdAndItsDecisionStillLands() throws Exception {
    ObjectNode egress = JSON.createObjectNode();
    String requestId = ns + "egress-deadline";
    egress.put("request_id", requestId);
    egress.put("tenant", TENANT);
    egress.put("subject_id", SUBJECT);
    egress.put("text", "nothing to see");
    // 1 ms: less than one exactly-once commit interval, so the decision cannot be back in time
    HttpResponse<String> r =
        post("/v1/egress", egress.toString(), Map.of("X-Fabric-Timeout-Ms", "1"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
    assertThat(JSON.readTree(r.body()).get("request_id").stringValue()).isEqualTo(requestId);
    assertThat(r.headers().firstValue("X-Request-Id")).hasValue(requestId);
    try (KafkaTraffic.DecisionReader reader =
        new KafkaTraffic.DecisionReader(ep.bootstrapServers(), cfg.topicDecisions())) {
      ItFixtures.pollUntil(
          "decision of " + requestId,
          reader,
          PATIENCE,
          Duration.ofMillis(100),
          Duration.ofMillis(200),
          read -> read.decisions().containsKey(requestId));
      assertThat(reader.decisions().get(requestId).getVerdict().name()).isEqualTo("ALLOW");
    }
  }

  @Test
  @Order(5)
  void aTraceparentOnARequestIsCarriedToItsDecisionRecord() throws Exception {
    // W3C trace context (the example of the specification); tracing is off here, so it is carried
    // as it is
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String traceparent = "00-" + traceId + "-00f067aa0ba902b7-01";
    ObjectNode egress = JSON.createObjectNode();
    egress.put("request_id", ns + "traced-http");
    egress.put("tenant", TENANT);
    egress.put("subject_id", SUBJECT);
    egress.put("text", "traced");
    HttpResponse<String> r =
        post(
            "/v1/egress",
            egress.toString(),
            Map.of("traceparent", traceparent, "X-Fabric-Timeout-Ms", "30000"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

    // and a request record produced to Kafka with the header, as a non-HTTP producer sends it
    String kafkaTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    egress.put("request_id", ns + "traced-kafka");
    RequestMapperAccess mapped = RequestMapperAccess.egress(egress.toString());
    try (KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers())) {
      ProducerRecord<byte[], byte[]> rec =
          new ProducerRecord<>(
              cfg.topicRequests(), null, System.currentTimeMillis(), mapped.key(), mapped.value());
      rec.headers().add("traceparent", kafkaTraceparent.getBytes(StandardCharsets.UTF_8));
      producer.send(rec).get();
    }

    Map<String, String> traceparents = new HashMap<>();
    Deserializer<Decision> decisions = EventSerde.of(Decision.class).deserializer();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ep.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(cfg.topicDecisions())
          .forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      await()
          .atMost(PATIENCE)
          .until(
              () -> {
                c.poll(Duration.ofMillis(200))
                    .forEach(
                        rec -> {
                          Decision d = decisions.deserialize(rec.topic(), rec.value());
                          Header h = rec.headers().lastHeader("traceparent");
                          if (h != null) {
                            traceparents.put(
                                d.getRequestId(), new String(h.value(), StandardCharsets.UTF_8));
                          }
                        });
                return traceparents.containsKey(ns + "traced-http")
                    && traceparents.containsKey(ns + "traced-kafka");
              });
    }
    assertThat(traceparents.get(ns + "traced-http"))
        .as("same trace id on the decision record")
        .contains(traceId);
    assertThat(traceparents.get(ns + "traced-kafka")).contains("0af7651916cd43dd8448eb211c80319c");
  }

  /** The Kafka key and value the front door would produce for an egress body. */
  private record RequestMapperAccess(byte[] key, byte[] value) {
    static RequestMapperAccess egress(String json) {
      RequestMapper.Mapped m =
          RequestMapper.egress(json.getBytes(StandardCharsets.UTF_8), Instant.now());
      return new RequestMapperAccess(
          m.sessionId().getBytes(StandardCharsets.UTF_8), EventCodec.standard().encode(m.event()));
    }
  }

  @Test
  @Order(6)
  void concurrentRequestsShareOneReplyConsumerAndEachGetsItsOwnDecision() throws Exception {
    int n = 200;
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      ObjectNode egress = JSON.createObjectNode();
      egress.put("request_id", ns + "concurrent-" + i);
      egress.put("session_id", ns + "concurrent-session-" + (i % 16));
      egress.put("tenant", TENANT);
      egress.put("subject_id", SUBJECT);
      egress.put("text", i % 2 == 0 ? "write to bob" + i + "@example.com" : "status report " + i);
      answers.add(
          HTTP.http()
              .sendAsync(
                  HttpRequest.newBuilder(uri("/v1/egress"))
                      .timeout(Duration.ofSeconds(60))
                      // the machine is shared: a generous deadline keeps this about correctness,
                      // not
                      // speed
                      .header("Content-Type", "application/json")
                      .header("X-Fabric-Timeout-Ms", "30000")
                      .POST(HttpRequest.BodyPublishers.ofString(egress.toString()))
                      .build(),
                  HttpResponse.BodyHandlers.ofString()));
    }
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    List<Double> totals = new ArrayList<>();
    Map<String, List<Double>> stages = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = answers.get(i).get();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode body = JSON.readTree(r.body());
      assertThat(body.get("request_id").stringValue()).isEqualTo(ns + "concurrent-" + i);
      assertThat(body.get("verdict").stringValue()).isEqualTo(i % 2 == 0 ? "REDACT" : "ALLOW");
      String timing = r.headers().firstValue("Server-Timing").orElseThrow();
      totals.add(Double.parseDouble(timing.replaceAll(".*total;dur=([0-9.]+).*", "$1")));
      for (String stage : timing.split(", ")) {
        String[] kv = stage.split(";dur=");
        stages.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(Double.parseDouble(kv[1]));
      }
    }
    assertThat(ops.frontDoor().inFlight()).isZero();
    totals.sort(Double::compare);
    System.out.printf(
        "front door, %d concurrent egress requests: all answered in %d ms; server-side total p50 %.1f ms, "
            + "p95 %.1f ms, max %.1f ms%n",
        n, elapsedMs, totals.get(n / 2), totals.get(n * 95 / 100), totals.get(n - 1));
    stages.forEach(
        (stage, values) -> {
          values.sort(Double::compare);
          System.out.printf(
              "  stage %-8s p50 %8.1f ms  p95 %8.1f ms%n",
              stage, values.get(n / 2), values.get(n * 95 / 100));
        });
  }

  @Test
  @Order(7)
  void badRequestsGetClear4xxAnswers() throws Exception {
    String plan = new String(Files.readAllBytes(referencePlan()), StandardCharsets.UTF_8);
    assertError(post("/v1/plans", "{\"plan_id\": ", Map.of()), 400, "malformed JSON", null);
    assertError(
        post("/v1/plans", plan.replace("\"plan_id\"", "\"planid\": \"x\", \"plan_id\""), Map.of()),
        400,
        "unknown field 'planid'",
        "$.planid");
    assertError(
        post("/v1/plans", plan.replace("\"budget\": 1.0", "\"budget\": \"lots\""), Map.of()),
        400,
        "expected a number, got a string",
        "$.constraints.budget");
    assertError(
        post("/v1/egress", "{\"tenant\": \"t\", \"subject_id\": \"s\"}", Map.of()),
        400,
        "required field 'text' is missing",
        "$.text");
    // repeated: a server that answers 413 without reading the body lets TCP reset the connection,
    // and the
    // client then sees a broken connection instead of the answer (seen once in CI)
    for (int i = 0; i < 50; i++) {
      assertError(
          post(
              "/v1/egress",
              "{\"tenant\": \"t\", \"subject_id\": \"s\", \"text\": \""
                  + "x".repeat(20_000)
                  + "\"}",
              Map.of()),
          413,
          "larger than 16384",
          null);
    }
    HttpResponse<String> form =
        HTTP.http()
            .send(
                HttpRequest.newBuilder(uri("/v1/egress"))
                    .header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("hello"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertError(form, 415, "Content-Type must be application/json", null);
    assertError(
        post(
            "/v1/egress",
            "{\"tenant\": \"t\", \"subject_id\": \"s\", \"text\": \"x\"}",
            Map.of("X-Fabric-Timeout-Ms", "soon")),
        400,
        "X-Fabric-Timeout-Ms",
        null);
  }

  @Test
  @Order(8)
  void prometheusEndpointHasTheNamedSeries() throws Exception {
    // a record no decoder accepts: it must be counted as a dead letter
    try (KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers())) {
      producer
          .send(
              new ProducerRecord<>(
                  cfg.topicRequests(),
                  "s".getBytes(StandardCharsets.UTF_8),
                  "not avro".getBytes(StandardCharsets.UTF_8)))
          .get();
    }
    await()
        .atMost(PATIENCE)
        .until(() -> get("/metrics").body().contains("fabric_dead_letters_total{"));
    // the same record seen as growth of the dead-letter topic, by the lag monitor's offset sampling
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                Pattern.compile(
                        "(?m)^kafka_partition_latest_offset\\{[^}]*topic=\""
                            + Pattern.quote(cfg.topicDeadLetter())
                            + "\"\\} [1-9]")
                    .matcher(get("/metrics").body())
                    .find());
    await()
        .atMost(PATIENCE)
        .until(() -> runtime.sinkMetrics() != null && runtime.sinkMetrics().refresh() > 0);
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                get("/metrics")
                    .body()
                    .contains(
                        "kafka_consumergroup_group_lag{cluster_name=\"fabric\",group=\""
                            + ns
                            + "runtime\""));
    // the sink tasks' meters are bound once their worker has started them (the sinks start after a
    // credential check)
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                get("/metrics")
                    .body()
                    .contains(
                        "fabric_sink_put_batch_avg_seconds{connector=\""
                            + ns
                            + "sinks-decision-log-sink\""));
    String metrics = get("/metrics").body();
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "operations-it-metrics.txt"), metrics);
    assertThat(metrics)
        .contains("fabric_decisions_total{kind=\"plan\",verdict=\"ALLOW\"}")
        .contains("fabric_decisions_total{kind=\"egress\",verdict=\"REDACT\"}")
        .contains("fabric_decision_eval_seconds_bucket{kind=\"retrieval\"")
        .contains("fabric_decision_latency_seconds_bucket{kind=\"plan\"")
        .contains("fabric_http_requests_seconds_count{endpoint=\"plan\",status=\"200\"}")
        .contains("fabric_http_requests_seconds_count{endpoint=\"egress\",status=\"504\"}")
        .contains(
            "kafka_consumergroup_group_lag_seconds{cluster_name=\"fabric\",group=\""
                + ns
                + "runtime\"")
        .contains(
            "kafka_consumergroup_group_max_lag_seconds{cluster_name=\"fabric\",group=\""
                + ns
                + "runtime\"}")
        .contains(
            "kafka_consumergroup_group_offset{cluster_name=\"fabric\",group=\"" + ns + "runtime\"")
        .contains("kafka_partition_latest_offset{")
        .contains(
            "fabric_sink_put_batch_avg_seconds{connector=\"" + ns + "sinks-decision-log-sink\"")
        .contains("fabric_sink_batch_size_avg{")
        .contains("fabric_sink_records_sent_total{connector=\"" + ns + "sinks-decision-log-sink\"")
        // bound from Kafka Streams' and the clients' own metrics, not measured again
        .containsPattern("kafka_stream_thread_process_total\\{[^}]*\\}")
        .containsPattern("kafka_producer_record_send_total\\{[^}]*component=\"front-door\"")
        // client ids are stable across restarts: <application id>-<instance id>, not a random
        // process id
        .containsPattern(
            "kafka_stream_thread_process_total\\{[^}]*thread_id=\""
                + ns
                + "runtime-[^\"]+-StreamThread-1\"")
        // a scrape stays small: few histogram buckets, no per-task or per-processor-node Kafka
        // detail
        .doesNotContain("kafka_stream_task_")
        .doesNotContain("kafka_stream_processor_node_")
        .doesNotContain("kafka_admin_client_")
        .doesNotContain("kafka_producer_node_");
    assertThat(
            metrics
                .lines()
                .filter(l -> l.startsWith("fabric_decision_latency_seconds_bucket{kind=\"plan\"")))
        .as("latency buckets of one decider")
        .hasSizeLessThanOrEqualTo(12);
    long series = metrics.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).count();
    System.out.println("/metrics: " + series + " series, " + metrics.length() + " bytes");
    assertThat(metrics)
        .containsPattern(
            "fabric_dead_letters_total\\{reason=\"[A-Z_]+\",stage=\"[a-z-]+\"\\} [1-9]");

    // every series the alert rules and the Grafana dashboard in infra/ query is one this instance
    // exposes
    for (Path file :
        List.of(
            Path.of("..", "infra", "prometheus", "fabric-alerts.yml"),
            Path.of("..", "infra", "grafana", "fabric-dashboard.json"))) {
      Matcher m =
          Pattern.compile("\\b((?:fabric|kafka|jvm)_[a-z_]+)").matcher(Files.readString(file));
      Set<String> names = new TreeSet<>();
      while (m.find()) {
        names.add(m.group(1));
      }
      assertThat(names)
          .as(file.toString())
          .isNotEmpty()
          .allSatisfy(
              n ->
                  assertThat(metrics)
                      .as("%s queries %s", file, n)
                      .containsPattern("(?m)^" + n + "(_bucket|_count|_sum)?[{ ]"));
    }
  }

  @Test
  @Order(9)
  void lagIsMeasuredForEveryGroupInRecordsAndInTime() throws Exception {
    // a downstream reader of the decisions topic that has read nothing yet: lag = every decision so
    // far
    laggingReader =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ep.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                ns + "audit-reader"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    List<TopicPartition> parts = new ArrayList<>();
    laggingReader
        .partitionsFor(cfg.topicDecisions())
        .forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
    Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
    parts.forEach(tp -> zero.put(tp, new OffsetAndMetadata(0)));
    laggingReader.commitSync(zero);
    long commitAt = System.currentTimeMillis();

    await()
        .atMost(PATIENCE)
        .until(
            () -> {
              ConsumerLag lag = ops.lagMonitor().latest();
              return lag != null
                  && lag.at().toEpochMilli() > commitAt
                  && lag.groups().contains(ns + "audit-reader")
                  && lag.groups().contains("connect-" + ns + "sinks-decision-log-sink")
                  && lag.groups().contains("connect-" + ns + "sinks-evidence-sink")
                  // a sample whose probe was starved of CPU reports an unknown age; the next one
                  // will not
                  && lag.partitions().stream().allMatch(r -> Double.isFinite(r.lagSeconds()));
            });
    ConsumerLag lag = ops.lagMonitor().latest();
    List<ConsumerLag.Row> audit =
        lag.partitions().stream().filter(r -> r.group().equals(ns + "audit-reader")).toList();
    assertThat(audit).isNotEmpty();
    long decisions = audit.stream().mapToLong(ConsumerLag.Row::end).sum();
    assertThat(lag.totalLag(ns + "audit-reader")).isEqualTo(decisions).isGreaterThanOrEqualTo(5);
    long testAgeSeconds =
        TimeUnit.MILLISECONDS.toSeconds(System.currentTimeMillis() - commitAt) + 600;
    assertThat(audit)
        .filteredOn(r -> r.lag() > 0)
        .allSatisfy(
            r ->
                assertThat(r.lagSeconds())
                    .as("age of the oldest unread decision")
                    .isPositive()
                    .isLessThan(testAgeSeconds));
    assertThat(lag.groups()).contains(ns + "runtime", "connect-" + ns + "sinks-evidence-sink");
    // exactly-once leaves a transaction marker after a group's last record: known as no lag in
    // time, not unknown
    assertThat(lag.partitions())
        .allSatisfy(r -> assertThat(r.lagSeconds()).as(r.toString()).isFinite());
    // ... and no lag in records either: idle sinks that have written every decision lag by 0, not
    // by the markers
    await()
        .atMost(PATIENCE)
        .until(
            () -> {
              ConsumerLag l = ops.lagMonitor().latest();
              return l.at().toEpochMilli() > commitAt
                  && l.totalLag("connect-" + ns + "sinks-decision-log-sink") == 0
                  && l.totalLag("connect-" + ns + "sinks-evidence-sink") == 0
                  && l.totalLag(ns + "runtime") == 0;
            });

    // fabric lag: the same figures as a table
    StringWriter out = new StringWriter();
    List<String> args =
        new ArrayList<>(
            List.of("lag", "--bootstrap-servers", ep.bootstrapServers(), "--interval", "PT0.5S"));
    ItFixtures.topicNames(ns).forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    int code =
        new CommandLine(new FabricCli())
            .setOut(new PrintWriter(out))
            .execute(args.toArray(String[]::new));
    assertThat(code).isZero();
    System.out.println(out);
    assertThat(out.toString())
        .contains("GROUP")
        .contains("LAG_S")
        .contains(ns + "runtime")
        .contains("total lag of " + ns + "audit-reader: " + decisions + " records");
  }

  @Test
  @Order(10)
  void theDashboardRendersTheLiveGroupsInHeadlessChromium() throws Exception {
    Path chromium =
        List.of("/usr/bin/chromium", "/usr/bin/chromium-browser").stream()
            .map(Path::of)
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    Assumptions.assumeTrue(
        chromium != null,
        "SKIPPED: headless Chromium not installed (Debian: apt-get install -y chromium); the dashboard test needs it");
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                ops.lagMonitor().latest() != null
                    && ops.lagMonitor().latest().groups().contains(ns + "audit-reader"));
    String url = "http://127.0.0.1:" + ops.port() + "/lag";
    String dom = chromium(chromium, List.of("--dump-dom", url));
    assertThat(dom)
        .contains("<tr class=\"lag-row\" data-group=\"" + ns + "runtime\">")
        .contains("<tr class=\"lag-row\" data-group=\"" + ns + "audit-reader\">")
        .contains("data-group=\"connect-" + ns + "sinks-decision-log-sink\"")
        .contains("Last sample:");
    Path shot = Path.of("target", "screenshots", "lag-dashboard.png").toAbsolutePath();
    Files.createDirectories(shot.getParent());
    Files.deleteIfExists(shot);
    chromium(chromium, List.of("--screenshot=" + shot, "--window-size=1400,1000", url));
    assertThat(shot).exists();
    assertThat(Files.size(shot)).as("a rendered page, not a blank one").isGreaterThan(20_000);
    System.out.println("dashboard screenshot: " + shot);
  }

  @Test
  @Order(11)
  void aStoppedInstanceIsNeitherReadyNorLive() throws Exception {
    runtime.close();
    HttpResponse<String> ready = get("/health/ready");
    HttpResponse<String> live = get("/health/live");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(live.statusCode()).isEqualTo(503);
    assertThat(live.body()).contains("\"streams_state\":\"NOT_RUNNING\"");
  }

  private static String chromium(Path binary, List<String> extra)
      throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("fabric-chromium-");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile,
                // long enough for the page's first fetch of /api/lag and one refresh
                "--virtual-time-budget=5000"));
    cmd.addAll(extra);
    Path stdout = profile.resolve("stdout.txt");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(stdout.toFile())
            .redirectError(profile.resolve("stderr.txt").toFile())
            .start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish within 90 s: " + cmd);
    }
    assertThat(p.exitValue())
        .as("chromium exit code; stderr: %s", Files.readString(profile.resolve("stderr.txt")))
        .isZero();
    return Files.readString(stdout);
  }

  private static void assertError(HttpResponse<String> r, int status, String message, String path)
      throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("error").stringValue()).contains(message);
    if (path != null) {
      assertThat(body.get("path").stringValue()).isEqualTo(path);
    }
  }

  /** The original project's plan-example.json, as kept in the topology module's test resources. */
  private static Path referencePlan() {
    Path p = Path.of("..", "topology", "src", "test", "resources", "http", "plan-example.json");
    assertThat(p).exists();
    return p;
  }

  /**
   * A plan event in the original project's JSON shape (times in epoch seconds), as an HTTP caller
   * sends it.
   */
  private static String planJson(PlanRequest p) {
    return new String(BODIES.of(p).json(), StandardCharsets.UTF_8);
  }

  private static String base64(ByteBuffer b) {
    byte[] bytes = new byte[b.remaining()];
    b.duplicate().get(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.get(path);
  }

  private static HttpResponse<String> post(String path, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    return HTTP.post(path, body, headers);
  }

  private static URI uri(String path) {
    return HTTP.uri(path);
  }
}
