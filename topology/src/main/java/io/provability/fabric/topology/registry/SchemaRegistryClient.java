package io.provability.fabric.topology.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.avro.Schema;

/**
 * A client of the Confluent Schema Registry REST API, which Confluent's registry, Apicurio Registry
 * (under {@code /apis/ccompat/v7}) and Karapace all serve: register a schema under a subject (the
 * registry checks compatibility with the subject's earlier versions and refuses an incompatible
 * one), and look up the id of a schema already registered.
 *
 * <p>Blocking, for start-up and the CLI only: never on a stream thread.
 */
public final class SchemaRegistryClient {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final URI base;
  private final HttpClient http;
  private final Duration timeout;

  /**
   * @param baseUrl the registry's API root, for example {@code http://127.0.0.1:8081} or {@code
   *     http://127.0.0.1:8080/apis/ccompat/v7}
   * @param timeout per request
   */
  public SchemaRegistryClient(String baseUrl, Duration timeout) {
    String url = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.base = URI.create(url);
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .build();
  }

  /** A refusal or failure of the registry, with its error code and message when it sent them. */
  public static final class RegistryException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int status;

    RegistryException(int status, String message) {
      super(message);
      this.status = status;
    }

    /**
     * The HTTP status (409: incompatible with an earlier version; 404: subject or schema unknown).
     */
    public int status() {
      return status;
    }
  }

  /**
   * Registers {@code schema} under {@code subject}, or finds it there already.
   *
   * @return the registry's id of the schema
   * @throws RegistryException if the registry refuses it (409 for an incompatible schema)
   */
  public int register(String subject, Schema schema) throws IOException, InterruptedException {
    return idOf(post("/subjects/" + encode(subject) + "/versions", schema));
  }

  /**
   * Looks up the id of {@code schema} under {@code subject} without registering anything.
   *
   * @return the id
   * @throws RegistryException with status 404 if the subject or the schema is not registered
   */
  public int lookup(String subject, Schema schema) throws IOException, InterruptedException {
    return idOf(post("/subjects/" + encode(subject), schema));
  }

  /**
   * Sets a subject's compatibility level (for example {@code BACKWARD}).
   *
   * @throws RegistryException if the registry refuses
   */
  public void setCompatibility(String subject, String level)
      throws IOException, InterruptedException {
    String body = JSON.writeValueAsString(JSON.createObjectNode().put("compatibility", level));
    send(
        HttpRequest.newBuilder(uri("/config/" + encode(subject)))
            .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** Returns the schema the registry holds under {@code id}. */
  public Schema schema(int id) throws IOException, InterruptedException {
    JsonNode answer = send(HttpRequest.newBuilder(uri("/schemas/ids/" + id)).GET());
    return new Schema.Parser().parse(answer.path("schema").asText());
  }

  private JsonNode post(String path, Schema schema) throws IOException, InterruptedException {
    String body =
        JSON.writeValueAsString(
            JSON.createObjectNode().put("schemaType", "AVRO").put("schema", schema.toString()));
    return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpRequest r =
        request
            .timeout(timeout)
            .header("Content-Type", CONTENT_TYPE)
            .header("Accept", CONTENT_TYPE + ", application/json")
            .build();
    HttpResponse<String> response;
    try {
      response = http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IOException(
          "schema registry "
              + base
              + " did not answer "
              + r.method()
              + " "
              + r.uri().getPath()
              + ": "
              + e,
          e);
    }
    JsonNode json;
    try {
      json = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
    } catch (JsonProcessingException | RuntimeException e) {
      json = JSON.createObjectNode().put("message", response.body());
    }
    if (response.statusCode() / 100 != 2) {
      throw new RegistryException(
          response.statusCode(),
          "schema registry answered "
              + response.statusCode()
              + " to "
              + r.method()
              + " "
              + r.uri().getPath()
              + ": "
              + json.path("message").asText(response.body()));
    }
    return json;
  }

  private static int idOf(JsonNode answer) throws IOException {
    if (!answer.path("id").isNumber()) {
      throw new IOException("schema registry answered without an id: " + answer);
    }
    return answer.path("id").asInt();
  }

  private URI uri(String path) {
    return URI.create(base + path);
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8);
  }
}
