package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provability.fabric.tools.cli.FabricCli;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.ops.TopicDeclarations;
import io.provability.fabric.topology.runtime.TopicSetup;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code fabric topics apply} against a real broker: creates the declared topics, then, after an
 * operator changed two of them by hand, reports exactly those changes as drift and changes nothing.
 */
class TopicsApplyIT {
  @Test
  void createsWhatIsMissingThenReportsDriftWithoutTouchingData() throws Exception {
    String ns = ItFixtures.namespace("topics");
    StackEndpoints ep = TestEnvironment.endpoints();
    Map<String, String> names = ItFixtures.topicNames(ns);
    FabricConfig cfg = FabricConfig.defaults(names);
    List<TopicDeclarations.Topic> declared = TopicDeclarations.of(cfg);

    Run first = apply(ep, names, false);
    assertThat(first.code).isZero();
    assertThat(first.out).contains(declared.size() + " created, 0 as declared, 0 drifted");

    try (Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()));
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
      assertThat(
              admin
                  .describeTopics(List.of(cfg.topicRequests()))
                  .allTopicNames()
                  .get()
                  .get(cfg.topicRequests())
                  .partitions())
          .hasSize(6);
      producer
          .send(
              new ProducerRecord<>(
                  cfg.topicRequests(), 0, null, "kept".getBytes(StandardCharsets.UTF_8)))
          .get();
      // an operator's hand edits: a shorter retention on decisions, more partitions on evidence
      ConfigResource decisions =
          new ConfigResource(ConfigResource.Type.TOPIC, cfg.topicDecisions());
      admin
          .incrementalAlterConfigs(
              Map.of(
                  decisions,
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET))))
          .all()
          .get();
      admin.createPartitions(Map.of(cfg.topicEvidence(), NewPartitions.increaseTo(8))).all().get();
      // both calls return once the controller committed; the broker applies the metadata a moment
      // later
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  admin
                              .describeTopics(List.of(cfg.topicEvidence()))
                              .allTopicNames()
                              .get()
                              .get(cfg.topicEvidence())
                              .partitions()
                              .size()
                          == 8
                      && "3600000".equals(retentionMs(admin, decisions)));

      Run second = apply(ep, names, true);
      System.out.println(second.out);
      assertThat(second.code).as("--fail-on-drift exit code").isEqualTo(3);
      assertThat(second.out)
          .containsPattern(
              cfg.topicDecisions().replace(".", "\\.")
                  + " +DRIFT +retention\\.ms is 3600000, declared 604800000")
          .containsPattern(
              cfg.topicEvidence().replace(".", "\\.") + " +DRIFT +partitions is 8, declared 1")
          .contains("0 created, " + (declared.size() - 2) + " as declared, 2 drifted");

      // nothing was changed back, nothing was lost
      assertThat(retentionMs(admin, decisions)).isEqualTo("3600000");
      TopicPartition p0 = new TopicPartition(cfg.topicRequests(), 0);
      assertThat(admin.listOffsets(Map.of(p0, OffsetSpec.latest())).all().get().get(p0).offset())
          .isEqualTo(1L);
      // the runtime's own start-up check reads the same declarations: nothing more to create
      assertThat(TopicSetup.ensure(admin, cfg)).isEmpty();
    }
  }

  private record Run(int code, String out) {}

  private static Run apply(StackEndpoints ep, Map<String, String> names, boolean failOnDrift) {
    List<String> args =
        new ArrayList<>(List.of("topics", "apply", "--bootstrap-servers", ep.bootstrapServers()));
    names.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    if (failOnDrift) {
      args.add("--fail-on-drift");
    }
    StringWriter out = new StringWriter();
    int code =
        new CommandLine(new FabricCli())
            .setOut(new PrintWriter(out))
            .execute(args.toArray(String[]::new));
    return new Run(code, out.toString());
  }

  /** The {@code retention.ms} setting of {@code topic} on the broker. */
  private static String retentionMs(Admin admin, ConfigResource topic) throws Exception {
    return admin.describeConfigs(List.of(topic)).all().get().get(topic).get("retention.ms").value();
  }
}
