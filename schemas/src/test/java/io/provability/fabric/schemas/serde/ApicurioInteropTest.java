package io.provability.fabric.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.apicurio.registry.rest.client.RegistryClient;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.fixtures.EventFixtures;
import io.provability.fabric.schemas.serde.internal.PublishedSchemas;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * Apicurio Registry's own Avro deserializer (the one Kafka consumers and Connect use with an
 * Apicurio registry), set to the Confluent-compatible 4-byte ids, reads a decision the fabric wrote
 * in the registry format. The registry itself is stood in for by a client that answers only "the
 * schema of content id 104" with the published Decision schema and records which ids were asked
 * for: what is under test is the byte framing and the body, not the registry.
 */
class ApicurioInteropTest {

  @Test
  void apicuriosDeserializerReadsARegistryFramedDecision() throws Exception {
    List<Long> asked = new ArrayList<>();
    String published = PublishedSchemas.entry(Decision.getClassSchema(), false).json();
    RegistryClient registry =
        (RegistryClient)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {RegistryClient.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "getContentById" -> {
                        asked.add((Long) args[0]);
                        yield (Long) args[0] == 104L
                            ? new ByteArrayInputStream(published.getBytes(StandardCharsets.UTF_8))
                            : null;
                      }
                      case "getArtifactReferencesByContentId" -> List.of();
                      case "hashCode" -> System.identityHashCode(proxy);
                      case "equals" -> proxy == args[0];
                      case "toString" -> "stand-in registry";
                      case "close" -> null;
                      default -> throw new UnsupportedOperationException(method.getName());
                    });
    Decision decision = EventFixtures.decision();
    byte[] framed =
        WireFormat.REGISTRY.frame(
            EventCodec.standard().encode(decision), RegistryWireFormatTest.IDS);

    try (AvroKafkaDeserializer<GenericRecord> deserializer =
        new AvroKafkaDeserializer<>(registry)) {
      // Apicurio's settings for Confluent-framed data: 4-byte ids that are content ids
      deserializer.configure(
          Map.of(SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, "true", SerdeConfig.USE_ID, "contentId"),
          false);
      GenericRecord read = deserializer.deserialize("fabric.decisions", framed);

      assertThat(asked).containsExactly(104L);
      assertThat(read.get("decision_id").toString()).isEqualTo(decision.getDecisionId());
      assertThat(read.get("verdict").toString()).isEqualTo(decision.getVerdict().name());
      assertThat(read.get("request_id").toString()).isEqualTo(decision.getRequestId());
      assertThat(((List<?>) read.get("reasons"))).hasSize(decision.getReasons().size());
    }
  }
}
