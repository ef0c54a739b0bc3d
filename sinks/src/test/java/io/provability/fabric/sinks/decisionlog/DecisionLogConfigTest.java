package io.provability.fabric.sinks.decisionlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

class DecisionLogConfigTest {

  @Test
  void defaultsFollowTheSeed() {
    DecisionLogConfig c = DecisionLogConfig.builder().jdbcUrl("jdbc:postgresql://h/db").build();
    assertThat(c.batching().batchSize()).isEqualTo(100);
    assertThat(c.partitions().retentionDays()).isEqualTo(7);
    assertThat(c.partitions().partitionsAhead()).isEqualTo(3);
    assertThat(c.pool().maxSize()).isEqualTo(10);
    assertThat(c.jdbc().schema()).isEqualTo("public");
    assertThat(c.batching().writeConcurrency()).isEqualTo(1);
  }

  @Test
  void invalidValuesAreRejectedWithTheSettingsName() {
    assertThatThrownBy(() -> DecisionLogConfig.builder().jdbcUrl("jdbc:mysql://h/db").build())
        .hasMessageContaining("jdbcUrl");
    assertThatThrownBy(
            () ->
                DecisionLogConfig.builder().jdbcUrl("jdbc:postgresql://h/db").batchSize(0).build())
        .hasMessageContaining("batchSize");
    assertThatThrownBy(
            () ->
                DecisionLogConfig.builder()
                    .jdbcUrl("jdbc:postgresql://h/db")
                    .retentionDays(0)
                    .build())
        .hasMessageContaining("retentionDays");
    assertThatThrownBy(
            () ->
                DecisionLogConfig.builder()
                    .jdbcUrl("jdbc:postgresql://h/db")
                    .schema("x; drop")
                    .build())
        .hasMessageContaining("schema");
    assertThatThrownBy(
            () ->
                DecisionLogConfig.builder()
                    .jdbcUrl("jdbc:postgresql://h/db")
                    .writeConcurrency(0)
                    .build())
        .hasMessageContaining("writeConcurrency");
    assertThatThrownBy(
            () ->
                DecisionLogConfig.builder()
                    .jdbcUrl("jdbc:postgresql://h/db")
                    .poolMaxSize(2)
                    .writeConcurrency(3)
                    .build())
        .hasMessageContaining("writeConcurrency (3)")
        .hasMessageContaining("poolMaxSize (2)");
  }

  @Test
  void thePasswordIsNeverPrinted() {
    DecisionLogConfig c =
        DecisionLogConfig.builder()
            .jdbcUrl("jdbc:postgresql://h/db")
            .user("u")
            .password("hunter2")
            .build();
    assertThat(c.toString()).doesNotContain("hunter2").contains("********");
    assertThat(
            DecisionLogConfig.redactUrl("jdbc:postgresql://h/db?user=u&password=hunter2&ssl=true"))
        .isEqualTo("jdbc:postgresql://h/db?user=u&password=********&ssl=true");
  }

  @Test
  void transientDatabaseFailuresAreRetriableAndDataErrorsAreNot() {
    assertThat(new DecisionLogException("x", new SQLException("gone", "08006")).retriable())
        .isTrue();
    assertThat(new DecisionLogException("x", new SQLException("deadlock", "40P01")).retriable())
        .isTrue();
    assertThat(new DecisionLogException("x", new SQLException("shutdown", "57P01")).retriable())
        .isTrue();
    assertThat(
            new DecisionLogException(
                    "x",
                    new SQLTransientConnectionException(
                        "fabric-decision-log - Connection is not available, request timed out after 30000ms"))
                .retriable())
        .isTrue();
    assertThat(new DecisionLogException("x", new SQLException("bad", "22P02")).retriable())
        .isFalse();
    assertThat(new DecisionLogException("x", new SQLException("check", "23514")).retriable())
        .isFalse();
  }
}
