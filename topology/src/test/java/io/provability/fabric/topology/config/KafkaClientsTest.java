package io.provability.fabric.topology.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The rules every Kafka client of the product follows, said once in {@link KafkaClients}. */
class KafkaClientsTest {
  private static final FabricConfig CFG =
      FabricConfig.defaults(
          Map.of(
              FabricConfig.APPLICATION_ID_CONFIG, "app",
              FabricConfig.INSTANCE_ID_CONFIG, "node-1"));

  @Test
  void anInstancesClientsUseItsBootstrapAndAreNamedAfterTheInstance() {
    KafkaClients clients = KafkaClients.of(CFG, "127.0.0.1:9092");
    assertThat(clients.bootstrapServers()).isEqualTo("127.0.0.1:9092");
    assertThat(clients.clientId("lag-probe")).isEqualTo("app-node-1-lag-probe");
    Properties admin = clients.admin("lag-monitor");
    assertThat(admin.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)).isEqualTo("127.0.0.1:9092");
    assertThat(admin.get(CommonClientConfigs.CLIENT_ID_CONFIG)).isEqualTo("app-node-1-lag-monitor");
  }

  @Test
  void clientsFromABootstrapStringAreNamedFabricOrAfterTheGivenPrefix() {
    assertThat(KafkaClients.forBootstrap("b:1").clientId("replay")).isEqualTo("fabric-replay");
    assertThat(
            KafkaClients.forBootstrap("b:1", "p")
                .committedReader("x")
                .get(CommonClientConfigs.CLIENT_ID_CONFIG))
        .isEqualTo("p-x");
  }

  @Test
  void withoutAPurposeNoClientIdIsSetAndKafkaNamesTheClient() {
    KafkaClients clients = KafkaClients.forBootstrap("b:1");
    assertThat(clients.admin()).doesNotContainKey(CommonClientConfigs.CLIENT_ID_CONFIG);
    assertThat(clients.committedReader()).doesNotContainKey(CommonClientConfigs.CLIENT_ID_CONFIG);
    assertThat(clients.producer()).doesNotContainKey(CommonClientConfigs.CLIENT_ID_CONFIG);
    assertThat(clients.admin()).containsOnlyKeys(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
  }

  @Test
  void committedReadersReadCommittedAndCommitNothing() {
    Properties c = KafkaClients.of(CFG, "127.0.0.1:9092").committedReader("decisions");
    assertThat(c.get(ConsumerConfig.ISOLATION_LEVEL_CONFIG)).isEqualTo("read_committed");
    assertThat(c.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG)).isEqualTo(false);
    assertThat(c.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)).isEqualTo("127.0.0.1:9092");
    assertThat(c.get(ConsumerConfig.CLIENT_ID_CONFIG)).isEqualTo("app-node-1-decisions");
  }

  @Test
  void uncommittedReadersSayReadUncommittedOutLoud() {
    Properties c = KafkaClients.forBootstrap("b:1").uncommittedReader("load-writes");
    assertThat(c.get(ConsumerConfig.ISOLATION_LEVEL_CONFIG)).isEqualTo("read_uncommitted");
    assertThat(c.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG)).isEqualTo(false);
    assertThat(c.get(ConsumerConfig.CLIENT_ID_CONFIG)).isEqualTo("fabric-load-writes");
  }

  @Test
  void producersAreAcksAllAndIdempotentAndBatchingOnesLingerAndCompress() {
    Properties p = KafkaClients.forBootstrap("b:1").batchingProducer("load-producer", 7);
    assertThat(p.get(ProducerConfig.ACKS_CONFIG)).isEqualTo("all");
    assertThat(p.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)).isEqualTo(true);
    assertThat(p.get(ProducerConfig.LINGER_MS_CONFIG)).isEqualTo(7);
    assertThat(p.get(ProducerConfig.COMPRESSION_TYPE_CONFIG)).isEqualTo("lz4");
    assertThat(p.get(ProducerConfig.CLIENT_ID_CONFIG)).isEqualTo("fabric-load-producer");
  }

  @Test
  void probeAdminsGiveUpWithinTheirTimeout() {
    Properties a =
        KafkaClients.forBootstrap("b:1").probeAdmin("dependency-watch", Duration.ofSeconds(3));
    assertThat(a.get(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG)).isEqualTo(3_000);
    assertThat(a.get(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG)).isEqualTo(3_000);
    assertThat(a.get(AdminClientConfig.CLIENT_ID_CONFIG)).isEqualTo("fabric-dependency-watch");
  }

  @Test
  void eachCallReturnsItsOwnProperties() {
    KafkaClients clients = KafkaClients.forBootstrap("b:1");
    Properties first = clients.committedReader();
    first.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
    assertThat(clients.committedReader()).doesNotContainKey(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
  }

  @Test
  void kafkaAcceptsTheSettingsAsTheyAre() {
    KafkaClients clients = KafkaClients.forBootstrap("b:1");
    String bytesIn = ByteArrayDeserializer.class.getName();
    String bytesOut = ByteArraySerializer.class.getName();
    new AdminClientConfig(clients.probeAdmin("probe", Duration.ofSeconds(1)));
    new ConsumerConfig(withSerdes(clients.committedReader("c"), "de", bytesIn));
    new ConsumerConfig(withSerdes(clients.uncommittedReader("u"), "de", bytesIn));
    new ProducerConfig(withSerdes(clients.batchingProducer("p", 5), "", bytesOut));
  }

  /** {@code p} with the key and value (de)serializer classes Kafka's config classes require. */
  private static Properties withSerdes(Properties p, String prefix, String className) {
    Properties copy = new Properties();
    copy.putAll(p);
    copy.put("key." + prefix + "serializer", className);
    copy.put("value." + prefix + "serializer", className);
    return copy;
  }
}
