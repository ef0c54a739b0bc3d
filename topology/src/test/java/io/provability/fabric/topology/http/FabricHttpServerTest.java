package io.provability.fabric.topology.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.DeadLetterReason;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.topology.metrics.FabricMetrics;
import io.provability.fabric.topology.ops.StreamsHealth;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP server alone (no Kafka): health from the Streams state, metrics, the lag page. */
class FabricHttpServerTest {
  private final HttpClient client = HttpClient.newHttpClient();
  private StreamsHealth health;
  private FabricMetrics metrics;
  private FabricHttpServer server;

  @BeforeEach
  void start() {
    health = new StreamsHealth();
    metrics = FabricMetrics.create();
    server =
        FabricHttpServer.start(
            new FabricHttpServer.Settings(
                "127.0.0.1", 0, Duration.ofSeconds(1), Duration.ofSeconds(5), 4096),
            metrics,
            health,
            null,
            null,
            Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void readinessFollowsTheStreamsStateAndLivenessFailsOnlyWhenItCannotRecover() throws Exception {
    assertStatus("/health/ready", 503, "NOT_STARTED");
    assertStatus("/health/live", 200, "NOT_STARTED");
    health.onChange(State.REBALANCING, State.CREATED);
    assertStatus("/health/ready", 503, "REBALANCING");
    assertStatus("/health/live", 200, "REBALANCING");
    health.onChange(State.RUNNING, State.REBALANCING);
    assertStatus("/health/ready", 200, "RUNNING");
    health.onChange(State.REBALANCING, State.RUNNING);
    assertStatus("/health/ready", 503, "REBALANCING");
    health.onChange(State.RUNNING, State.REBALANCING);
    health.frontDoor(() -> false);
    assertStatus("/health/ready", 503, "RUNNING");
    health.frontDoor(() -> true);
    health.onChange(State.PENDING_ERROR, State.RUNNING);
    assertStatus("/health/live", 503, "PENDING_ERROR");
    health.onChange(State.ERROR, State.PENDING_ERROR);
    assertStatus("/health/live", 503, "ERROR");
    assertStatus("/health/ready", 503, "ERROR");
  }

  @Test
  void withoutAFrontDoorTheDecisionEndpointsAnswer503() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(uri("/v1/plans"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("not ready");
  }

  @Test
  void aGetOnADecisionEndpointIs405NamingPost() throws Exception {
    for (String path : List.of("/v1/plans", "/v1/retrievals", "/v1/egress")) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(uri(path)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).contains("POST");
      assertThat(r.body()).contains("POST a JSON body");
    }
  }

  @Test
  void metricsExposeDecisionsLatencyHistogramsAndDeadLettersInPrometheusFormat() throws Exception {
    Decision d =
        Decision.newBuilder()
            .setDecisionId("d")
            .setRequestId("r")
            .setSessionId("s")
            .setTenant("t")
            .setSubjectId("a")
            .setKind(RequestKind.PLAN)
            .setVerdict(Verdict.ALLOW)
            .setReasons(List.of())
            .setPolicyVersion(1)
            .setDecidedAt(Instant.EPOCH)
            .setEvalMicros(250)
            .setRequestHash(ByteBuffer.allocate(0))
            .build();
    metrics.onDecision(d, 1_000L, 1_040L);
    metrics.onDeadLetter(
        DeadLetter.newBuilder()
            .setSourceTopic("t")
            .setSourcePartition(0)
            .setSourceOffset(1)
            .setReason(DeadLetterReason.values()[0])
            .setDetail("x")
            .setStage("intake")
            .setFailedAt(Instant.EPOCH)
            .build());
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    assertThat(r.body())
        .contains("fabric_decisions_total{kind=\"plan\",verdict=\"ALLOW\"} 1.0")
        .contains("fabric_decision_eval_seconds_bucket{kind=\"plan\",le=\"0.001\"} 1")
        .contains("fabric_decision_latency_seconds_bucket{kind=\"plan\",le=\"0.1\"} 1")
        .contains("fabric_decision_latency_seconds_count{kind=\"plan\"} 1")
        .contains(
            "fabric_dead_letters_total{reason=\""
                + DeadLetterReason.values()[0]
                + "\",stage=\"intake\"} 1.0")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void theLagPageIsSelfContainedAndItsDataIsJson() throws Exception {
    HttpResponse<String> page =
        client.send(
            HttpRequest.newBuilder(uri("/lag")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("id=\"lag-table\"")
        .doesNotContain("http://")
        .doesNotContain("https://");
    HttpResponse<String> data =
        client.send(
            HttpRequest.newBuilder(uri("/api/lag")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(data.body()).isEqualTo("{\"partitions\":[],\"at\":null}");
  }

  private void assertStatus(String path, int status, String state) throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " in " + state).isEqualTo(status);
    assertThat(r.body()).contains("\"streams_state\":\"" + state + "\"");
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }
}
