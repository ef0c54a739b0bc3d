package io.provability.fabric.topology.internal.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.topology.DecisionObserver;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class FabricTracingTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

  @Test
  void offCopiesTheTraceHeadersAsTheyAreAndRecordsNothing() {
    FabricTracing off = FabricTracing.off();
    assertThat(off.enabled()).isFalse();
    FabricTracing.Send send =
        off.send(
            Map.of("traceparent", TRACEPARENT, "tracestate", "vendor=1")::get,
            "fabric.requests",
            "r1");
    assertThat(send.headers())
        .extracting(h -> h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8))
        .containsExactly("traceparent=" + TRACEPARENT, "tracestate=vendor=1");
    assertThat(off.send(Map.<String, String>of()::get, "fabric.requests", "r1").headers())
        .isEmpty();
    assertThat(off.decider("fabric.requests", "fabric-runtime")).isSameAs(DecisionObserver.NONE);
    send.end(Instant.now(), null); // no span: nothing happens
  }

  @Test
  void onTheSendAndProcessSpansFollowTheMessagingConventionsAndCarryTheTrace() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    try (FabricTracing tracing =
        FabricTracing.withProcessor(SimpleSpanProcessor.create(exporter), "instance-1")) {
      FabricTracing.Send send =
          tracing.send(Map.of("traceparent", TRACEPARENT)::get, "fabric.requests", "r1");
      Headers record = new RecordHeaders();
      send.headers().forEach(record::add);
      send.end(Instant.now(), null);

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
              .setDecidedAt(Instant.now())
              .setEvalMicros(250)
              .setRequestHash(ByteBuffer.wrap(new byte[32]))
              .build();
      // Kafka Streams carried the request's headers to the decision record
      tracing.decider("fabric.requests", "fabric-runtime").onDecisionRecord(d, record);

      List<SpanData> spans = exporter.getFinishedSpanItems();
      assertThat(spans).hasSize(2);
      SpanData sent = spans.get(0);
      SpanData processed = spans.get(1);
      assertThat(sent.getName()).isEqualTo("send fabric.requests");
      assertThat(sent.getKind()).isEqualTo(SpanKind.PRODUCER);
      assertThat(sent.getTraceId()).isEqualTo(TRACE_ID);
      assertThat(sent.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
      assertThat(sent.getAttributes().get(AttributeKey.stringKey("messaging.system")))
          .isEqualTo("kafka");
      assertThat(sent.getAttributes().get(AttributeKey.stringKey("messaging.operation.type")))
          .isEqualTo("send");
      assertThat(sent.getAttributes().get(AttributeKey.stringKey("messaging.destination.name")))
          .isEqualTo("fabric.requests");

      assertThat(processed.getName()).isEqualTo("process fabric.requests");
      assertThat(processed.getKind()).isEqualTo(SpanKind.CONSUMER);
      assertThat(processed.getTraceId()).isEqualTo(TRACE_ID);
      assertThat(processed.getParentSpanId())
          .as("child of the send span")
          .isEqualTo(sent.getSpanId());
      assertThat(processed.getAttributes().get(AttributeKey.stringKey("messaging.operation.type")))
          .isEqualTo("process");
      assertThat(
              processed
                  .getAttributes()
                  .get(AttributeKey.stringKey("messaging.consumer.group.name")))
          .isEqualTo("fabric-runtime");
      assertThat(processed.getAttributes().get(AttributeKey.stringKey("fabric.verdict")))
          .isEqualTo("ALLOW");
      assertThat(processed.getEndEpochNanos() - processed.getStartEpochNanos()).isEqualTo(250_000L);
      assertThat(
              processed.getResource().getAttribute(AttributeKey.stringKey("service.instance.id")))
          .isEqualTo("instance-1");

      // the decision record now names the process span: the sinks continue the trace from there
      String decisionParent =
          new String(record.lastHeader("traceparent").value(), StandardCharsets.UTF_8);
      assertThat(decisionParent).isEqualTo("00-" + TRACE_ID + "-" + processed.getSpanId() + "-01");
      assertThat(record.headers("traceparent")).hasSize(1);
    }
  }

  @Test
  void aRequestWithoutTraceContextStartsANewTrace() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    try (FabricTracing tracing =
        FabricTracing.withProcessor(SimpleSpanProcessor.create(exporter), "i")) {
      FabricTracing.Send send =
          tracing.send(Map.<String, String>of()::get, "fabric.requests", "r2");
      send.end(null, new IllegalStateException("broker gone"));
      SpanData span = exporter.getFinishedSpanItems().get(0);
      assertThat(span.getParentSpanContext().isValid()).isFalse();
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(send.headers()).extracting(h -> h.key()).containsExactly("traceparent");
    }
  }
}
