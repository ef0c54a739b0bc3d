package io.provability.fabric.topology.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventSerde;
import io.provability.fabric.topology.config.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request-reply over Kafka for callers that speak HTTP: a request is produced to the requests topic
 * (key: its session id) and answered from the decisions topic by its request id.
 *
 * <p>One reply consumer serves every request of this instance: it reads every partition of the
 * decisions topic (read_committed, no consumer group, starting at the end as of start-up) and
 * completes the pending request whose id a decision carries. A request is registered before it is
 * produced, so its decision cannot be missed; a request that reaches its deadline is forgotten
 * here, but its decision is still made and published (other readers of the decisions topic see it).
 *
 * <p>Hazard: every instance's reply consumer reads every decision, so each instance's network and
 * CPU share grows with the cluster's total decision rate, not its own.
 */
public final class FrontDoor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FrontDoor.class);

  /**
   * A decision with the timings of its request: nanoseconds of {@link System#nanoTime()}, and the
   * wall-clock milliseconds at which the reply consumer read it (to compare with the decision's
   * {@code decided_at}, stamped by whichever instance decided).
   */
  public record Reply(
      Decision decision, long sentNanos, long ackedNanos, long decidedNanos, long readWallMs) {}

  private static final class Pending {
    final CompletableFuture<Reply> future = new CompletableFuture<>();
    final long sentNanos = System.nanoTime();
    volatile long ackedNanos;
  }

  private final String requestsTopic;
  private final String decisionsTopic;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> replies;
  private final Deserializer<Decision> decisions;
  private final EventCodec codec;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final CountDownLatch positioned = new CountDownLatch(1);
  private final List<KafkaClientMetrics> clientMetrics = new ArrayList<>();
  private final Thread replyThread;
  private volatile boolean running = true;
  private volatile Throwable replyFailure;

  /**
   * How many bytes a produced request may have beyond the body it came from (Avro framing, record
   * headers).
   */
  public static final int ENVELOPE_BYTES = 64 * 1024;

  /**
   * A front door for bodies of up to 1 MiB minus {@link #ENVELOPE_BYTES}, client ids {@code
   * fabric-front-door*}.
   */
  public FrontDoor(
      String bootstrap, String requestsTopic, String decisionsTopic, MeterRegistry registry) {
    this(
        bootstrap,
        requestsTopic,
        decisionsTopic,
        registry,
        1024 * 1024 - ENVELOPE_BYTES,
        EventCodec.standard(),
        "fabric");
  }

  /**
   * Creates the clients and starts the reply consumer; {@link #awaitReady} waits until it is
   * positioned.
   *
   * @param maxBodyBytes the largest body the HTTP server accepts: the producer's {@code
   *     max.request.size} is derived from it, so a body that passes the HTTP limit is never refused
   *     by the producer
   * @param codec reads decisions (one that knows the registry's schema ids when the topology writes
   *     the schema-registry format); requests are sent single-object encoded
   * @param clientIdPrefix stem of the client ids ({@code <prefix>-front-door}, {@code
   *     <prefix>-front-door-replies}), stable across restarts of this instance
   */
  public FrontDoor(
      String bootstrap,
      String requestsTopic,
      String decisionsTopic,
      MeterRegistry registry,
      int maxBodyBytes,
      EventCodec codec,
      String clientIdPrefix) {
    this.codec = codec;
    this.decisions = EventSerde.of(Decision.class, codec).deserializer();
    this.requestsTopic = requestsTopic;
    this.decisionsTopic = decisionsTopic;
    KafkaClients kafka = KafkaClients.forBootstrap(bootstrap, clientIdPrefix);
    Properties p = kafka.batchingProducer("front-door", 1);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxBodyBytes + ENVELOPE_BYTES);
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    Properties c = kafka.committedReader("front-door-replies");
    c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
    this.replies = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    if (registry != null) {
      clientMetrics.add(new KafkaClientMetrics(producer, Tags.of("component", "front-door")));
      clientMetrics.add(new KafkaClientMetrics(replies, Tags.of("component", "front-door")));
      clientMetrics.forEach(m -> m.bindTo(registry));
    }
    this.replyThread = new Thread(this::replyLoop, "fabric-front-door-replies");
    replyThread.setDaemon(true);
    replyThread.start();
  }

  /** Waits until the reply consumer is positioned at the end of every decisions partition. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return positioned.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && replyFailure == null;
  }

  /** True once the reply consumer is positioned and running. */
  public boolean ready() {
    return positioned.getCount() == 0 && running && replyFailure == null;
  }

  /**
   * Produces {@code mapped} and completes with its decision, or exceptionally with a {@link
   * TimeoutException} at the deadline (or the producer's error).
   */
  public CompletableFuture<Reply> submit(
      RequestMapper.Mapped mapped, long timestampMs, Duration deadline) {
    return submit(mapped, timestampMs, deadline, List.of());
  }

  /**
   * As {@link #submit(RequestMapper.Mapped, long, Duration)}, the request record carrying {@code
   * headers}.
   */
  public CompletableFuture<Reply> submit(
      RequestMapper.Mapped mapped, long timestampMs, Duration deadline, List<Header> headers) {
    if (!ready()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("the front door is not ready"));
    }
    // a caller retrying the same request id while the first is in flight shares its answer
    Pending p = pending.computeIfAbsent(mapped.requestId(), id -> new Pending());
    try {
      producer.send(
          new ProducerRecord<>(
              requestsTopic,
              null,
              timestampMs,
              mapped.sessionId().getBytes(StandardCharsets.UTF_8),
              codec.encode(mapped.event()),
              headers.isEmpty() ? null : headers),
          (meta, error) -> {
            if (error != null) {
              pending.remove(mapped.requestId(), p);
              p.future.completeExceptionally(error);
            } else {
              p.ackedNanos = System.nanoTime();
            }
          });
    } catch (RuntimeException e) {
      // e.g. the buffer stayed full for max.block.ms, or the producer is closing
      pending.remove(mapped.requestId(), p);
      p.future.completeExceptionally(e);
    }
    // a copy: one caller's deadline must not fail another caller waiting for the same request id
    return p.future
        .copy()
        .orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                pending.remove(mapped.requestId(), p);
              }
            });
  }

  /** The topic requests are produced to. */
  public String requestsTopic() {
    return requestsTopic;
  }

  /** Requests waiting for their decision now. */
  public int inFlight() {
    return pending.size();
  }

  private void replyLoop() {
    try {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo info : replies.partitionsFor(decisionsTopic, Duration.ofSeconds(60))) {
        parts.add(new TopicPartition(decisionsTopic, info.partition()));
      }
      replies.assign(parts);
      replies.seekToEnd(parts);
      parts.forEach(
          replies::position); // resolve the end offsets now, before any request is accepted
      positioned.countDown();
      while (running) {
        for (ConsumerRecord<byte[], byte[]> rec : replies.poll(Duration.ofMillis(200))) {
          if (pending.isEmpty()) {
            continue; // nobody waits: every decision of the cluster passes here, most of them not
            // ours
          }
          Decision d;
          try {
            d = decisions.deserialize(rec.topic(), rec.value());
          } catch (RuntimeException e) {
            LOG.warn(
                "undecodable record on {} at {}-{}: {}",
                rec.topic(),
                rec.partition(),
                rec.offset(),
                e.toString());
            continue;
          }
          Pending p = d == null ? null : pending.remove(d.getRequestId());
          if (p != null) {
            p.future.complete(
                new Reply(
                    d,
                    p.sentNanos,
                    p.ackedNanos == 0 ? System.nanoTime() : p.ackedNanos,
                    System.nanoTime(),
                    System.currentTimeMillis()));
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      replyFailure = e;
      LOG.error("front door reply consumer failed; the front door answers 503 from now on", e);
    } finally {
      positioned.countDown();
    }
  }

  @Override
  public void close() {
    running = false;
    replies.wakeup();
    try {
      replyThread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    replies.close();
    producer.close(Duration.ofSeconds(5));
    clientMetrics.forEach(KafkaClientMetrics::close);
    pending
        .values()
        .forEach(
            p ->
                p.future.completeExceptionally(
                    new IllegalStateException("the front door is closing")));
    pending.clear();
  }
}
