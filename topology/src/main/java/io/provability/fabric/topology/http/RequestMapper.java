package io.provability.fabric.topology.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.Constraints;
import io.provability.fabric.events.ContentRef;
import io.provability.fabric.events.EffectKind;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.InputChannels;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.RetrievedContent;
import io.provability.fabric.events.Subject;
import io.provability.fabric.events.SystemChannel;
import io.provability.fabric.processors.decide.RequestEnvelope;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;

/**
 * Maps the front door's JSON bodies to the Avro request events, strictly: malformed JSON, an
 * unknown field, a field of the wrong type or a missing required field is a 400 naming the field's
 * path.
 *
 * <p>Plans use the plan shape of {@code docs/examples/plan.json}: times in epoch <em>seconds</em>
 * (fractions allowed), {@code subject.caps} informational only. Additions: optional {@code
 * request_id} and {@code session_id} (generated when absent: a UUID, and the request id), {@code
 * subject.token} and each step's {@code receipts} as base64 of the Avro single-object encoding
 * (what {@code fabric token issue --format avro-base64} prints) or {@code subject.token_jws} as a
 * JWS compact string ({@code fabric token issue --format jws}), and a step's optional {@code
 * resource} and {@code effect}. A plan without a token is accepted and denied by the kernel.
 */
public final class RequestMapper {
  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final Set<String> ENVELOPE = Set.of("request_id", "session_id");
  private static final Set<String> PLAN =
      union(
          ENVELOPE,
          Set.of(
              "plan_id",
              "tenant",
              "subject",
              "input_channels",
              "steps",
              "constraints",
              "system_prompt_hash",
              "created_at",
              "expires_at"));
  private static final Set<String> SUBJECT = Set.of("id", "caps", "token", "token_jws");
  private static final Set<String> CHANNELS = Set.of("system", "user", "retrieved", "file");
  private static final Set<String> SYSTEM = Set.of("hash", "policy_hash");
  private static final Set<String> CONTENT = Set.of("content_hash", "quoted");
  private static final Set<String> RETRIEVED =
      Set.of("receipt_id", "content_hash", "quoted", "labels");
  private static final Set<String> STEP =
      Set.of(
          "tool",
          "args",
          "caps_required",
          "resource",
          "effect",
          "labels_in",
          "labels_out",
          "receipts");
  private static final Set<String> CONSTRAINTS =
      Set.of("budget", "pii", "dp_epsilon", "dp_delta", "latency_max");
  private static final Set<String> RETRIEVAL =
      union(
          ENVELOPE,
          Set.of(
              "tenant",
              "subject_id",
              "token",
              "token_jws",
              "query",
              "requested_labels",
              "index_shard",
              "dp_epsilon",
              "dp_delta"));
  private static final Set<String> EGRESS =
      union(ENVELOPE, Set.of("tenant", "subject_id", "text", "policy_id"));

  /**
   * A mapped request: the event and its identifying fields, read from it once.
   *
   * @param event a plan, retrieval or egress request
   * @param envelope its identifying fields; the session id is the Kafka key
   */
  public record Mapped(SpecificRecord event, RequestEnvelope envelope) {
    /** The request mapped from a body, with its envelope. */
    static Mapped of(SpecificRecord event) {
      return new Mapped(event, RequestEnvelope.of(event));
    }

    /** The request id ({@code envelope().requestId()}). */
    public String requestId() {
      return envelope.requestId();
    }

    /** The session id, the Kafka key ({@code envelope().sessionId()}). */
    public String sessionId() {
      return envelope.sessionId();
    }
  }

  private RequestMapper() {}

  /** Parses a body; malformed JSON (or duplicate keys, or trailing data) is a 400. */
  static JsonNode parse(byte[] body) {
    if (body.length == 0) {
      throw new BadRequest(400, null, "empty body: expected a JSON object");
    }
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new BadRequest(
          400,
          null,
          "malformed JSON: "
              + withoutClassNames(e.getOriginalMessage())
              + (e.getLocation() == null
                  ? ""
                  : " at line "
                      + e.getLocation().getLineNr()
                      + ", column "
                      + e.getLocation().getColumnNr()));
    } catch (IOException e) {
      throw new BadRequest(400, null, "unreadable body: " + withoutClassNames(e.getMessage()));
    }
  }

  /** A plan (the shape of docs/examples/plan.json). */
  public static Mapped plan(byte[] body, Instant now) {
    JsonFields f = JsonFields.object(parse(body), "$", PLAN);
    String requestId = requestId(f);
    String sessionId = sessionId(f, requestId);
    JsonFields subject = requiredObject(f, "subject", SUBJECT);
    JsonFields channels = requiredObject(f, "input_channels", CHANNELS);
    JsonFields system = requiredObject(channels, "system", SYSTEM);
    ContentRef user = null;
    if (channels.raw("user") != null) {
      JsonFields u = JsonFields.object(channels.raw("user"), channels.at("user"), CONTENT);
      user =
          ContentRef.newBuilder()
              .setContentHash(u.string("content_hash"))
              .setQuoted(u.bool("quoted"))
              .build();
    }
    List<RetrievedContent> retrieved = new ArrayList<>();
    List<JsonNode> retrievedNodes = channels.array("retrieved", false);
    for (int i = 0; i < retrievedNodes.size(); i++) {
      JsonFields r =
          JsonFields.object(
              retrievedNodes.get(i), channels.at("retrieved") + "[" + i + "]", RETRIEVED);
      retrieved.add(
          RetrievedContent.newBuilder()
              .setReceiptId(r.string("receipt_id"))
              .setContentHash(r.string("content_hash"))
              .setQuoted(r.bool("quoted"))
              .setLabels(r.strings("labels", false))
              .build());
    }
    List<ContentRef> files = new ArrayList<>();
    List<JsonNode> fileNodes = channels.array("file", false);
    for (int i = 0; i < fileNodes.size(); i++) {
      JsonFields r =
          JsonFields.object(fileNodes.get(i), channels.at("file") + "[" + i + "]", CONTENT);
      files.add(
          ContentRef.newBuilder()
              .setContentHash(r.string("content_hash"))
              .setQuoted(r.bool("quoted"))
              .build());
    }
    List<PlanStep> steps = new ArrayList<>();
    List<JsonNode> stepNodes = f.array("steps", true);
    for (int i = 0; i < stepNodes.size(); i++) {
      steps.add(step(JsonFields.object(stepNodes.get(i), f.at("steps") + "[" + i + "]", STEP)));
    }
    JsonFields c = requiredObject(f, "constraints", CONSTRAINTS);
    PlanRequest plan =
        PlanRequest.newBuilder()
            .setRequestId(requestId)
            .setSessionId(sessionId)
            .setRequestedAt(now)
            .setPlanId(f.string("plan_id"))
            .setTenant(f.identity("tenant"))
            .setSubject(
                Subject.newBuilder()
                    .setId(subject.identity("id"))
                    .setCaps(subject.strings("caps", false))
                    .setToken(token(subject, "token"))
                    .setTokenJws(subject.optionalString("token_jws"))
                    .build())
            .setSteps(steps)
            .setInputChannels(
                InputChannels.newBuilder()
                    .setSystem(
                        SystemChannel.newBuilder()
                            .setHash(system.string("hash"))
                            .setPolicyHash(system.string("policy_hash"))
                            .build())
                    .setUser(user)
                    .setRetrieved(retrieved)
                    .setFile(files)
                    .build())
            .setConstraints(
                Constraints.newBuilder()
                    .setBudget(c.number("budget"))
                    .setPii(c.bool("pii"))
                    .setDpEpsilon(c.number("dp_epsilon"))
                    .setDpDelta(c.number("dp_delta"))
                    .setLatencyMax(c.number("latency_max"))
                    .build())
            .setSystemPromptHash(f.string("system_prompt_hash"))
            .setCreatedAt(epochSeconds(f, "created_at"))
            .setExpiresAt(epochSeconds(f, "expires_at"))
            .build();
    return Mapped.of(plan);
  }

  /** A retrieval request. */
  public static Mapped retrieval(byte[] body, Instant now) {
    JsonFields f = JsonFields.object(parse(body), "$", RETRIEVAL);
    String requestId = requestId(f);
    String sessionId = sessionId(f, requestId);
    Double eps = f.optionalNumber("dp_epsilon");
    Double delta = f.optionalNumber("dp_delta");
    RetrievalRequest r =
        RetrievalRequest.newBuilder()
            .setRequestId(requestId)
            .setSessionId(sessionId)
            .setRequestedAt(now)
            .setTenant(f.identity("tenant"))
            .setSubjectId(f.identity("subject_id"))
            .setToken(token(f, "token"))
            .setTokenJws(f.optionalString("token_jws"))
            .setQuery(f.string("query"))
            .setRequestedLabels(f.strings("requested_labels", true))
            .setIndexShard(f.string("index_shard"))
            .setDpEpsilon(eps == null ? 0.0 : eps)
            .setDpDelta(delta == null ? 0.0 : delta)
            .build();
    return Mapped.of(r);
  }

  /** An egress check. */
  public static Mapped egress(byte[] body, Instant now) {
    JsonFields f = JsonFields.object(parse(body), "$", EGRESS);
    String requestId = requestId(f);
    String sessionId = sessionId(f, requestId);
    EgressRequest r =
        EgressRequest.newBuilder()
            .setRequestId(requestId)
            .setSessionId(sessionId)
            .setRequestedAt(now)
            .setTenant(f.identity("tenant"))
            .setSubjectId(f.identity("subject_id"))
            .setText(f.string("text"))
            .setPolicyId(f.optionalString("policy_id"))
            .build();
    return Mapped.of(r);
  }

  private static PlanStep step(JsonFields s) {
    String effect = s.optionalString("effect");
    EffectKind kind = EffectKind.UNKNOWN;
    if (effect != null) {
      try {
        kind = EffectKind.valueOf(effect.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new BadRequest(
            400,
            s.at("effect"),
            "expected one of READ, WRITE, SEND, EXECUTE, got '" + effect + "'");
      }
    }
    List<AccessReceipt> receipts = new ArrayList<>();
    List<String> encoded = s.strings("receipts", false);
    for (int i = 0; i < encoded.size(); i++) {
      String at = s.at("receipts") + "[" + i + "]";
      receipts.add(
          decode(encoded.get(i), at, "an access receipt", b -> AccessReceipt.fromByteBuffer(b)));
    }
    return PlanStep.newBuilder()
        .setTool(s.string("tool"))
        .setArgs(s.stringMap("args"))
        .setCapsRequired(s.strings("caps_required", true))
        .setResource(s.optionalString("resource"))
        .setEffect(kind)
        .setLabelsIn(s.strings("labels_in", false))
        .setLabelsOut(s.strings("labels_out", false))
        .setReceipts(receipts)
        .build();
  }

  private static CapabilityToken token(JsonFields f, String field) {
    String encoded = f.optionalString(field);
    return encoded == null
        ? null
        : decode(
            encoded, f.at(field), "a capability token", b -> CapabilityToken.fromByteBuffer(b));
  }

  private interface AvroDecoder<T> {
    T decode(ByteBuffer bytes) throws IOException;
  }

  private static <T> T decode(String base64, String path, String what, AvroDecoder<T> decoder) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      throw new BadRequest(
          400,
          path,
          "expected "
              + what
              + " as base64 of its Avro single-object encoding: "
              + withoutClassNames(e.getMessage()));
    }
    try {
      return decoder.decode(ByteBuffer.wrap(bytes));
    } catch (IOException | RuntimeException e) {
      throw new BadRequest(
          400,
          path,
          "not "
              + what
              + " in Avro single-object encoding"
              + (e.getMessage() == null ? "" : ": " + withoutClassNames(e.getMessage())));
    }
  }

  private static JsonFields requiredObject(JsonFields parent, String field, Set<String> allowed) {
    if (parent.raw(field) == null) {
      throw parent.missing(field, "an object");
    }
    return JsonFields.object(parent.raw(field), parent.at(field), allowed);
  }

  private static Instant epochSeconds(JsonFields f, String field) {
    double seconds = f.number(field);
    if (seconds < 0 || seconds > 253_402_300_799d) {
      throw new BadRequest(
          400, f.at(field), "expected epoch seconds between 0 and 9999-12-31, got " + seconds);
    }
    return Instant.ofEpochMilli(Math.round(seconds * 1000));
  }

  private static String requestId(JsonFields f) {
    String id = f.optionalString("request_id");
    if (id == null) {
      return UUID.randomUUID().toString();
    }
    if (id.isBlank() || id.length() > 200) {
      throw new BadRequest(400, f.at("request_id"), "expected 1 to 200 characters");
    }
    return id;
  }

  private static String sessionId(JsonFields f, String requestId) {
    String id = f.optionalString("session_id");
    if (id == null) {
      return requestId;
    }
    if (id.isBlank() || id.length() > 200) {
      throw new BadRequest(400, f.at("session_id"), "expected 1 to 200 characters");
    }
    return id;
  }

  /**
   * A library's message without the names of the library's classes, which mean nothing to a caller:
   * "(bound as `com.fasterxml.jackson.databind.JsonNode`)" and "as per `DeserializationFeature.X`"
   * go, and a qualified class name becomes its last part.
   */
  static String withoutClassNames(String message) {
    if (message == null) {
      return "";
    }
    String m =
        message
            .replaceAll("\\s*\\(bound as `[^`]*`\\)", "")
            .replaceAll("\\s*\\(start marker at \\[Source:[^\\]]*\\]\\)", "")
            .replaceAll("\\s*\\[Source:[^\\]]*\\]", "")
            .replaceAll(":? ?not allowed as per `[^`]*`", "")
            .replaceAll("`?\\b(?:[a-z][a-z0-9_]*\\.)+([A-Z][A-Za-z0-9_$]*)`?", "$1")
            .replaceAll("\\bJsonToken\\.([A-Z_]+)", "$1");
    if (m.startsWith("Trailing token")) {
      return "unexpected data after the JSON value";
    }
    return m.strip();
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    HashSet<String> s = new HashSet<>(a);
    s.addAll(b);
    return Set.copyOf(s);
  }
}
