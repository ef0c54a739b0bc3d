package io.provability.fabric.topology.runtime;

import io.provability.fabric.connectors.runtime.EmbeddedConnect;
import io.provability.fabric.topology.config.FabricConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/** Creates the application's topics if they are missing; never alters or deletes existing ones. */
public final class TopicSetup {
  private TopicSetup() {}

  /** The topics this application needs, with their settings. */
  public static List<NewTopic> topics(FabricConfig cfg) {
    int partitions = cfg.getInt(FabricConfig.TOPIC_PARTITIONS_CONFIG);
    short rf = cfg.getShort(FabricConfig.TOPIC_REPLICATION_CONFIG);
    String week = String.valueOf(7L * 24 * 3600 * 1000);
    String month = String.valueOf(30L * 24 * 3600 * 1000);
    List<NewTopic> out = new ArrayList<>();
    out.add(new NewTopic(cfg.topicRequests(), partitions, rf).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, week)));
    out.add(new NewTopic(cfg.topicDecisions(), partitions, rf).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, week)));
    out.add(new NewTopic(cfg.topicEvidence(), partitions, rf).configs(Map.of(
        TopicConfig.RETENTION_MS_CONFIG, week, TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024))));
    out.add(new NewTopic(cfg.topicDeadLetter(), partitions, rf).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, month)));
    for (String sinkDlq : List.of(EmbeddedConnect.deadLetterTopic(cfg.topicDecisions()),
        EmbeddedConnect.deadLetterTopic(cfg.topicEvidence()))) {
      out.add(new NewTopic(sinkDlq, 1, rf).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, month)));
    }
    out.add(new NewTopic(cfg.topicPolicyState(), 1, rf).configs(Map.of(
        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
    return out;
  }

  /** Creates whichever of {@link #topics} do not exist yet. Returns the names created. */
  public static List<String> ensure(Admin admin, FabricConfig cfg) throws ExecutionException, InterruptedException {
    Set<String> existing = admin.listTopics().names().get();
    List<NewTopic> missing = topics(cfg).stream().filter(t -> !existing.contains(t.name())).toList();
    if (!missing.isEmpty()) {
      admin.createTopics(missing).all().get();
      awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
    }
    return missing.stream().map(NewTopic::name).toList();
  }

  /**
   * Waits (at most 30 s) until every partition of {@code names} has a leader: createTopics returns
   * before that, and a producer writing at once can be stuck on stale metadata.
   */
  private static void awaitLeaders(Admin admin, List<String> names) throws ExecutionException, InterruptedException {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    while (true) {
      boolean ready;
      try {
        ready = admin.describeTopics(names).allTopicNames().get().values().stream()
            .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
          throw e;
        }
        ready = false;
      }
      if (ready) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new ExecutionException(new IllegalStateException("topics " + names + " have no leader after 30 s"));
      }
      Thread.sleep(100);
    }
  }
}
