package io.provability.fabric.topology.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.provability.fabric.topology.internal.tracing.FabricTracing;
import io.provability.fabric.topology.metrics.ConsumerLag;
import io.provability.fabric.topology.metrics.ConsumerLagMonitor;
import io.provability.fabric.topology.metrics.FabricMetrics;
import io.provability.fabric.topology.ops.StreamsHealth;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * The instance's HTTP server (Javalin on Jetty):
 *
 * <ul>
 *   <li>{@code POST /v1/plans}, {@code /v1/retrievals}, {@code /v1/egress}: the front door. JSON in
 *       ({@link RequestMapper}), the decision as JSON out ({@code 200} whatever the verdict);
 *       {@code 504} with the request id at the deadline (default {@code http.request.timeout.ms},
 *       per request {@code X-Fabric-Timeout-Ms}); {@code 400} malformed JSON / unknown or
 *       wrong-typed or missing field, {@code 413} body too large, {@code 415} not JSON, {@code 503}
 *       not ready. Every answer carries {@code X-Request-Id} and a {@code Server-Timing} header
 *       with the stages {@code parse}, {@code produce} (until the broker acknowledged), {@code
 *       decide} (until the decision was read back), {@code eval} (the decider's own time), {@code
 *       commit} (from the decision's {@code decided_at} to reading it back: the exactly-once commit
 *       and the fetch) and {@code total}.
 *   <li>{@code GET /health/live}, {@code /health/ready}: 200 or 503 from the Kafka Streams state,
 *       the front door and this instance's sinks ({@link StreamsHealth}); {@code GET /health}:
 *       always 200, the same with {@code live} and each sink task's state, worker and error.
 *   <li>{@code GET /metrics}: Prometheus text format.
 *   <li>{@code GET /lag}: the consumer-lag dashboard page; {@code GET /api/lag}: its data as JSON.
 *   <li>{@code GET /openapi.json}: the OpenAPI 3.1 document of every endpoint here, with its
 *       request and answer schemas and examples.
 * </ul>
 */
public final class FabricHttpServer implements AutoCloseable {
  /** Settings of the server. */
  /**
   * How far past the size limit an oversized body is still read (and dropped) before answering 413.
   */
  static final long DISCARD_AT_MOST = 1 << 20;

  public record Settings(
      String host,
      int port,
      Duration requestTimeout,
      Duration maxRequestTimeout,
      int maxBodyBytes) {}

  static final String TIMEOUT_HEADER = "X-Fabric-Timeout-Ms";

  private final Settings settings;
  private final FabricMetrics metrics;
  private final StreamsHealth health;
  private final FrontDoor frontDoor;
  private final ConsumerLagMonitor lag;
  private final Clock clock;
  private final FabricTracing tracing;
  private final Javalin app;

  /**
   * Starts the server.
   *
   * @param frontDoor null: the decision endpoints answer 503
   * @param lag null: the lag page shows no groups
   */
  public static FabricHttpServer start(
      Settings settings,
      FabricMetrics metrics,
      StreamsHealth health,
      FrontDoor frontDoor,
      ConsumerLagMonitor lag,
      Clock clock) {
    return start(settings, metrics, health, frontDoor, lag, clock, FabricTracing.off());
  }

  /**
   * Starts the server; a request's W3C trace context goes into its request record ({@link
   * FabricTracing}).
   */
  public static FabricHttpServer start(
      Settings settings,
      FabricMetrics metrics,
      StreamsHealth health,
      FrontDoor frontDoor,
      ConsumerLagMonitor lag,
      Clock clock,
      FabricTracing tracing) {
    return new FabricHttpServer(settings, metrics, health, frontDoor, lag, clock, tracing);
  }

  private FabricHttpServer(
      Settings settings,
      FabricMetrics metrics,
      StreamsHealth health,
      FrontDoor frontDoor,
      ConsumerLagMonitor lag,
      Clock clock,
      FabricTracing tracing) {
    this.settings = settings;
    this.tracing = Objects.requireNonNull(tracing);
    this.metrics = Objects.requireNonNull(metrics);
    this.health = Objects.requireNonNull(health);
    this.frontDoor = frontDoor;
    this.lag = lag;
    this.clock = clock;
    this.app =
        Javalin.create(
                cfg -> {
                  cfg.http.maxRequestSize = settings.maxBodyBytes();
                  cfg.startup.showJavalinBanner = false;
                  cfg.routes.get("/health/live", this::live);
                  cfg.routes.get("/health/ready", this::ready);
                  cfg.routes.get("/health", this::detail);
                  cfg.routes.get(
                      "/metrics",
                      ctx ->
                          ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                              .result(metrics.exposition()));
                  cfg.routes.get("/lag", this::lagPage);
                  cfg.routes.get("/api/lag", this::lagJson);
                  cfg.routes.get(
                      "/openapi.json",
                      ctx ->
                          ctx.contentType("application/json")
                              .result(resource("/fabric/openapi.json")));
                  cfg.routes.post("/v1/plans", ctx -> decide(ctx, "plan", RequestMapper::plan));
                  cfg.routes.post(
                      "/v1/retrievals", ctx -> decide(ctx, "retrieval", RequestMapper::retrieval));
                  cfg.routes.post(
                      "/v1/egress", ctx -> decide(ctx, "egress", RequestMapper::egress));
                  cfg.routes.exception(
                      BadRequest.class,
                      (e, ctx) -> error(ctx, e.status(), e.getMessage(), e.path(), null));
                  cfg.routes.exception(
                      HttpResponseException.class,
                      (e, ctx) ->
                          error(
                              ctx,
                              e.getStatus(),
                              e.getStatus() == 413
                                  ? "body larger than "
                                      + settings.maxBodyBytes()
                                      + " bytes ("
                                      + "http.max.body.bytes)"
                                  : e.getMessage(),
                              null,
                              null));
                  // a known path with the wrong method is 405 with the methods it takes, not 404
                  for (String path : new String[] {"/v1/plans", "/v1/retrievals", "/v1/egress"}) {
                    for (HandlerType method :
                        new HandlerType[] {
                          HandlerType.GET, HandlerType.PUT, HandlerType.DELETE, HandlerType.PATCH
                        }) {
                      cfg.routes.addHttpHandler(
                          method,
                          path,
                          ctx -> {
                            ctx.header("Allow", "POST");
                            error(
                                ctx,
                                405,
                                ctx.method()
                                    + " is not allowed on "
                                    + ctx.path()
                                    + ": POST a JSON body",
                                null,
                                null);
                          });
                    }
                  }
                })
            .start(settings.host(), settings.port());
  }

  /** The port the server listens on. */
  public int port() {
    return app.port();
  }

  private void live(Context ctx) {
    healthBody(ctx, health.live());
  }

  private void ready(Context ctx) {
    healthBody(ctx, health.ready());
  }

  /** Always 200: what every part of the instance is doing, for an operator (not a probe). */
  private void detail(Context ctx) {
    ObjectNode o = healthJson(health.ready());
    o.put("live", health.live());
    ctx.status(200).contentType("application/json").result(o.toString());
  }

  private void healthBody(Context ctx, boolean up) {
    ctx.status(up ? 200 : 503).contentType("application/json").result(healthJson(up).toString());
  }

  private ObjectNode healthJson(boolean up) {
    ObjectNode o = DecisionJson.JSON.createObjectNode();
    o.put("status", up ? "UP" : "DOWN");
    o.put("streams_state", health.stateName());
    if (frontDoor != null) {
      o.put("front_door", frontDoor.ready() ? "ready" : "not ready");
    }
    Object sinks = health.sinksDetail();
    if (sinks != null) {
      o.set("sinks", DecisionJson.JSON.valueToTree(sinks));
    }
    return o;
  }

  private void lagPage(Context ctx) throws IOException {
    ctx.contentType("text/html; charset=utf-8").result(resource("/fabric/lag.html"));
  }

  /** A text resource of the application jar. */
  private static String resource(String name) throws IOException {
    try (InputStream in = FabricHttpServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the application jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private void lagJson(Context ctx) {
    ConsumerLag sample = lag == null ? null : lag.latest();
    ctx.contentType("application/json").result(lagJson(sample).toString());
  }

  /** The JSON form of a lag sample (what the dashboard reads). */
  static ObjectNode lagJson(ConsumerLag sample) {
    ObjectNode o = DecisionJson.JSON.createObjectNode();
    ArrayNode rows = o.putArray("partitions");
    if (sample == null) {
      o.putNull("at");
      return o;
    }
    o.put("at", sample.at().toString());
    ObjectNode topics = o.putObject("topic_end_offsets");
    sample.topicEnds().forEach(topics::put);
    for (ConsumerLag.Row r : sample.partitions()) {
      ObjectNode row = rows.addObject();
      row.put("group", r.group());
      row.put("topic", r.topic());
      row.put("partition", r.partition());
      row.put("committed", r.committed());
      row.put("end", r.end());
      row.put("lag", r.lag());
      putNumber(row, "lag_seconds", r.lagSeconds());
      putNumber(row, "consume_rate", r.consumeRate());
      putNumber(row, "produce_rate", r.produceRate());
    }
    return o;
  }

  private static void putNumber(ObjectNode o, String field, double v) {
    if (Double.isFinite(v)) {
      o.put(field, v);
    } else {
      o.putNull(field); // JSON has no NaN: unknown is null
    }
  }

  /**
   * Reads and drops the body of a request about to be refused as too large, if it is at most
   * {@value #DISCARD_AT_MOST} bytes past the limit. A server that answers without reading closes
   * its socket with unread bytes in it, and TCP then resets the connection, which can destroy the
   * 413 before the client reads it: the client would see a broken connection instead of the reason.
   * Larger bodies are not read (the connection closes).
   */
  private void discardBody(Context ctx) {
    long limit = settings.maxBodyBytes() + DISCARD_AT_MOST;
    if (ctx.contentLength() > limit) {
      ctx.header("Connection", "close");
      return;
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] sink = new byte[8192];
      long left = limit;
      int n;
      while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
        left -= n;
      }
    } catch (IOException e) {
      // the client went away while we were discarding: nothing to answer
      ctx.header("Connection", "close");
    }
  }

  private void decide(
      Context ctx, String endpoint, BiFunction<byte[], Instant, RequestMapper.Mapped> mapper) {
    long t0 = System.nanoTime();
    if (frontDoor == null || !frontDoor.ready()) {
      error(
          ctx,
          503,
          "the front door is not ready (streams: " + health.stateName() + ")",
          null,
          null);
      return;
    }
    String type = ctx.contentType();
    if (type != null && !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw new BadRequest(415, null, "Content-Type must be application/json, was " + type);
    }
    if (ctx.contentLength() > settings.maxBodyBytes()) {
      discardBody(ctx);
      throw new BadRequest(
          413,
          null,
          "body of "
              + ctx.contentLength()
              + " bytes is larger than "
              + settings.maxBodyBytes()
              + " bytes (http.max.body.bytes)");
    }
    byte[] body = ctx.bodyAsBytes();
    if (body.length > settings.maxBodyBytes()) {
      throw new BadRequest(
          413,
          null,
          "body larger than " + settings.maxBodyBytes() + " bytes (http.max.body.bytes)");
    }
    Duration deadline = deadline(ctx);
    Instant now = clock.instant();
    RequestMapper.Mapped mapped = mapper.apply(body, now);
    long parsed = System.nanoTime();
    ctx.header("X-Request-Id", mapped.requestId());
    FabricTracing.Send send =
        tracing.send(ctx::header, frontDoor.requestsTopic(), mapped.requestId());
    ctx.future(
        () ->
            frontDoor
                .submit(mapped, now.toEpochMilli(), deadline, send.headers())
                .handle(
                    (reply, failure) -> {
                      long done = System.nanoTime();
                      Throwable cause =
                          failure instanceof CompletionException && failure.getCause() != null
                              ? failure.getCause()
                              : failure;
                      // the send span ends at the broker's acknowledgement (known once the reply is
                      // back); a deadline is
                      // no failure of the send
                      send.end(
                          reply == null
                              ? null
                              : clock.instant().minusNanos(done - reply.ackedNanos()),
                          cause == null || cause instanceof TimeoutException ? null : cause);
                      int status;
                      if (cause == null) {
                        status = 200;
                        ctx.header("Server-Timing", timing(t0, parsed, reply, done));
                        ctx.header("X-Fabric-Verdict", reply.decision().getVerdict().name());
                        ctx.status(200)
                            .contentType("application/json")
                            .result(DecisionJson.of(reply.decision()).toString());
                      } else if (cause instanceof TimeoutException) {
                        status = 504;
                        ctx.header(
                            "Server-Timing",
                            String.format(
                                Locale.ROOT,
                                "parse;dur=%.3f, total;dur=%.3f",
                                ms(parsed - t0),
                                ms(done - t0)));
                        error(
                            ctx,
                            504,
                            "no decision within "
                                + deadline.toMillis()
                                + " ms; the request was accepted and its decision "
                                + "will still be published",
                            null,
                            mapped.requestId());
                      } else if (cause instanceof RecordTooLargeException) {
                        // permanent: a retry would fail the same way
                        status = 413;
                        error(
                            ctx,
                            413,
                            "the request is larger than the requests topic accepts (the front door's limit is "
                                + settings.maxBodyBytes()
                                + " bytes of body)",
                            null,
                            mapped.requestId());
                      } else {
                        status = 503;
                        error(
                            ctx,
                            503,
                            "the request could not be handed to Kafka: " + cause.getMessage(),
                            null,
                            mapped.requestId());
                      }
                      FabricMetrics.latencyTimer("fabric.http.requests")
                          .description("Front-door requests by endpoint and status")
                          .tag("endpoint", endpoint)
                          .tag("status", String.valueOf(status))
                          .register(metrics.registry())
                          .record(Duration.ofNanos(done - t0));
                      return null;
                    }));
  }

  private Duration deadline(Context ctx) {
    String asked = ctx.header(TIMEOUT_HEADER);
    if (asked == null) {
      return settings.requestTimeout();
    }
    long ms;
    try {
      ms = Long.parseLong(asked.strip());
    } catch (NumberFormatException e) {
      throw new BadRequest(
          400,
          null,
          TIMEOUT_HEADER + " must be a whole number of milliseconds, was '" + asked + "'");
    }
    if (ms < 1 || ms > settings.maxRequestTimeout().toMillis()) {
      throw new BadRequest(
          400,
          null,
          TIMEOUT_HEADER + " must be between 1 and " + settings.maxRequestTimeout().toMillis());
    }
    return Duration.ofMillis(ms);
  }

  private static String timing(long t0, long parsed, FrontDoor.Reply reply, long done) {
    // commit: from the decider's decided_at to the reply consumer reading it (the exactly-once
    // commit,
    // then the fetch); wall clocks of two hosts in general, so approximate
    long commitMs =
        Math.max(0, reply.readWallMs() - reply.decision().getDecidedAt().toEpochMilli());
    return String.format(
        Locale.ROOT,
        "parse;dur=%.3f, produce;dur=%.3f, decide;dur=%.3f, eval;dur=%.3f, commit;dur=%d, total;dur=%.3f",
        ms(parsed - t0),
        ms(Math.max(0, reply.ackedNanos() - parsed)),
        ms(Math.max(0, reply.decidedNanos() - reply.ackedNanos())),
        reply.decision().getEvalMicros() / 1000.0,
        commitMs,
        ms(done - t0));
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static void error(
      Context ctx, int status, String message, String path, String requestId) {
    ObjectNode o = DecisionJson.JSON.createObjectNode();
    o.put("status", status);
    o.put("error", message);
    if (path != null) {
      o.put("path", path);
    }
    if (requestId != null) {
      o.put("request_id", requestId);
      ctx.header("X-Request-Id", requestId);
    }
    ctx.status(status).contentType("application/json").result(o.toString());
  }

  @Override
  public void close() {
    app.stop();
  }
}
