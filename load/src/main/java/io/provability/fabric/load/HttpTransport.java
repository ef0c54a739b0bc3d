package io.provability.fabric.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.topology.traffic.LoadTraffic;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * HTTP transport: what a caller of the front door does. Each request is POSTed as JSON to {@code
 * /v1/plans}, {@code /v1/retrievals} or {@code /v1/egress} and its decision is the response body; a
 * response other than 200 (400, 503, the front door's 504 at its deadline...) or a failed
 * connection is a send failure, counted by status and reported, never retried.
 *
 * <p>Open loop: {@link #send} never waits. Up to {@code maxInFlight} requests are on the wire at
 * once (one HTTP/1.1 connection each, from {@link HttpClient}'s pool); beyond that they wait in
 * this transport's queue and go out as responses come back. The generator measures latency from
 * each request's intended send time, so that queueing is inside the figures, and the transport
 * reports how much of it there was ({@link #queued()}, {@link #maxQueueDepth()}).
 */
public final class HttpTransport implements Transport {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final URI base;
  private final int maxInFlight;
  private final Duration frontDoorDeadline;
  private final Duration clientTimeout;
  private final ExecutorService executor;
  private final HttpClient client;
  private final EventCodec codec = EventCodec.standard();
  private final FrontDoorBodies bodies = new FrontDoorBodies();
  private final Queue<LoadTraffic.LoadRequest> waiting = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger queueDepth = new AtomicInteger();
  private final AtomicLong maxQueueDepth = new AtomicLong();
  private final LongAdder queued = new LongAdder();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private volatile Listener listener;

  /**
   * @param base the front door, e.g. {@code http://127.0.0.1:8080}
   * @param maxInFlight requests on the wire at once (and so connections); more wait here
   * @param frontDoorDeadline sent as {@code X-Fabric-Timeout-Ms}; null: the instance's default
   * @param clientTimeout how long this client waits for a response before it counts a timeout
   */
  public HttpTransport(
      URI base, int maxInFlight, Duration frontDoorDeadline, Duration clientTimeout) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
    }
    this.base = base;
    this.maxInFlight = maxInFlight;
    this.frontDoorDeadline = frontDoorDeadline;
    this.clientTimeout = clientTimeout;
    AtomicInteger n = new AtomicInteger();
    // responses are parsed here, off the sender's thread
    this.executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "fabric-load-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    // HTTP/1.1: the front door is plain HTTP, and h2c upgrade attempts would only add a round trip
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(executor)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  @Override
  public void start(Listener newListener) {
    this.listener = newListener;
  }

  @Override
  public void send(LoadTraffic.LoadRequest r) {
    if (inFlight.incrementAndGet() <= maxInFlight) {
      dispatch(r);
    } else {
      inFlight.decrementAndGet();
      waiting.add(r);
      queued.increment();
      maxQueueDepth.accumulateAndGet(queueDepth.incrementAndGet(), Math::max);
      drain(); // a response may have come back between the check and the add
    }
  }

  /** Sends waiting requests while there is room on the wire. */
  private void drain() {
    while (!waiting.isEmpty()) {
      if (inFlight.incrementAndGet() > maxInFlight) {
        inFlight.decrementAndGet();
        return;
      }
      LoadTraffic.LoadRequest next = waiting.poll();
      if (next == null) {
        inFlight.decrementAndGet();
        return;
      }
      queueDepth.decrementAndGet();
      dispatch(next);
    }
  }

  private void dispatch(LoadTraffic.LoadRequest r) {
    HttpRequest request;
    try {
      FrontDoorBodies.Body body = bodies.of(codec.decode(r.bytes()));
      HttpRequest.Builder b =
          HttpRequest.newBuilder(base.resolve(body.path()))
              .timeout(clientTimeout)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body.json()));
      if (frontDoorDeadline != null) {
        b.header("X-Fabric-Timeout-Ms", Long.toString(frontDoorDeadline.toMillis()));
      }
      request = b.build();
    } catch (RuntimeException e) {
      done(r, "not sendable", e);
      return;
    }
    CompletableFuture<HttpResponse<byte[]>> reply;
    try {
      reply = client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (RuntimeException e) {
      done(r, "not sendable", e);
      return;
    }
    reply.whenComplete(
        (response, error) -> {
          long arrived = System.nanoTime();
          if (error != null) {
            Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                    ? error.getCause()
                    : error;
            done(
                r,
                cause instanceof HttpTimeoutException ? "client timeout" : "connection error",
                cause instanceof Exception ex ? ex : new RuntimeException(cause));
          } else if (response.statusCode() != 200) {
            String text = new String(response.body(), StandardCharsets.UTF_8);
            done(
                r,
                "HTTP " + response.statusCode(),
                new IllegalStateException(
                    "HTTP "
                        + response.statusCode()
                        + ": "
                        + (text.length() > 300 ? text.substring(0, 300) + "..." : text)));
          } else {
            decided(r, response.body(), arrived);
          }
        });
  }

  private void decided(LoadTraffic.LoadRequest r, byte[] body, long arrived) {
    String requestId;
    Verdict verdict;
    List<String> codes = new ArrayList<>();
    long decidedAt = -1;
    try {
      JsonNode d = JSON.readTree(body);
      JsonNode at = d.get("decided_at");
      if (at != null && at.isTextual()) {
        decidedAt = Instant.parse(at.textValue()).toEpochMilli();
      }
      requestId = d.get("request_id").textValue();
      verdict = Verdict.valueOf(d.get("verdict").textValue());
      for (JsonNode reason : d.get("reasons")) {
        codes.add(reason.get("code").textValue());
      }
    } catch (IOException | RuntimeException e) {
      done(r, "unreadable 200 body", e);
      return;
    }
    inFlight.decrementAndGet();
    // the id the front door answered with, not the one sent: a mixed-up reply must show as a
    // lost request plus a duplicate, not pass unnoticed
    listener.decided(requestId, verdict, codes, decidedAt, arrived);
    drain();
  }

  private void done(LoadTraffic.LoadRequest r, String kind, Exception cause) {
    failures.computeIfAbsent(kind, k -> new LongAdder()).increment();
    inFlight.decrementAndGet();
    listener.sendFailed(r, cause);
    drain();
  }

  /** Failures so far by kind ({@code HTTP 504}, {@code connection error}, ...), sorted by kind. */
  public Map<String, Long> failuresByKind() {
    Map<String, Long> out = new TreeMap<>();
    failures.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Requests that had to wait in this transport's queue for a free slot. */
  public long queued() {
    return queued.sum();
  }

  /** The longest this transport's queue ever was. */
  public long maxQueueDepth() {
    return maxQueueDepth.get();
  }

  /** The slots on the wire. */
  public int maxInFlight() {
    return maxInFlight;
  }

  @Override
  public String name() {
    return "http";
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
