package io.provability.fabric.topology.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpServer;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.schemas.serde.SchemaIds;
import io.provability.fabric.topology.config.FabricConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registry client's requests and its reading of answers, against a stand-in HTTP server that
 * answers as the Confluent REST API documents (a unit test of the client only: no registry logic).
 */
class SchemaRegistryClientTest {
  private final List<String> requests = new ArrayList<>();
  private final List<JsonNode> bodies = new ArrayList<>();
  private HttpServer server;
  private SchemaRegistryClient client;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath());
          bodies.add(body.isEmpty() ? null : JsonMapper.builder().build().readTree(body));
          String path = exchange.getRequestURI().getRawPath();
          int status;
          String answer;
          if (path.contains("incompatible")) {
            status = 409;
            answer =
                "{\"error_code\":409,\"message\":\"Schema being registered is incompatible with an earlier schema\"}";
          } else if (path.endsWith("/versions")) {
            status = 200;
            answer = "{\"id\":" + (40 + requests.size()) + "}";
          } else if (path.contains("unregistered")) {
            status = 404;
            answer = "{\"error_code\":40403,\"message\":\"Schema not found\"}";
          } else {
            status = 200;
            answer =
                "{\"subject\":\"s\",\"id\":"
                    + (100 + requests.size())
                    + ",\"version\":1,\"schema\":\"{}\"}";
          }
          byte[] out = answer.getBytes(StandardCharsets.UTF_8);
          exchange
              .getResponseHeaders()
              .add("Content-Type", "application/vnd.schemaregistry.v1+json");
          exchange.sendResponseHeaders(status, out.length);
          exchange.getResponseBody().write(out);
          exchange.close();
        });
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    client =
        new SchemaRegistryClient(
            "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/ccompat/v7/",
            Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void registersUnderTheSubjectWithTheSchemaAsAvroJson() throws Exception {
    int id = client.register("fabric.decisions-value", Decision.getClassSchema());

    assertThat(id).isEqualTo(41);
    assertThat(requests)
        .containsExactly("POST /apis/ccompat/v7/subjects/fabric.decisions-value/versions");
    assertThat(bodies.get(0).path("schemaType").asText()).isEqualTo("AVRO");
    assertThat(
            SchemaNormalization.parsingFingerprint64(
                new Schema.Parser().parse(bodies.get(0).path("schema").asText())))
        .isEqualTo(SchemaNormalization.parsingFingerprint64(Decision.getClassSchema()));
  }

  @Test
  void anIncompatibleSchemaIsRefusedWithTheRegistrysMessage() {
    assertThatThrownBy(() -> client.register("incompatible-value", Decision.getClassSchema()))
        .isInstanceOf(SchemaRegistryClient.RegistryException.class)
        .hasMessageContaining("409")
        .hasMessageContaining("incompatible with an earlier schema")
        .extracting(e -> ((SchemaRegistryClient.RegistryException) e).status())
        .isEqualTo(409);
  }

  @Test
  void lookUpFindsEveryIdAndNamesTheSubjectThatIsMissing() throws Exception {
    FabricConfig cfg = FabricConfig.defaults(Map.of());
    SchemaIds ids = RegistrySubjects.lookUp(client, cfg);

    assertThat(requests)
        .allMatch(r -> r.startsWith("POST /apis/ccompat/v7/subjects/") && !r.endsWith("/versions"));
    assertThat(requests)
        .contains(
            "POST /apis/ccompat/v7/subjects/fabric.decisions-value",
            "POST /apis/ccompat/v7/subjects/io.provability.fabric.events.PlanRequest");
    int planIndex =
        requests.indexOf("POST /apis/ccompat/v7/subjects/io.provability.fabric.events.PlanRequest");
    // the current PlanRequest is the last registration of its subject; ids follow the request order
    // here
    assertThat(ids.id(SchemaNormalization.parsingFingerprint64(PlanRequest.getClassSchema())))
        .isPresent();
    assertThat(ids.size()).isEqualTo(requests.size());
    assertThat(planIndex).isZero();

    FabricConfig missing =
        FabricConfig.defaults(Map.of(FabricConfig.TOPIC_DECISIONS_CONFIG, "unregistered"));
    assertThatThrownBy(() -> RegistrySubjects.lookUp(client, missing))
        .hasMessageContaining("subject unregistered-value")
        .hasMessageContaining("fabric schemas register");
  }

  @Test
  void theHistoryOfASubjectIsRegisteredBeforeItsCurrentSchema() {
    List<RegistrySubjects.Registration> all = RegistrySubjects.all(FabricConfig.defaults(Map.of()));
    List<RegistrySubjects.Registration> plans =
        all.stream()
            .filter(r -> r.subject().equals("io.provability.fabric.events.PlanRequest"))
            .toList();

    assertThat(plans.size()).isGreaterThan(1);
    assertThat(plans.get(plans.size() - 1).schema()).isEqualTo(PlanRequest.getClassSchema());
    assertThat(all)
        .extracting(RegistrySubjects.Registration::subject)
        .contains("fabric.decisions-value", "fabric.dead-letter-value");
  }
}
