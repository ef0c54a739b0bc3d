package io.provability.fabric.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.ContentRef;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.PlanStep;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.RetrievedContent;
import io.provability.fabric.schemas.bytes.Bytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;

/**
 * The front door's JSON bodies for the generator's request events: the inverse of the front door's
 * {@code RequestMapper}, field for field (times in epoch seconds, tokens and receipts as base64 of
 * their Avro single-object encoding). The front door stamps {@code requested_at} itself, so it is
 * not sent.
 *
 * <p>Thread-safe: tokens are encoded once per token id (an agent's sessions share one token).
 * Public for tests that post requests to the front door themselves.
 */
public final class FrontDoorBodies {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** A body and the path it is posted to. */
  public record Body(String path, byte[] json) {}

  private final Map<String, String> encodedTokens = new ConcurrentHashMap<>();

  private static byte[] bytes(JsonNode body) {
    // a tree of plain values always serializes; toString is its JSON text
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The body of {@code event} and its path; plans, retrievals and egress checks only. */
  public Body of(SpecificRecord event) {
    if (event instanceof PlanRequest p) {
      return new Body("/v1/plans", bytes(plan(p)));
    } else if (event instanceof RetrievalRequest r) {
      return new Body("/v1/retrievals", bytes(retrieval(r)));
    } else if (event instanceof EgressRequest e) {
      return new Body("/v1/egress", bytes(egress(e)));
    }
    throw new IllegalArgumentException(
        "the front door takes plans, retrievals and egress checks, not "
            + event.getClass().getSimpleName());
  }

  private ObjectNode plan(PlanRequest p) {
    ObjectNode o = envelope(p.getRequestId(), p.getSessionId());
    o.put("plan_id", p.getPlanId());
    o.put("tenant", p.getTenant());
    ObjectNode subject = o.putObject("subject");
    subject.put("id", p.getSubject().getId());
    strings(subject.putArray("caps"), p.getSubject().getCaps());
    if (p.getSubject().getToken() != null) {
      subject.put("token", token(p.getSubject().getToken()));
    }
    ObjectNode channels = o.putObject("input_channels");
    ObjectNode system = channels.putObject("system");
    system.put("hash", p.getInputChannels().getSystem().getHash());
    system.put("policy_hash", p.getInputChannels().getSystem().getPolicyHash());
    if (p.getInputChannels().getUser() != null) {
      content(channels.putObject("user"), p.getInputChannels().getUser());
    }
    ArrayNode retrieved = channels.putArray("retrieved");
    for (RetrievedContent r : p.getInputChannels().getRetrieved()) {
      ObjectNode ro = retrieved.addObject();
      ro.put("receipt_id", r.getReceiptId());
      ro.put("content_hash", r.getContentHash());
      ro.put("quoted", r.getQuoted());
      strings(ro.putArray("labels"), r.getLabels());
    }
    ArrayNode files = channels.putArray("file");
    for (ContentRef f : p.getInputChannels().getFile()) {
      content(files.addObject(), f);
    }
    ArrayNode steps = o.putArray("steps");
    for (PlanStep s : p.getSteps()) {
      ObjectNode so = steps.addObject();
      so.put("tool", s.getTool());
      ObjectNode args = so.putObject("args");
      s.getArgs().forEach((k, v) -> args.put(k.toString(), v.toString()));
      strings(so.putArray("caps_required"), s.getCapsRequired());
      if (s.getResource() != null) {
        so.put("resource", s.getResource());
      }
      so.put("effect", s.getEffect().name());
      strings(so.putArray("labels_in"), s.getLabelsIn());
      strings(so.putArray("labels_out"), s.getLabelsOut());
      ArrayNode receipts = so.putArray("receipts");
      for (AccessReceipt r : s.getReceipts()) {
        receipts.add(base64(encode(r)));
      }
    }
    ObjectNode c = o.putObject("constraints");
    c.put("budget", p.getConstraints().getBudget());
    c.put("pii", p.getConstraints().getPii());
    c.put("dp_epsilon", p.getConstraints().getDpEpsilon());
    c.put("dp_delta", p.getConstraints().getDpDelta());
    c.put("latency_max", p.getConstraints().getLatencyMax());
    o.put("system_prompt_hash", p.getSystemPromptHash());
    o.put("created_at", epochSeconds(p.getCreatedAt()));
    o.put("expires_at", epochSeconds(p.getExpiresAt()));
    return o;
  }

  private ObjectNode retrieval(RetrievalRequest r) {
    ObjectNode o = envelope(r.getRequestId(), r.getSessionId());
    o.put("tenant", r.getTenant());
    o.put("subject_id", r.getSubjectId());
    if (r.getToken() != null) {
      o.put("token", token(r.getToken()));
    }
    o.put("query", r.getQuery());
    strings(o.putArray("requested_labels"), r.getRequestedLabels());
    o.put("index_shard", r.getIndexShard());
    o.put("dp_epsilon", r.getDpEpsilon());
    o.put("dp_delta", r.getDpDelta());
    return o;
  }

  private static ObjectNode egress(EgressRequest e) {
    ObjectNode o = envelope(e.getRequestId(), e.getSessionId());
    o.put("tenant", e.getTenant());
    o.put("subject_id", e.getSubjectId());
    o.put("text", e.getText());
    if (e.getPolicyId() != null) {
      o.put("policy_id", e.getPolicyId());
    }
    return o;
  }

  private static ObjectNode envelope(String requestId, String sessionId) {
    ObjectNode o = JSON.createObjectNode();
    o.put("request_id", requestId);
    o.put("session_id", sessionId);
    return o;
  }

  private static void content(ObjectNode o, ContentRef c) {
    o.put("content_hash", c.getContentHash());
    o.put("quoted", c.getQuoted());
  }

  private static void strings(ArrayNode a, List<? extends CharSequence> values) {
    if (values != null) {
      values.forEach(v -> a.add(v.toString()));
    }
  }

  private String token(CapabilityToken t) {
    return encodedTokens.computeIfAbsent(
        t.getTokenId() + "/" + t.getKeyId() + "/" + t.getSignature().hashCode(),
        id -> base64(encode(t)));
  }

  private static double epochSeconds(Instant t) {
    return t.toEpochMilli() / 1000.0;
  }

  private static ByteBuffer encode(SpecificRecord r) {
    try {
      if (r instanceof CapabilityToken t) {
        return t.toByteBuffer();
      }
      return ((AccessReceipt) r).toByteBuffer();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String base64(ByteBuffer b) {
    return Base64.getEncoder().encodeToString(Bytes.toArray(b));
  }
}
