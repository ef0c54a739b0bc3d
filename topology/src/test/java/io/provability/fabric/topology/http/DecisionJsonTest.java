package io.provability.fabric.topology.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The front door's answer carries every reason's structured fields, not only its text. */
class DecisionJsonTest {
  @Test
  void reasonsCarryTheirStructuredFieldsWhenSet() {
    Decision d =
        Decision.newBuilder()
            .setDecisionId("d-1")
            .setRequestId("r-1")
            .setSessionId("s-1")
            .setTenant("acme")
            .setSubjectId("agent-7")
            .setKind(RequestKind.PLAN)
            .setVerdict(Verdict.DENY)
            .setReasons(
                List.of(
                    Reason.newBuilder()
                        .setCode("LABEL_FLOW")
                        .setStep(2)
                        .setDetail("internal reaches send_email")
                        .setLabel("internal")
                        .setCapability("send_email")
                        .build(),
                    Reason.newBuilder()
                        .setCode("RECEIPT_INVALID")
                        .setStep(0)
                        .setDetail("bad signature")
                        .setReceiptId("rcpt-1")
                        .build(),
                    Reason.newBuilder()
                        .setCode("RESOURCE_OUT_OF_SCOPE")
                        .setStep(1)
                        .setDetail("x")
                        .setCapability("read_docs")
                        .setResource("acme/wiki/a")
                        .build()))
            .setPolicyVersion(1)
            .setDecidedAt(Instant.parse("2026-11-27T12:00:00Z"))
            .setEvalMicros(3)
            .setRequestHash(ByteBuffer.wrap(new byte[32]))
            .build();

    JsonNode reasons = DecisionJson.of(d).get("reasons");

    assertThat(reasons.get(0).get("label").asText()).isEqualTo("internal");
    assertThat(reasons.get(0).get("capability").asText()).isEqualTo("send_email");
    assertThat(reasons.get(0).get("step").asInt()).isEqualTo(2);
    assertThat(reasons.get(0).has("resource")).isFalse();
    assertThat(reasons.get(1).get("receipt_id").asText()).isEqualTo("rcpt-1");
    assertThat(reasons.get(2).get("resource").asText()).isEqualTo("acme/wiki/a");
    assertThat(reasons.get(2).get("capability").asText()).isEqualTo("read_docs");
  }
}
