package io.provability.fabric.tools.internal.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provability.fabric.events.Capability;
import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityRevocation;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.PolicyVersion;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.stream.PolicyStateKeys;
import io.provability.fabric.processors.stream.PolicyStateView;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.EventDecodeException;
import io.provability.fabric.topology.config.KafkaClients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A policy state (grants, revocations, policy version) to replay under: the records of the
 * compacted policy-state topic by key, as the live global store holds them.
 *
 * <p>Three sources: the topic's current state; the state at the end of a given policy version,
 * rebuilt by reading the topic from its start (possible only while compaction has kept that
 * history); or a policy file applied on top of the current or the empty state (format in {@code
 * docs/audit.md}).
 *
 * @param values policy-state records by key (encoded as on the topic)
 * @param description where the state came from, for reports
 */
public record PolicySnapshot(Map<String, byte[]> values, String description) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Copies. */
  public PolicySnapshot {
    values = Map.copyOf(values);
  }

  /**
   * @return the kernel's view of this state, through the live topology's {@code PolicyStateView}
   */
  public PolicyView view() {
    return new PolicyStateView(new SnapshotStore(values), EventCodec.standard());
  }

  /**
   * @return an empty policy state (no grants, no revocations, version 0)
   */
  public static PolicySnapshot empty() {
    return new PolicySnapshot(Map.of(), "empty policy state");
  }

  /**
   * Reads the policy-state topic from its start to its end (as of the call), by manual assignment:
   * no consumer group, no committed offset.
   *
   * @param bootstrap Kafka bootstrap servers
   * @param topic the policy-state topic
   * @param version null for the state at the end; otherwise the state when version {@code version}
   *     was last in force
   * @param timeout how long to keep reading
   * @return the state
   * @throws IllegalStateException when the topic no longer holds that version
   */
  public static PolicySnapshot fromTopic(
      String bootstrap, String topic, Long version, Duration timeout) {
    Properties p = KafkaClients.forBootstrap(bootstrap).committedReader("replay-policy");
    EventCodec codec = EventCodec.standard();
    Map<String, byte[]> state = new HashMap<>();
    Map<String, byte[]> atVersion = null;
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic, timeout)) {
        parts.add(new TopicPartition(topic, info.partition()));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "reading " + topic + " did not reach its end within " + timeout);
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.key() == null) {
            continue;
          }
          if (r.value() == null) {
            state.remove(r.key());
          } else {
            state.put(r.key(), r.value());
          }
          if (version != null && versionOf(state, codec) == version) {
            atVersion = new HashMap<>(state);
          }
        }
      }
    }
    if (version == null) {
      return new PolicySnapshot(state, "current state of " + topic);
    }
    if (atVersion == null) {
      throw new IllegalStateException(
          "policy version "
              + version
              + " is not in "
              + topic
              + " (compaction "
              + "keeps only the latest record per key); replay under a policy file instead");
    }
    return new PolicySnapshot(
        atVersion, "state of " + topic + " while policy version " + version + " was in force");
  }

  private static long versionOf(Map<String, byte[]> state, EventCodec codec) {
    byte[] v = state.get(PolicyStateKeys.POLICY_VERSION);
    if (v == null) {
      return 0L;
    }
    try {
      return codec.decode(v, PolicyVersion.class).getVersion();
    } catch (EventDecodeException e) {
      return Long.MIN_VALUE;
    }
  }

  /**
   * Applies a policy file to {@code base}.
   *
   * <pre>
   * {"revocations": [{"token_id": "tok-1", "tenant": "t", "reason": "..."}],
   *  "unrevoke": ["tok-2"],
   *  "grants": [{"tenant": "t", "subject_id": "agent-1",
   *              "capabilities": [{"name": "read_docs", "effect": "READ", "resources": ["t/docs/**"]}]}],
   *  "remove_grants": [{"tenant": "t", "subject_id": "agent-2"}],
   *  "policy_version": 8}
   * </pre>
   *
   * Every field is optional. Times recorded in the records are the epoch (replay does not read
   * them).
   *
   * @param file the policy file
   * @param base the state it modifies
   * @return the modified state
   * @throws IOException when the file cannot be read or is not of this form (the message names the
   *     field)
   */
  public static PolicySnapshot fromFile(Path file, PolicySnapshot base) throws IOException {
    JsonNode doc = JSON.readTree(Files.readString(file));
    if (doc == null || !doc.isObject()) {
      throw new IOException(file + ": a policy file is a JSON object");
    }
    for (String field : iterable(doc.fieldNames())) {
      if (!List.of("revocations", "unrevoke", "grants", "remove_grants", "policy_version")
          .contains(field)) {
        throw new IOException(file + ": unknown field '" + field + "'");
      }
    }
    EventCodec codec = EventCodec.standard();
    Map<String, byte[]> state = new HashMap<>(base.values());
    try {
      for (JsonNode r : doc.path("revocations")) {
        CapabilityRevocation rev =
            CapabilityRevocation.newBuilder()
                .setTokenId(text(r, "token_id"))
                .setTenant(text(r, "tenant"))
                .setRevokedAt(Instant.EPOCH)
                .setReason(r.path("reason").asText("replay policy file"))
                .build();
        state.put(PolicyStateKeys.revocation(rev.getTokenId()), codec.encode(rev));
      }
      for (JsonNode t : doc.path("unrevoke")) {
        state.remove(PolicyStateKeys.revocation(t.asText()));
      }
      for (JsonNode g : doc.path("grants")) {
        List<Capability> caps = new ArrayList<>();
        for (JsonNode c : g.path("capabilities")) {
          List<String> resources = new ArrayList<>();
          c.path("resources").forEach(x -> resources.add(x.asText()));
          caps.add(
              Capability.newBuilder()
                  .setName(text(c, "name"))
                  .setEffect(EffectKind.valueOf(text(c, "effect").toUpperCase(Locale.ROOT)))
                  .setResources(resources)
                  .build());
        }
        CapabilityGrant grant =
            CapabilityGrant.newBuilder()
                .setGrantId(
                    g.path("grant_id")
                        .asText("replay-" + text(g, "tenant") + "-" + text(g, "subject_id")))
                .setTenant(text(g, "tenant"))
                .setSubjectId(text(g, "subject_id"))
                .setCapabilities(caps)
                .setPolicyVersion(g.path("policy_version").asLong(0))
                .setGrantedAt(Instant.EPOCH)
                .build();
        state.put(
            PolicyStateKeys.grant(grant.getTenant(), grant.getSubjectId()), codec.encode(grant));
      }
      for (JsonNode g : doc.path("remove_grants")) {
        state.remove(PolicyStateKeys.grant(text(g, "tenant"), text(g, "subject_id")));
      }
      if (doc.has("policy_version")) {
        state.put(
            PolicyStateKeys.POLICY_VERSION,
            codec.encode(
                PolicyVersion.newBuilder()
                    .setVersion(doc.get("policy_version").asLong())
                    .setPolicyHash("replay:" + file.getFileName())
                    .setEffectiveAt(Instant.EPOCH)
                    .build()));
      }
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
    return new PolicySnapshot(state, base.description() + " with " + file + " applied");
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException(
          "field '" + field + "' is missing or not a string in " + n);
    }
    return v.asText();
  }

  private static <T> Iterable<T> iterable(Iterator<T> it) {
    return () -> it;
  }
}
