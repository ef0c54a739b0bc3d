package io.provability.fabric.topology.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Brings a cluster to the declared topics without destroying data: creates missing topics (and
 * waits until they have leaders), and compares existing ones with their declaration. Drift is
 * reported, never repaired here: fewer partitions than declared would change which partition a
 * session key lands on, more cannot be undone, a different replication factor needs a reassignment
 * plan, and a config an operator changed on purpose must not be overwritten silently.
 */
public final class TopicApply {
  private TopicApply() {}

  /** One difference between a declared topic and the cluster. */
  public record Drift(String topic, String what, String declared, String actual) {
    @Override
    public String toString() {
      return topic + ": " + what + " is " + actual + ", declared " + declared;
    }
  }

  /** What {@link #apply} did and found. */
  public record Report(List<String> created, List<String> unchanged, List<Drift> drift) {
    public boolean hasDrift() {
      return !drift.isEmpty();
    }
  }

  /** Creates the missing topics of {@code declared}, then compares every existing one. */
  public static Report apply(Admin admin, List<TopicDeclarations.Topic> declared)
      throws ExecutionException, InterruptedException {
    Set<String> existing = admin.listTopics().names().get();
    List<TopicDeclarations.Topic> missing =
        declared.stream().filter(t -> !existing.contains(t.name())).toList();
    List<String> created = new ArrayList<>();
    if (!missing.isEmpty()) {
      try {
        admin
            .createTopics(missing.stream().map(TopicDeclarations.Topic::newTopic).toList())
            .all()
            .get();
      } catch (ExecutionException e) {
        // another instance created one at the same moment: fine, it is compared below like any
        // other
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
      missing.forEach(t -> created.add(t.name()));
      awaitLeaders(admin, created);
    }
    List<TopicDeclarations.Topic> present =
        declared.stream().filter(t -> existing.contains(t.name())).toList();
    List<Drift> drift = new ArrayList<>();
    List<String> unchanged = new ArrayList<>();
    if (!present.isEmpty()) {
      Map<String, TopicDescription> descriptions =
          admin
              .describeTopics(present.stream().map(TopicDeclarations.Topic::name).toList())
              .allTopicNames()
              .get();
      Map<ConfigResource, Config> configs =
          admin
              .describeConfigs(
                  present.stream()
                      .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name()))
                      .toList())
              .all()
              .get();
      for (TopicDeclarations.Topic t : present) {
        List<Drift> found =
            compare(
                t,
                descriptions.get(t.name()),
                configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name())));
        if (found.isEmpty()) {
          unchanged.add(t.name());
        }
        drift.addAll(found);
      }
    }
    return new Report(List.copyOf(created), List.copyOf(unchanged), List.copyOf(drift));
  }

  static List<Drift> compare(
      TopicDeclarations.Topic declared, TopicDescription actual, Config config) {
    List<Drift> out = new ArrayList<>();
    int partitions = actual.partitions().size();
    if (partitions != declared.partitions()) {
      out.add(
          new Drift(
              declared.name(),
              "partitions",
              String.valueOf(declared.partitions()),
              String.valueOf(partitions)));
    }
    int replicas = actual.partitions().stream().mapToInt(p -> p.replicas().size()).min().orElse(0);
    if (replicas != declared.replicationFactor()) {
      out.add(
          new Drift(
              declared.name(),
              "replication.factor",
              String.valueOf(declared.replicationFactor()),
              String.valueOf(replicas)));
    }
    Map<String, String> values = new HashMap<>();
    for (ConfigEntry e : config.entries()) {
      values.put(e.name(), e.value());
    }
    declared
        .configs()
        .forEach(
            (name, want) -> {
              String have = values.get(name);
              if (!want.equals(have)) {
                out.add(new Drift(declared.name(), name, want, String.valueOf(have)));
              }
            });
    return out;
  }

  /**
   * Waits (at most 30 s) until every partition of {@code names} has a leader: createTopics returns
   * before that, and a producer writing at once can be stuck on stale metadata.
   */
  public static void awaitLeaders(Admin admin, List<String> names)
      throws ExecutionException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      boolean ready;
      try {
        ready =
            admin.describeTopics(names).allTopicNames().get().values().stream()
                .allMatch(
                    d ->
                        d.partitions().stream()
                            .allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
        ready = false;
      }
      if (ready) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new ExecutionException(
            new IllegalStateException("topics " + names + " have no leader after 30 s"));
      }
      // metadata propagation has no event to wait on through the admin client: poll it
      Thread.sleep(100);
    }
  }
}
