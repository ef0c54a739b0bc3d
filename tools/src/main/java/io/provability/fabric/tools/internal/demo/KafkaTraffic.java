package io.provability.fabric.tools.internal.demo;

import io.provability.fabric.events.CapabilityRevocation;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.processors.stream.PolicyStateKeys;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventSerde;
import io.provability.fabric.topology.config.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Produces requests and policy records, and reads decisions back: what an event producer does. */
public final class KafkaTraffic {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaTraffic.class);
  private static final int PUBLISH_ATTEMPTS = 3;

  private KafkaTraffic() {}

  /** A producer with the settings an event producer should use: idempotent, acks=all. */
  public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(
        KafkaClients.forBootstrap(bootstrap).batchingProducer(5),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  /**
   * Publishes revocations to the policy-state topic and waits until the broker has them. A
   * revocation is a keyed record on a compacted topic, so sending it twice is harmless: a publish
   * that times out is retried (at most {@value #PUBLISH_ATTEMPTS} attempts) with a new producer,
   * which starts from fresh metadata and a fresh producer id. One CI run saw a producer created
   * right after the topic expire every batch unsent for its whole delivery timeout.
   */
  public static void publishRevocations(
      String bootstrap, String topic, Map<String, CapabilityRevocation> revocations)
      throws InterruptedException, ExecutionException {
    for (int attempt = 1; ; attempt++) {
      try {
        publishOnce(bootstrap, topic, revocations);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException) || attempt >= PUBLISH_ATTEMPTS) {
          throw e;
        }
        LOG.warn(
            "publishing {} revocations to {} failed on attempt {} of {} ({}); retrying with a new producer",
            revocations.size(),
            topic,
            attempt,
            PUBLISH_ATTEMPTS,
            e.getCause().toString());
      }
    }
  }

  private static void publishOnce(
      String bootstrap, String topic, Map<String, CapabilityRevocation> revocations)
      throws InterruptedException, ExecutionException {
    Properties settings = KafkaClients.forBootstrap(bootstrap).producer();
    settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 40_000);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (CapabilityRevocation r : revocations.values()) {
        sent.add(
            producer.send(
                new ProducerRecord<>(
                    topic,
                    PolicyStateKeys.revocation(r.getTokenId()),
                    EventCodec.standard().encode(r))));
      }
      for (Future<RecordMetadata> f : sent) {
        f.get();
      }
    }
  }

  /**
   * Produces every request (key = session id, timestamp = requested_at) and waits until all are
   * acknowledged. {@code progress} receives the count sent so far, now and then.
   */
  public static void produce(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      List<PlanRequest> requests,
      IntConsumer progress)
      throws InterruptedException, ExecutionException {
    EventCodec codec = EventCodec.standard();
    List<Future<RecordMetadata>> pending = new ArrayList<>(requests.size());
    for (int i = 0; i < requests.size(); i++) {
      PlanRequest r = requests.get(i);
      pending.add(
          producer.send(
              new ProducerRecord<>(
                  topic,
                  null,
                  r.getRequestedAt().toEpochMilli(),
                  r.getSessionId().getBytes(StandardCharsets.UTF_8),
                  codec.encode(r))));
      if (i % 1000 == 999) {
        progress.accept(i + 1);
      }
    }
    producer.flush();
    for (Future<RecordMetadata> f : pending) {
      f.get();
    }
    progress.accept(requests.size());
  }

  /** Reads committed decisions from the start of the decisions topic. Not thread-safe. */
  public static final class DecisionReader implements AutoCloseable {
    private final KafkaConsumer<String, Decision> consumer;
    private final Map<String, Decision> byRequestId = new HashMap<>();
    private long records;

    public DecisionReader(String bootstrap, String topic) {
      Properties p = KafkaClients.forBootstrap(bootstrap).committedReader();
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      consumer =
          new KafkaConsumer<>(
              p, new StringDeserializer(), EventSerde.of(Decision.class).deserializer());
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic)) {
        parts.add(new TopicPartition(topic, info.partition()));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
    }

    /** Polls once; returns how many decision records arrived. */
    public int poll(Duration timeout) {
      int n = 0;
      for (ConsumerRecord<String, Decision> rec : consumer.poll(timeout)) {
        byRequestId.putIfAbsent(rec.value().getRequestId(), rec.value());
        n++;
      }
      records += n;
      return n;
    }

    /** Decisions by request id (the first seen for each). */
    public Map<String, Decision> decisions() {
      return byRequestId;
    }

    /** Decision records read, duplicates included. */
    public long records() {
      return records;
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
