package io.provability.fabric.tools.cli;

import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityRevocation;
import io.provability.fabric.events.PolicyVersion;
import io.provability.fabric.processors.stream.PolicyStateKeys;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.KafkaClients;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fabric policy}: change and read the policy state, the compacted topic every instance keeps
 * in a global store (revocations, grants, the policy version). Each change is one record under the
 * key the kernel reads ({@link PolicyStateKeys}); an instance applies it within milliseconds.
 */
@Command(
    name = "policy",
    description =
        "Revoke tokens, grant capabilities, set the policy version, show the policy "
            + "state (the compacted topic topic.policy.state).",
    subcommands = {
      PolicyCommand.Revoke.class,
      PolicyCommand.Grant.class,
      PolicyCommand.Version.class,
      PolicyCommand.Show.class
    })
final class PolicyCommand implements Runnable {
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Options every subcommand shares: where the cluster is. */
  static class Target {
    @Mixin ConfigOptions config;

    @Mixin ClusterOptions cluster;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /**
     * Writes one record under {@code key} and waits for the broker's acknowledgement (acks=all).
     */
    void publish(String key, SpecificRecord value) throws Exception {
      FabricConfig cfg = config.load(Map.of());
      String servers = cluster.reachableServers(cfg);
      Properties settings = KafkaClients.forBootstrap(servers).producer();
      settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
      settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis());
      settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) SEND_TIMEOUT.toMillis());
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer())) {
        var meta =
            producer
                .send(
                    new ProducerRecord<>(
                        cfg.topicPolicyState(), key, EventCodec.standard().encode(value)))
                .get(SEND_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
            "%s -> %s (partition %d, offset %d)%n",
            key, cfg.topicPolicyState(), meta.partition(), meta.offset());
        out.flush();
      }
    }
  }

  /** {@code fabric policy revoke}. */
  @Command(
      name = "revoke",
      description =
          "Revoke a capability token: every later request carrying it is denied "
              + "(TOKEN_REVOKED).")
  static final class Revoke extends Target implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TOKEN_ID", description = "The token's id (token_id).")
    String tokenId;

    @Option(names = "--tenant", required = true, description = "The token's tenant.")
    String tenant;

    @Option(
        names = "--reason",
        defaultValue = "",
        description = "Why, recorded with the revocation.")
    String reason;

    @Override
    public Integer call() throws Exception {
      publish(
          PolicyStateKeys.revocation(tokenId),
          CapabilityRevocation.newBuilder()
              .setTokenId(tokenId)
              .setTenant(tenant)
              .setRevokedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
              .setReason(reason)
              .build());
      return 0;
    }
  }

  /** {@code fabric policy grant}. */
  @Command(
      name = "grant",
      description =
          "Set the capabilities a subject of a tenant holds now. Grants narrow tokens: "
              + "while a grant exists, a token's capability counts only as far as the grant also holds it. Replaces the "
              + "subject's previous grant.")
  static final class Grant extends Target implements Callable<Integer> {
    @Option(names = "--tenant", required = true, description = "Tenant.")
    String tenant;

    @Option(names = "--subject", required = true, description = "Subject (agent) id.")
    String subject;

    @Option(
        names = "--cap",
        required = true,
        description =
            "Capability name:EFFECT:glob[,glob], repeatable " + "(as for 'fabric token issue').")
    List<String> capabilities = new ArrayList<>();

    @Option(
        names = "--policy-version",
        defaultValue = "0",
        description = "Policy version recorded with the grant " + "(default ${DEFAULT-VALUE}).")
    long policyVersion;

    @Override
    public Integer call() throws Exception {
      List<Capability> caps = new ArrayList<>();
      for (String c : capabilities) {
        try {
          caps.add(TokenCommand.Issue.parseCapability(c));
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--cap: " + e.getMessage());
        }
      }
      publish(
          PolicyStateKeys.grant(tenant, subject),
          CapabilityGrant.newBuilder()
              .setGrantId(UUID.randomUUID().toString())
              .setTenant(tenant)
              .setSubjectId(subject)
              .setCapabilities(caps)
              .setPolicyVersion(policyVersion)
              .setGrantedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
              .build());
      return 0;
    }
  }

  /** {@code fabric policy version}. */
  @Command(
      name = "version",
      description = "Set the policy version in force; a change drops every cached decision.")
  static final class Version extends Target implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "VERSION", description = "The new version number.")
    long version;

    @Option(
        names = "--hash",
        defaultValue = "",
        description = "Hash of the policy text, recorded with the version.")
    String hash;

    @Override
    public Integer call() throws Exception {
      publish(
          PolicyStateKeys.POLICY_VERSION,
          PolicyVersion.newBuilder()
              .setVersion(version)
              .setPolicyHash(hash)
              .setEffectiveAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
              .build());
      return 0;
    }
  }

  /** {@code fabric policy show}. */
  @Command(
      name = "show",
      description =
          "Read the policy-state topic to its end and print the state in force: the "
              + "policy version, every grant and every revocation.")
  static final class Show extends Target implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      FabricConfig cfg = config.load(Map.of());
      String servers = cluster.reachableServers(cfg);
      Map<String, byte[]> state = new TreeMap<>();
      try (KafkaConsumer<String, byte[]> consumer =
          new KafkaConsumer<>(
              KafkaClients.forBootstrap(servers).committedReader(),
              new StringDeserializer(),
              new ByteArrayDeserializer())) {
        List<TopicPartition> partitions =
            consumer.partitionsFor(cfg.topicPolicyState(), SEND_TIMEOUT).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        if (partitions.isEmpty()) {
          throw new UsageError(
              "topic "
                  + cfg.topicPolicyState()
                  + " does not exist on "
                  + servers
                  + " (topic.policy.state; 'fabric run' creates it)");
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, SEND_TIMEOUT);
        long deadline = System.nanoTime() + SEND_TIMEOUT.toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "could not read "
                    + cfg.topicPolicyState()
                    + " to its end within "
                    + SEND_TIMEOUT.toSeconds()
                    + " s");
          }
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            if (r.key() == null) {
              continue;
            }
            if (r.value() == null) {
              state.remove(r.key()); // a tombstone deletes, as in every instance's global store
            } else {
              state.put(r.key(), r.value());
            }
          }
        }
      }
      print(spec.commandLine().getOut(), state);
      return 0;
    }

    static void print(PrintWriter out, Map<String, byte[]> state) {
      EventCodec codec = EventCodec.standard();
      byte[] version = state.get(PolicyStateKeys.POLICY_VERSION);
      if (version == null) {
        out.println("policy version: none set");
      } else {
        PolicyVersion v = codec.decode(version, PolicyVersion.class);
        out.printf(
            "policy version: %d (hash '%s', effective %s)%n",
            v.getVersion(), v.getPolicyHash(), v.getEffectiveAt());
      }
      int grants = 0;
      int revocations = 0;
      for (Map.Entry<String, byte[]> e : state.entrySet()) {
        if (e.getKey().startsWith("grant:")) {
          CapabilityGrant g = codec.decode(e.getValue(), CapabilityGrant.class);
          out.printf(
              "grant       %s/%s: %s (policy version %d, %s)%n",
              g.getTenant(),
              g.getSubjectId(),
              g.getCapabilities().stream()
                  .map(
                      c ->
                          c.getName()
                              + ":"
                              + c.getEffect()
                              + ":"
                              + String.join(",", c.getResources()))
                  .collect(Collectors.joining(" ")),
              g.getPolicyVersion(),
              g.getGrantedAt());
          grants++;
        } else if (e.getKey().startsWith("revocation:")) {
          CapabilityRevocation r = codec.decode(e.getValue(), CapabilityRevocation.class);
          out.printf(
              "revocation  %s (tenant %s, %s%s)%n",
              r.getTokenId(),
              r.getTenant(),
              r.getRevokedAt(),
              r.getReason().isEmpty() ? "" : ", " + r.getReason());
          revocations++;
        }
      }
      out.printf("%d grants, %d revocations%n", grants, revocations);
      out.flush();
    }
  }
}
