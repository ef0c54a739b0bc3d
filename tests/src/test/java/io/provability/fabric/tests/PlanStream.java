package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.tools.internal.demo.KafkaTraffic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Plans flowing to a requests topic from a thread of their own until stopped: plan {@code i} comes
 * from {@code plans}, keyed by its session and timestamped with its request time; a flush every 20
 * plans waits for the broker, which paces the traffic (no sleeping).
 */
final class PlanStream implements AutoCloseable {
  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final LongFunction<PlanRequest> plans;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicLong sent = new AtomicLong();
  private final Thread thread;

  /**
   * A stream to {@code topic} of the broker at {@code bootstrap}, on a thread named {@code name}.
   */
  PlanStream(String bootstrap, String topic, LongFunction<PlanRequest> plans, String name) {
    this.producer = KafkaTraffic.producer(bootstrap);
    this.topic = topic;
    this.plans = plans;
    this.thread = new Thread(this::run, name);
  }

  /** Starts sending. */
  void start() {
    thread.start();
  }

  /** The plans sent so far. */
  long sent() {
    return sent.get();
  }

  /** {@link #halt}, then asserts that no send failed. */
  void stop() {
    halt();
    assertThat(failure.get()).isNull();
  }

  /** {@link #halt}, then closes the producer. */
  @Override
  public void close() {
    halt();
    producer.close();
  }

  /** Stops sending and waits for the thread, at most 30 s. */
  void halt() {
    running.set(false);
    try {
      thread.join(Duration.ofSeconds(30).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    EventCodec codec = EventCodec.standard();
    try {
      for (long i = 0; running.get(); i++) {
        PlanRequest p = plans.apply(i);
        producer.send(
            new ProducerRecord<>(
                topic,
                null,
                p.getRequestedAt().toEpochMilli(),
                p.getSessionId().getBytes(StandardCharsets.UTF_8),
                codec.encode(p)));
        sent.incrementAndGet();
        if (i % 20 == 19) {
          producer.flush();
        }
      }
      producer.flush();
    } catch (RuntimeException e) {
      failure.set(e);
    }
  }
}
