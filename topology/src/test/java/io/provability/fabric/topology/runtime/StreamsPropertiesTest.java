package io.provability.fabric.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** What `fabric run` hands Kafka Streams, from a file, the environment and overrides. */
class StreamsPropertiesTest {
  private static final StackEndpoints EP =
      new StackEndpoints(
          "127.0.0.1:9092",
          "jdbc:postgresql://h/db",
          "u",
          "p",
          "",
          "http://s3",
          "us-east-1",
          "a",
          "s");

  @Test
  void exactlyOnceV2AndStandbyReplicasComeFromTheConfigurationAndTheEnvironmentWins() {
    FabricConfig cfg =
        FabricConfig.load(
            null,
            Map.of("FABRIC_STREAMS_NUM_STANDBY_REPLICAS", "2"),
            Map.of(FabricConfig.STREAM_THREADS_CONFIG, "3"));
    Properties p = FabricRuntime.streamsProperties(cfg, EP);
    assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
    assertThat(p.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(2);
    assertThat(p.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG)).isEqualTo(3);
    // and Kafka Streams accepts them as they are
    assertThat(new StreamsConfig(p).getInt(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(2);
  }

  @Test
  void aBadValueNamesItsKey() {
    assertThatThrownBy(() -> FabricConfig.load(null, Map.of("FABRIC_HTTP_PORT", "70000"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.port");
    assertThatThrownBy(
            () -> FabricConfig.defaults(Map.of(FabricConfig.STANDBY_REPLICAS_CONFIG, "-1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("streams.num.standby.replicas");
  }
}
