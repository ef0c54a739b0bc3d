package io.provability.fabric.topology.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FabricMetricsTest {
  @Test
  void histogramsHaveAFewFixedBucketsAndSeriesAppearOnlyWhenUsed() {
    FabricMetrics metrics = FabricMetrics.create();
    assertThat(metrics.scrape())
        .doesNotContain("fabric_decisions_total")
        .doesNotContain("fabric_decision_latency");
    Decision d =
        Decision.newBuilder()
            .setDecisionId("d1")
            .setRequestId("r1")
            .setSessionId("s1")
            .setTenant("acme")
            .setSubjectId("agent-7")
            .setKind(RequestKind.PLAN)
            .setVerdict(Verdict.ALLOW)
            .setReasons(List.of())
            .setMatchedCapabilities(List.of())
            .setTokenId("tok-1")
            .setPolicyVersion(7)
            .setDecidedAt(Instant.ofEpochMilli(2_000))
            .setEvalMicros(120)
            .setRequestHash(ByteBuffer.wrap(new byte[32]))
            .build();
    metrics.onDecision(d, 1_000, 1_150);
    String text = metrics.scrape();
    assertThat(text)
        .contains("fabric_decisions_total{kind=\"plan\",verdict=\"ALLOW\"} 1.0")
        .doesNotContain("verdict=\"DENY\"")
        .doesNotContain("kind=\"egress\"");
    List<String> buckets =
        text.lines().filter(l -> l.startsWith("fabric_decision_latency_seconds_bucket{")).toList();
    assertThat(buckets)
        .hasSize(FabricMetrics.LATENCY_BUCKETS.length + 1) // and +Inf
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("fabric_decision_latency_seconds_bucket{kind=\"plan\",le=\"2.0\"}"))
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(
                        "fabric_decision_latency_seconds_bucket{kind=\"plan\",le=\"0.25\"} 1"));
  }

  @Test
  void kafkaDetailMetersAreLeftOutButThreadAndStoreSizeMetersStay() {
    FabricMetrics metrics = FabricMetrics.create();
    for (String name :
        List.of(
            "kafka.stream.task.process.total",
            "kafka.stream.processor.node.process.rate",
            "kafka.stream.state.put.rate",
            "kafka.admin.client.request.total",
            "kafka.producer.node.request.rate",
            "kafka.stream.thread.process.rate",
            "kafka.stream.state.estimate.num.keys",
            "kafka.stream.alive.stream.threads")) {
      Gauge.builder(name, () -> 1.0).register(metrics.registry());
    }
    Gauge.builder("kafka.consumer.fetch.manager.records.lag", () -> 1.0)
        .tag("topic", "t")
        .tag("partition", "0")
        .register(metrics.registry());
    Gauge.builder("kafka.consumergroup.group.lag", () -> 1.0)
        .tag("topic", "t")
        .tag("partition", "0")
        .register(metrics.registry());
    String text = metrics.scrape();
    assertThat(text)
        .contains("kafka_stream_thread_process_rate")
        .contains("kafka_stream_state_estimate_num_keys")
        .contains("kafka_stream_alive_stream_threads")
        .contains("kafka_consumergroup_group_lag{")
        .doesNotContain("kafka_stream_task_")
        .doesNotContain("kafka_stream_processor_node_")
        .doesNotContain("kafka_stream_state_put_rate")
        .doesNotContain("kafka_admin_client_")
        .doesNotContain("kafka_producer_node_")
        .doesNotContain("kafka_consumer_fetch_manager_records_lag");
  }
}
