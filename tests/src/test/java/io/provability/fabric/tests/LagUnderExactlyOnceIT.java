package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.metrics.ConsumerLag;
import io.provability.fabric.topology.metrics.ConsumerLagMonitor;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Consumer lag on a topic written with transactions, against the embedded broker: every committed
 * transaction leaves a marker that takes an offset but is no record. A group that has read every
 * record lags by 0 (not by the markers), in records and in seconds, on the meters and in the sample
 * that {@code /lag} and {@code fabric lag} show.
 */
class LagUnderExactlyOnceIT {
  @Test
  void transactionMarkersAreNotLag() throws Exception {
    StackEndpoints ep = TestEnvironment.endpoints();
    String ns = "eoslag" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffL);
    String topic = ns + ".decisions";
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    TopicPartition tp = new TopicPartition(topic, 0);
    // three transactions of one record each: records at offsets 0, 2, 4; markers at 1, 3, 5; end 6
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, ns + "-tx");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      for (int i = 0; i < 3; i++) {
        producer.beginTransaction();
        producer
            .send(new ProducerRecord<>(topic, 0, null, ("d" + i).getBytes(StandardCharsets.UTF_8)))
            .get();
        producer.commitTransaction();
      }
    }
    // a reader that read all three records commits the offset after the last one (4 + 1 = 5), as
    // Kafka
    // Streams and Connect do: only the marker at 5 lies beyond it
    commit(ep, ns + "-caught-up", tp, 5);
    // a reader that has read nothing
    commit(ep, ns + "-behind", tp, 0);
    // a reader whose commit points at a marker (after record 0): the next record is at 2
    commit(ep, ns + "-between", tp, 1);

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (ConsumerLagMonitor monitor =
        new ConsumerLagMonitor(
            ep.bootstrapServers(), List.of(topic), Clock.systemUTC(), ns, "test-cluster")) {
      monitor.start(
          registry, Duration.ofMillis(500)); // registers the meters and samples from now on
      ConsumerLag lag = null;
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      // a probe starved of CPU on a busy machine reports an unknown age; the next sample will not
      do {
        lag = monitor.sample();
      } while (lag.partitions().stream().anyMatch(r -> Double.isNaN(r.lagSeconds()))
          && System.nanoTime() < deadline);
      ConsumerLag.Row caughtUp = row(lag, ns + "-caught-up");
      assertThat(caughtUp.end()).as("last stable offset: 3 records and 3 markers").isEqualTo(6);
      assertThat(caughtUp.lag()).as("only a marker lies ahead: no lag").isZero();
      assertThat(caughtUp.lagSeconds()).isZero();
      // counted from the first record on: the markers after it are included (an upper bound, at
      // most one
      // marker per transaction), the ones before it are not
      assertThat(row(lag, ns + "-behind").lag()).isEqualTo(6);
      assertThat(row(lag, ns + "-between").lag()).isEqualTo(4);
      assertThat(row(lag, ns + "-behind").lagSeconds()).isPositive();

      // the meters, under Kafka Lag Exporter's names, as the scheduled samples publish them (a
      // sample whose
      // probe ran out of time on a busy machine publishes NaN ages; a later one will not)
      String caughtUpLag =
          "kafka_consumergroup_group_max_lag_seconds{cluster_name=\"test-cluster\",group=\""
              + ns
              + "-caught-up\"} 0.0";
      Awaitility.await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> registry.scrape().contains(caughtUpLag));
      String text = registry.scrape();
      assertThat(text)
          .contains(
              "kafka_consumergroup_group_lag{cluster_name=\"test-cluster\",group=\""
                  + ns
                  + "-caught-up\",partition=\"0\",topic=\""
                  + topic
                  + "\"} 0.0")
          .contains(
              "kafka_consumergroup_group_sum_lag{cluster_name=\"test-cluster\",group=\""
                  + ns
                  + "-caught-up\"} 0.0")
          .contains(
              "kafka_consumergroup_group_offset{cluster_name=\"test-cluster\",group=\""
                  + ns
                  + "-caught-up\",partition=\"0\",topic=\""
                  + topic
                  + "\"} 5.0")
          .contains(
              "kafka_partition_latest_offset{cluster_name=\"test-cluster\",partition=\"0\",topic=\""
                  + topic
                  + "\"} 6.0")
          .contains(
              "kafka_consumergroup_group_max_lag_seconds{cluster_name=\"test-cluster\",group=\""
                  + ns
                  + "-caught-up\"} 0.0")
          .containsPattern("fabric_lag_monitor_last_success_timestamp_seconds [1-9]");
    }
  }

  private static ConsumerLag.Row row(ConsumerLag lag, String group) {
    return lag.partitions().stream()
        .filter(r -> r.group().equals(group))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row for " + group + " in " + lag));
  }

  private static void commit(StackEndpoints ep, String group, TopicPartition tp, long offset) {
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ep.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                group),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      c.commitSync(Map.of(tp, new OffsetAndMetadata(offset)));
    }
  }
}
