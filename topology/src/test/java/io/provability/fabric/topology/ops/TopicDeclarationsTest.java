package io.provability.fabric.topology.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.topology.config.FabricConfig;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class TopicDeclarationsTest {
  private static final FabricConfig CFG =
      FabricConfig.defaults(
          Map.of(
              FabricConfig.TOPIC_REQUESTS_CONFIG,
              "ns.requests",
              FabricConfig.TOPIC_REPLICATION_CONFIG,
              "3"));

  @Test
  void theBundledInfraFileDeclaresEveryRoleUnderTheConfiguredNames() {
    List<TopicDeclarations.Topic> topics = TopicDeclarations.of(CFG);
    assertThat(topics)
        .extracting(TopicDeclarations.Topic::role)
        .containsExactlyElementsOf(TopicDeclarations.ROLES);
    TopicDeclarations.Topic requests = topics.get(0);
    assertThat(requests.name()).isEqualTo("ns.requests");
    assertThat(requests.partitions()).isEqualTo(6);
    // replication is left to topics.replication.factor by the shipped file
    assertThat(requests.replicationFactor()).isEqualTo((short) 3);
    assertThat(requests.configs()).containsEntry("retention.ms", "604800000");
    TopicDeclarations.Topic policy =
        topics.stream().filter(t -> t.role().equals("policy-state")).findFirst().orElseThrow();
    assertThat(policy.partitions()).isEqualTo(1);
    assertThat(policy.configs()).containsEntry("cleanup.policy", "compact");
    assertThat(topics)
        .filteredOn(t -> t.role().equals("decisions-sink-dlq"))
        .singleElement()
        .extracting(TopicDeclarations.Topic::name)
        .isEqualTo("fabric.decisions.sink-dlq");
  }

  @Test
  void mistakesNameTheirKey() {
    assertThatThrownBy(() -> TopicDeclarations.parse(props("requestz.partitions", "3"), "f", CFG))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("requestz.partitions");
    assertThatThrownBy(() -> TopicDeclarations.parse(props("requests.partitions", "six"), "f", CFG))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("requests.partitions=six is not a whole number");
    assertThatThrownBy(
            () -> TopicDeclarations.parse(props("requests.config.retention.mss", "1"), "f", CFG))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'retention.mss' is not a Kafka topic config");
    assertThatThrownBy(() -> TopicDeclarations.parse(props("requests.partitions", "1"), "f", CFG))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("topic role 'decisions' is not declared");
  }

  private static Properties props(String key, String value) {
    Properties p = new Properties();
    p.put(key, value);
    return p;
  }
}
