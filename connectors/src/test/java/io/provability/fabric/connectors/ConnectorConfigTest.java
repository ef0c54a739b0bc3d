package io.provability.fabric.connectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.connectors.decisionlog.DecisionLogSinkConfig;
import io.provability.fabric.connectors.decisionlog.DecisionLogSinkConnector;
import io.provability.fabric.connectors.evidence.EvidenceSinkConfig;
import io.provability.fabric.connectors.evidence.EvidenceSinkConnector;
import io.provability.fabric.sinks.decisionlog.DecisionLogConfig;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.sink.SinkConnector;
import org.junit.jupiter.api.Test;

class ConnectorConfigTest {

  private static List<String> errors(Config config, String key) {
    return config.configValues().stream()
        .filter(v -> v.name().equals(key))
        .findFirst()
        .map(ConfigValue::errorMessages)
        .orElseThrow();
  }

  @Test
  void bothConnectorsAreFoundByServiceLoading() {
    assertThat(
            ServiceLoader.load(SinkConnector.class).stream().map(p -> p.type().getName()).toList())
        .contains(DecisionLogSinkConnector.class.getName(), EvidenceSinkConnector.class.getName());
  }

  @Test
  void decisionLogDefaultsKeepTheSeedBatchAndWriteByCopyTwoBatchesAtATime() {
    DecisionLogConfig c =
        new DecisionLogSinkConfig(Map.of("jdbc.url", "jdbc:postgresql://db/x")).decisionLog();
    assertThat(c.batching().batchSize()).isEqualTo(100);
    assertThat(c.batching().writeMode()).isEqualTo(DecisionLogConfig.WriteMode.COPY);
    assertThat(c.batching().writeConcurrency()).isEqualTo(2);
    assertThatThrownBy(
            () ->
                new DecisionLogSinkConfig(
                        Map.of(
                            "jdbc.url",
                            "jdbc:postgresql://db/x",
                            "pool.max.size",
                            "1",
                            "pool.min.idle",
                            "1"))
                    .decisionLog())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("write.concurrency")
        .hasMessageContaining("pool.max.size");
  }

  @Test
  void validationNamesTheOffendingKeys() {
    Config decision =
        new DecisionLogSinkConnector()
            .validate(
                Map.of(
                    "jdbc.url", "jdbc:mysql://db/x", "batch.size", "5000", "write.mode", "UPSERT"));
    assertThat(errors(decision, "jdbc.url"))
        .singleElement()
        .asString()
        .contains("jdbc.url")
        .contains("PostgreSQL JDBC URL");
    assertThat(errors(decision, "batch.size")).singleElement().asString().contains("batch.size");
    assertThat(errors(decision, "write.mode")).singleElement().asString().contains("write.mode");

    Config evidence =
        new EvidenceSinkConnector()
            .validate(
                Map.of(
                    "jdbc.url",
                    "jdbc:postgresql://db/x",
                    "s3.bucket",
                    "Bad_Bucket",
                    "s3.endpoint",
                    "ftp://x"));
    assertThat(errors(evidence, "s3.bucket")).singleElement().asString().contains("s3.bucket");
    assertThat(errors(evidence, "s3.endpoint")).singleElement().asString().contains("s3.endpoint");
  }

  @Test
  void crossFieldRulesNameTheKey() {
    assertThatThrownBy(
            () ->
                new EvidenceSinkConfig(
                        Map.of(
                            "jdbc.url",
                            "jdbc:postgresql://db/x",
                            "log.origin",
                            "o",
                            "log.signing.key.file",
                            "/k",
                            "s3.bucket",
                            "evidence",
                            "lifecycle.transition.days",
                            "90",
                            "lifecycle.expiration.days",
                            "30"))
                    .evidenceStore())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("lifecycle.expiration.days");
    assertThatThrownBy(
            () ->
                new EvidenceSinkConfig(
                        Map.of(
                            "jdbc.url",
                            "jdbc:postgresql://db/x",
                            "log.origin",
                            "o",
                            "log.signing.key.file",
                            "/k",
                            "s3.bucket",
                            "evidence",
                            "s3.access.key",
                            "AKIA"))
                    .evidenceStore())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("s3.secret.key");
    assertThatThrownBy(
            () ->
                new DecisionLogSinkConfig(
                        Map.of(
                            "jdbc.url",
                            "jdbc:postgresql://db/x",
                            "pool.max.size",
                            "2",
                            "pool.min.idle",
                            "3"))
                    .decisionLog())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pool.min.idle");
  }

  @Test
  void theSequencerNeedsALogNameAndASigningKey() {
    assertThatThrownBy(
            () ->
                new EvidenceSinkConfig(
                    Map.of(
                        "jdbc.url",
                        "jdbc:postgresql://db/x",
                        "s3.bucket",
                        "evidence",
                        "log.signing.key.file",
                        "/k")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("log.origin");
    assertThatThrownBy(
            () ->
                new EvidenceSinkConfig(
                    Map.of(
                        "jdbc.url",
                        "jdbc:postgresql://db/x",
                        "s3.bucket",
                        "evidence",
                        "log.origin",
                        "o")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("log.signing.key.file");
  }

  @Test
  void passwordsAreMaskedWhenTheConfigIsPrinted() {
    DecisionLogSinkConfig c =
        new DecisionLogSinkConfig(
            Map.of("jdbc.url", "jdbc:postgresql://db/x", "jdbc.password", "hunter2"));
    assertThat(c.values().get("jdbc.password").toString()).isEqualTo("[hidden]");
    assertThat(c.decisionLog().toString()).doesNotContain("hunter2");
    EvidenceSinkConfig e =
        new EvidenceSinkConfig(
            Map.of(
                "jdbc.url",
                "jdbc:postgresql://db/x",
                "log.origin",
                "o",
                "log.signing.key.file",
                "/k",
                "s3.bucket",
                "evidence",
                "s3.access.key",
                "AKIA",
                "s3.secret.key",
                "s3cr3t"));
    assertThat(e.evidenceStore().toString()).doesNotContain("s3cr3t");
  }
}
