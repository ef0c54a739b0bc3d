package io.provability.fabric.topology.http;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EgressCertificate;
import io.provability.fabric.events.Reason;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.hash.Hex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/** The front door's JSON form of a {@link Decision}. */
public final class DecisionJson {
  static final JsonMapper JSON = JsonMapper.builder().build();

  private DecisionJson() {}

  /** The decision as the front door answers it (and {@code fabric kernel eval} prints it). */
  public static ObjectNode of(Decision d) {
    ObjectNode o = JSON.createObjectNode();
    o.put("request_id", d.getRequestId());
    o.put("decision_id", d.getDecisionId());
    o.put("session_id", d.getSessionId());
    o.put("kind", d.getKind().name());
    o.put("verdict", d.getVerdict().name());
    ArrayNode reasons = o.putArray("reasons");
    for (Reason r : d.getReasons()) {
      ObjectNode ro = reasons.addObject();
      ro.put("code", r.getCode());
      if (r.getStep() != null) {
        ro.put("step", r.getStep());
      }
      ro.put("detail", r.getDetail());
      // the structured fields, when the reason concerns one: programs read these, not the detail
      putIfSet(ro, "capability", r.getCapability());
      putIfSet(ro, "resource", r.getResource());
      putIfSet(ro, "label", r.getLabel());
      putIfSet(ro, "receipt_id", r.getReceiptId());
    }
    ArrayNode caps = o.putArray("matched_capabilities");
    d.getMatchedCapabilities().forEach(caps::add);
    if (d.getTokenId() != null) {
      o.put("token_id", d.getTokenId());
    }
    o.put("policy_version", d.getPolicyVersion());
    o.put("decided_at", d.getDecidedAt().toString());
    o.put("eval_micros", d.getEvalMicros());
    o.put("request_hash", Hex.encode(Bytes.toArray(d.getRequestHash())));
    AccessReceipt receipt = d.getReceipt();
    if (receipt != null) {
      // the receipt travels back into plans as it is: base64 of its Avro single-object encoding
      o.put("receipt", base64(receiptBytes(receipt)));
      o.put("receipt_id", receipt.getReceiptId());
    }
    EgressCertificate cert = d.getCertificate();
    if (cert != null) {
      ObjectNode c = o.putObject("certificate");
      c.put("certificate_id", cert.getCertificateId());
      c.put("action", cert.getAction());
      c.put("text_hash", cert.getTextHash());
      c.put("redaction_count", cert.getRedactionCount());
      ObjectNode counts = c.putObject("detector_counts");
      cert.getDetectorCounts().forEach(counts::put);
      c.put("policy_hash", cert.getPolicyHash());
      c.put("key_id", cert.getKeyId());
      c.put("signature", base64(Bytes.toArray(cert.getSignature())));
    }
    if (d.getRedactedText() != null) {
      o.put("redacted_text", d.getRedactedText());
    }
    return o;
  }

  private static void putIfSet(ObjectNode o, String field, String value) {
    if (value != null) {
      o.put(field, value);
    }
  }

  private static byte[] receiptBytes(AccessReceipt r) {
    try {
      return Bytes.toArray(r.toByteBuffer());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String base64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }
}
