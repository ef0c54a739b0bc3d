package io.provability.fabric.topology.registry;

import io.provability.fabric.events.CapabilityGrant;
import io.provability.fabric.events.CapabilityRevocation;
import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PolicyVersion;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.serde.SchemaIds;
import io.provability.fabric.topology.config.FabricConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Which schema goes under which registry subject.
 *
 * <ul>
 *   <li>Topics that carry one record type use Confluent's TopicNameStrategy, {@code <topic>-value}:
 *       decisions and dead letters. Connect's AvroConverter and most tools assume it. (The evidence
 *       topic carries log entries, not Avro records: nothing to register.)
 *   <li>Topics that carry several record types use RecordNameStrategy, the record's full name: the
 *       requests topic (plan, retrieval, egress) and the policy-state topic (grant, revocation,
 *       policy version). One subject per type keeps each type's compatibility history apart.
 * </ul>
 *
 * <p>Historical writer schemas are registered before the current one under the same subject, so the
 * registry checks each step of the schema's history for compatibility, as it would have then.
 */
public final class RegistrySubjects {

  /** One schema under one subject. */
  public record Registration(String subject, Schema schema) {}

  private RegistrySubjects() {}

  /** Every registration a configuration needs, in registration order (history first). */
  public static List<Registration> all(FabricConfig cfg) {
    List<Registration> out = new ArrayList<>();
    addWithHistory(out, PlanRequest.getClassSchema().getFullName(), PlanRequest.getClassSchema());
    addWithHistory(
        out, RetrievalRequest.getClassSchema().getFullName(), RetrievalRequest.getClassSchema());
    addWithHistory(
        out, EgressRequest.getClassSchema().getFullName(), EgressRequest.getClassSchema());
    addWithHistory(out, cfg.topicDecisions() + "-value", Decision.getClassSchema());
    addWithHistory(out, cfg.topicDeadLetter() + "-value", DeadLetter.getClassSchema());
    addWithHistory(
        out, CapabilityGrant.getClassSchema().getFullName(), CapabilityGrant.getClassSchema());
    addWithHistory(
        out,
        CapabilityRevocation.getClassSchema().getFullName(),
        CapabilityRevocation.getClassSchema());
    addWithHistory(
        out, PolicyVersion.getClassSchema().getFullName(), PolicyVersion.getClassSchema());
    return out;
  }

  /**
   * Looks up the id of every registration (registering nothing) and returns the mapping an instance
   * decodes and frames with.
   *
   * @throws IOException naming the subject whose schema is not registered
   */
  public static SchemaIds lookUp(SchemaRegistryClient client, FabricConfig cfg)
      throws IOException, InterruptedException {
    Map<Integer, Schema> ids = new HashMap<>();
    for (Registration r : all(cfg)) {
      try {
        ids.put(client.lookup(r.subject(), r.schema()), r.schema());
      } catch (SchemaRegistryClient.RegistryException e) {
        throw new IOException(
            "subject "
                + r.subject()
                + ": schema "
                + r.schema().getFullName()
                + " is not registered (run 'fabric schemas register'): "
                + e.getMessage(),
            e);
      }
    }
    return SchemaIds.of(ids);
  }

  private static void addWithHistory(List<Registration> out, String subject, Schema current) {
    for (Schema old : EventCodec.historicalSchemas()) {
      if (old.getFullName().equals(current.getFullName())) {
        out.add(new Registration(subject, old));
      }
    }
    out.add(new Registration(subject, current));
  }
}
