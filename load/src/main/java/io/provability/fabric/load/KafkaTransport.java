package io.provability.fabric.load;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.Reason;
import io.provability.fabric.schemas.serde.EventSerde;
import io.provability.fabric.topology.config.KafkaClients;
import io.provability.fabric.topology.traffic.LoadTraffic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Kafka-native transport: what an event producer does. Requests go to the requests topic (key =
 * session id, idempotent producer, acks=all); decisions are read from the decisions topic with
 * {@code read_committed}, so only decisions of committed exactly-once transactions count — a
 * decision of an aborted transaction (an instance killed mid-commit) is never seen.
 *
 * <p>The consumer is assigned every partition and starts at the end of the topic as it is when
 * {@link #start} runs, so a shared topic's history is skipped.
 */
public final class KafkaTransport implements Transport {
  private final String requestsTopic;
  private final String decisionsTopic;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<String, Decision> consumer;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicReference<Throwable> readerFailure = new AtomicReference<>();
  private final CountDownLatch readerStopped = new CountDownLatch(1);
  private volatile Listener listener;
  private Thread reader;

  /**
   * @param lingerMs the producer's linger: a few milliseconds batch sends at high rates at the cost
   *     of as much latency, which the measurement includes
   */
  public KafkaTransport(
      String bootstrap, String requestsTopic, String decisionsTopic, int lingerMs) {
    this.requestsTopic = requestsTopic;
    this.decisionsTopic = decisionsTopic;
    KafkaClients clients = KafkaClients.forBootstrap(bootstrap);
    Properties p = clients.batchingProducer("load-producer", lingerMs);
    // a stalled broker must surface as send errors within the run, not after it
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    Properties c = clients.committedReader("load-decisions");
    c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    consumer =
        new KafkaConsumer<>(
            c, new StringDeserializer(), EventSerde.of(Decision.class).deserializer());
  }

  @Override
  public void start(Listener newListener) {
    this.listener = newListener;
    if (!running.compareAndSet(false, true)) {
      return;
    }
    List<TopicPartition> parts = new ArrayList<>();
    for (PartitionInfo info : consumer.partitionsFor(decisionsTopic)) {
      parts.add(new TopicPartition(decisionsTopic, info.partition()));
    }
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    for (TopicPartition tp : parts) {
      consumer.position(tp); // resolve the end now, before the first request is sent
    }
    reader = new Thread(this::readLoop, "fabric-load-decisions");
    reader.setDaemon(true);
    reader.start();
  }

  /** Replaces the listener (the ceiling's steps share one transport). */
  public void listener(Listener newListener) {
    this.listener = newListener;
  }

  private void readLoop() {
    try {
      while (running.get()) {
        var records = consumer.poll(Duration.ofMillis(100));
        long arrived = System.nanoTime();
        Listener l = listener;
        for (ConsumerRecord<String, Decision> rec : records) {
          Decision d = rec.value();
          List<String> codes = new ArrayList<>(d.getReasons().size());
          for (Reason r : d.getReasons()) {
            codes.add(r.getCode());
          }
          l.decided(
              d.getRequestId(), d.getVerdict(), codes, d.getDecidedAt().toEpochMilli(), arrived);
        }
      }
    } catch (WakeupException e) {
      // close() woke us up
    } catch (RuntimeException e) {
      readerFailure.set(e);
    } finally {
      readerStopped.countDown();
    }
  }

  /** Why the decision reader stopped early, if it did. */
  public Throwable readerFailure() {
    return readerFailure.get();
  }

  @Override
  public void send(LoadTraffic.LoadRequest r) {
    try {
      producer.send(
          new ProducerRecord<>(
              requestsTopic, null, r.sessionId().getBytes(StandardCharsets.UTF_8), r.bytes()),
          (meta, e) -> {
            if (e != null) {
              listener.sendFailed(r, e);
            }
          });
    } catch (RuntimeException e) {
      listener.sendFailed(r, e);
    }
  }

  @Override
  public void flush() {
    // nothing: linger bounds how long a record waits, and flush() would block the open-loop sender
  }

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public void close() {
    running.set(false);
    producer.close(Duration.ofSeconds(10));
    if (reader != null) {
      consumer.wakeup();
      try {
        readerStopped.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    consumer.close();
  }
}
