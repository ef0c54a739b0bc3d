package io.provability.fabric.topology.internal.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.Decision;
import io.provability.fabric.topology.DecisionObserver;
import io.provability.fabric.topology.config.FabricConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * W3C trace context through the fabric, with the OpenTelemetry Java SDK: a {@code traceparent} (and
 * {@code tracestate}) on an HTTP request goes into the request record's Kafka headers; Kafka
 * Streams carries a request record's headers to its decision record; the sink connectors see them
 * there.
 *
 * <p>Off (no {@code tracing.otlp.endpoint}, the default): no SDK, no exporter thread, no span; the
 * two headers are copied as bytes, unparsed. On: the front door records a {@code send} span (kind
 * PRODUCER) and the decider a {@code process} span (kind CONSUMER), named and attributed after
 * OpenTelemetry's messaging semantic conventions ({@code messaging.system=kafka}, {@code
 * messaging.operation.type}, {@code messaging.operation.name}, {@code messaging.destination.name},
 * {@code messaging.consumer.group.name}), and each record carries the context of the span that
 * wrote it, so a trace reads HTTP request → send → process. Spans are exported over OTLP/HTTP in
 * batches.
 */
public final class FabricTracing implements AutoCloseable {
  /** The W3C trace-context header names (HTTP and Kafka alike). */
  public static final List<String> HEADERS = List.of("traceparent", "tracestate");

  static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> OPERATION_TYPE =
      AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> OPERATION_NAME =
      AttributeKey.stringKey("messaging.operation.name");
  static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> CONSUMER_GROUP =
      AttributeKey.stringKey("messaging.consumer.group.name");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("fabric.request.id");
  static final AttributeKey<String> VERDICT = AttributeKey.stringKey("fabric.verdict");
  static final AttributeKey<String> KIND = AttributeKey.stringKey("fabric.request.kind");

  private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final TextMapGetter<Headers> KAFKA_GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
          List<String> keys = new ArrayList<>();
          carrier.forEach(h -> keys.add(h.key()));
          return keys;
        }

        @Override
        public String get(Headers carrier, String key) {
          Header h = carrier == null ? null : carrier.lastHeader(key);
          return h == null || h.value() == null
              ? null
              : new String(h.value(), StandardCharsets.UTF_8);
        }
      };
  private static final TextMapSetter<Headers> KAFKA_SETTER =
      (carrier, key, value) -> {
        carrier.remove(key);
        carrier.add(key, value.getBytes(StandardCharsets.UTF_8));
      };

  private final OpenTelemetrySdk sdk;
  private final Tracer tracer;

  private FabricTracing(OpenTelemetrySdk sdk) {
    this.sdk = sdk;
    this.tracer = sdk == null ? null : sdk.getTracer("io.provability.fabric");
  }

  /** No spans: trace headers are copied, nothing else. */
  public static FabricTracing off() {
    return new FabricTracing(null);
  }

  /** Off without {@code tracing.otlp.endpoint}; otherwise spans exported there over OTLP/HTTP. */
  public static FabricTracing of(FabricConfig cfg) {
    String endpoint = cfg.getString(FabricConfig.OTLP_ENDPOINT_CONFIG).strip();
    if (endpoint.isEmpty()) {
      return off();
    }
    String url =
        endpoint.endsWith("/v1/traces") ? endpoint : endpoint.replaceAll("/+$", "") + "/v1/traces";
    return withProcessor(
        BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(url).build()).build(),
        cfg.instanceId());
  }

  /** Spans handed to {@code processor} (tests pass an in-memory exporter's). */
  public static FabricTracing withProcessor(SpanProcessor processor, String instanceId) {
    Resource resource =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.of(
                        AttributeKey.stringKey("service.name"),
                        "provability-fabric",
                        AttributeKey.stringKey("service.instance.id"),
                        instanceId)));
    return new FabricTracing(
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .setResource(resource)
                    .addSpanProcessor(processor)
                    .build())
            .build());
  }

  /** True when spans are recorded and exported. */
  public boolean enabled() {
    return sdk != null;
  }

  /**
   * The front door's side of one request: the Kafka headers its request record gets, and (tracing
   * on) the {@code send} span to end when the broker acknowledged.
   *
   * @param httpHeader the HTTP request's header of that name, or null
   */
  public Send send(Function<String, String> httpHeader, String topic, String requestId) {
    if (sdk == null) {
      List<Header> copied = null;
      for (String name : HEADERS) {
        String v = httpHeader.apply(name);
        if (v != null) {
          if (copied == null) {
            copied = new ArrayList<>(2);
          }
          copied.add(new RecordHeader(name, v.getBytes(StandardCharsets.UTF_8)));
        }
      }
      return new Send(copied == null ? List.of() : copied, null);
    }
    Context parent =
        W3C.extract(
            Context.root(),
            httpHeader,
            new TextMapGetter<>() {
              @Override
              public Iterable<String> keys(Function<String, String> carrier) {
                return HEADERS;
              }

              @Override
              public String get(Function<String, String> carrier, String key) {
                return carrier.apply(key);
              }
            });
    Span span =
        tracer
            .spanBuilder("send " + topic)
            .setParent(parent)
            .setSpanKind(SpanKind.PRODUCER)
            .setAttribute(MESSAGING_SYSTEM, "kafka")
            .setAttribute(OPERATION_TYPE, "send")
            .setAttribute(OPERATION_NAME, "send")
            .setAttribute(DESTINATION, topic)
            .setAttribute(REQUEST_ID, requestId)
            .startSpan();
    Headers headers = new RecordHeaders();
    W3C.inject(Context.root().with(span), headers, KAFKA_SETTER);
    List<Header> out = new ArrayList<>(2);
    headers.forEach(out::add);
    return new Send(out, span);
  }

  /** The headers of a request record and, tracing on, its open {@code send} span. */
  public static final class Send {
    private final List<Header> headers;
    private final Span span;

    Send(List<Header> headers, Span span) {
      this.headers = headers;
      this.span = span;
    }

    /**
     * The trace-context headers for the request record (empty when the caller sent none, tracing
     * off).
     */
    public List<Header> headers() {
      return headers;
    }

    /** Ends the span (if any): at the broker's acknowledgement, or with the failure. */
    public void end(Instant acknowledged, Throwable failure) {
      if (span == null) {
        return;
      }
      if (failure != null) {
        span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
        span.setAttribute(AttributeKey.stringKey("error.type"), failure.getClass().getName());
      }
      if (acknowledged != null) {
        span.end(acknowledged);
      } else {
        span.end();
      }
    }
  }

  /**
   * The decider's side: an observer that, tracing on, records a {@code process} span for each
   * decision (child of the context in the request record's headers) and puts that span's context
   * into the decision record's headers in place of the request's. Off: {@link
   * DecisionObserver#NONE}-cheap (the headers Kafka Streams carried over stay as they are).
   *
   * @param requestsTopic the topic the decision's request was read from
   * @param group the Kafka Streams application id (the consumer group)
   */
  public DecisionObserver decider(String requestsTopic, String group) {
    if (sdk == null) {
      return DecisionObserver.NONE;
    }
    String name = "process " + requestsTopic;
    return new DecisionObserver() {
      @Override
      public void onDecision(Decision decision, long requestTimestamp, long nowMs) {
        // spans need the record's headers: see onDecisionRecord
      }

      @Override
      public void onDeadLetter(DeadLetter letter) {}

      @Override
      public void onDecisionRecord(Decision decision, Headers headers) {
        Context parent = W3C.extract(Context.root(), headers, KAFKA_GETTER);
        long end = decision.getDecidedAt().toEpochMilli() * 1_000_000L;
        Span span =
            tracer
                .spanBuilder(name)
                .setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setStartTimestamp(end - decision.getEvalMicros() * 1_000L, TimeUnit.NANOSECONDS)
                .setAttribute(MESSAGING_SYSTEM, "kafka")
                .setAttribute(OPERATION_TYPE, "process")
                .setAttribute(OPERATION_NAME, "process")
                .setAttribute(DESTINATION, requestsTopic)
                .setAttribute(CONSUMER_GROUP, group)
                .setAttribute(REQUEST_ID, decision.getRequestId())
                .setAttribute(KIND, String.valueOf(decision.getKind()))
                .setAttribute(VERDICT, String.valueOf(decision.getVerdict()))
                .startSpan();
        HEADERS.forEach(headers::remove);
        W3C.inject(Context.root().with(span), headers, KAFKA_SETTER);
        span.end(end, TimeUnit.NANOSECONDS);
      }
    };
  }

  /** Flushes and stops the exporter (nothing to do when off). */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.shutdown().join(5, TimeUnit.SECONDS);
    }
  }
}
