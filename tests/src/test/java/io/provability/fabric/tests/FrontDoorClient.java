package io.provability.fabric.tests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * Raw HTTP calls to one instance's front door and operations server on 127.0.0.1, as the end-to-end
 * tests make them: bodies are JSON unless a {@code Content-Type} header says otherwise, answers are
 * read as strings.
 */
final class FrontDoorClient {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final IntSupplier port;

  /** A client of the server on {@code port}, asked each time (the server may start later). */
  FrontDoorClient(IntSupplier port) {
    this.port = port;
  }

  /** A client of the server on the fixed {@code port}. */
  static FrontDoorClient at(int port) {
    return new FrontDoorClient(() -> port);
  }

  /** The underlying client, for calls these methods do not cover (async, other content types). */
  HttpClient http() {
    return http;
  }

  /** {@code http://127.0.0.1:<port><path>}. */
  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port.getAsInt() + path);
  }

  /** GET {@code path}, waiting at most 30 s for the answer. */
  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** POST the JSON {@code body} to {@code path} with {@code headers}. */
  HttpResponse<String> post(String path, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    return send("POST", path, body, headers);
  }

  /**
   * {@code method} on {@code path} with {@code body} (none if null; JSON unless {@code headers}
   * name a Content-Type) and {@code headers}, waiting at most 60 s for the answer.
   */
  HttpResponse<String> send(String method, String path, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60));
    if (!headers.containsKey("Content-Type") && body != null) {
      b.header("Content-Type", "application/json");
    }
    headers.forEach(b::header);
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
