package io.provability.fabric.sinks.decisionlog.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.Reason;
import io.provability.fabric.schemas.bytes.Bytes;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;

/** Turns a {@link Decision} into column values (shared by the INSERT and COPY paths). */
public final class DecisionRows {

  private static final JsonFactory JSON = new JsonFactory();
  private static final HexFormat HEX = HexFormat.of();

  private DecisionRows() {}

  public static String[] reasonCodes(Decision d) {
    List<Reason> reasons = d.getReasons();
    String[] codes = new String[reasons.size()];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = reasons.get(i).getCode();
    }
    return codes;
  }

  /**
   * {@code [{"code":"CAP_MISS","step":0,"detail":"...","capability":"send_email"}]}, in the
   * decision's order; {@code capability}, {@code resource}, {@code label} and {@code receipt_id}
   * only when the reason has them.
   */
  public static String reasonsJson(Decision d) {
    StringWriter out = new StringWriter(64 + 64 * d.getReasons().size());
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartArray();
      for (Reason r : d.getReasons()) {
        g.writeStartObject();
        g.writeStringField("code", r.getCode());
        if (r.getStep() == null) {
          g.writeNullField("step");
        } else {
          g.writeNumberField("step", r.getStep());
        }
        g.writeStringField("detail", r.getDetail());
        optional(g, "capability", r.getCapability());
        optional(g, "resource", r.getResource());
        optional(g, "label", r.getLabel());
        optional(g, "receipt_id", r.getReceiptId());
        g.writeEndObject();
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException("writing reasons as JSON failed", e);
    }
    return out.toString();
  }

  private static void optional(JsonGenerator g, String name, String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }

  /**
   * One CSV line for {@code COPY ... WITH (FORMAT csv)} in {@link DecisionLogWriter#COLUMNS} order.
   */
  public static void appendCsv(StringBuilder sb, LocalDate day, Decision d, byte[] event) {
    sb.append(day).append(',');
    quoted(sb, d.getDecisionId()).append(',');
    quoted(sb, d.getRequestId()).append(',');
    quoted(sb, d.getSessionId()).append(',');
    quoted(sb, d.getTenant()).append(',');
    quoted(sb, d.getSubjectId()).append(',');
    sb.append(d.getKind().name()).append(',');
    sb.append(d.getVerdict().name()).append(',');
    quoted(sb, arrayLiteral(List.of(reasonCodes(d)))).append(',');
    quoted(sb, reasonsJson(d)).append(',');
    quoted(sb, arrayLiteral(d.getMatchedCapabilities())).append(',');
    if (d.getTokenId() != null) {
      quoted(sb, d.getTokenId()); // an unquoted empty field is NULL in CSV
    }
    sb.append(',');
    sb.append(d.getPolicyVersion()).append(',');
    sb.append(d.getDecidedAt().atOffset(ZoneOffset.UTC)).append(',');
    sb.append(d.getEvalMicros()).append(',');
    sb.append("\\x").append(HEX.formatHex(Bytes.toArray(d.getRequestHash()))).append(',');
    sb.append("\\x").append(HEX.formatHex(event)).append('\n');
  }

  private static StringBuilder quoted(StringBuilder sb, String value) {
    sb.append('"');
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (ch == '"') {
        sb.append('"');
      }
      sb.append(ch);
    }
    return sb.append('"');
  }

  /** A PostgreSQL text[] literal: every element double-quoted, backslash and quote escaped. */
  private static String arrayLiteral(List<String> values) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append('"');
      String v = values.get(i);
      for (int j = 0; j < v.length(); j++) {
        char ch = v.charAt(j);
        if (ch == '"' || ch == '\\') {
          sb.append('\\');
        }
        sb.append(ch);
      }
      sb.append('"');
    }
    return sb.append('}').toString();
  }
}
