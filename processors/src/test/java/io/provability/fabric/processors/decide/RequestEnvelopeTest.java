package io.provability.fabric.processors.decide;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.DeadLetter;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.Subject;
import io.provability.fabric.processors.decide.internal.DecisionIds;
import io.provability.fabric.processors.retrieval.SessionKey;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class RequestEnvelopeTest {
  private static final Instant AT = Instant.parse("2026-11-27T12:00:00Z");

  @Test
  void readsTheSameFieldsFromEveryKind() {
    PlanRequest plan = new PlanRequest();
    plan.setRequestId("r-1");
    plan.setSessionId("s-1");
    plan.setTenant("t");
    plan.setRequestedAt(AT);
    Subject subject = new Subject();
    subject.setId("agent");
    plan.setSubject(subject);
    RetrievalRequest retrieval = new RetrievalRequest();
    retrieval.setRequestId("r-1");
    retrieval.setSessionId("s-1");
    retrieval.setTenant("t");
    retrieval.setSubjectId("agent");
    retrieval.setRequestedAt(AT);
    EgressRequest egress = new EgressRequest();
    egress.setRequestId("r-1");
    egress.setSessionId("s-1");
    egress.setTenant("t");
    egress.setSubjectId("agent");
    egress.setRequestedAt(AT);

    assertThat(RequestEnvelope.of((SpecificRecord) plan))
        .isEqualTo(new RequestEnvelope(RequestKind.PLAN, "r-1", "s-1", "t", "agent", AT));
    assertThat(RequestEnvelope.of((SpecificRecord) retrieval))
        .isEqualTo(new RequestEnvelope(RequestKind.RETRIEVAL, "r-1", "s-1", "t", "agent", AT));
    assertThat(RequestEnvelope.of((SpecificRecord) egress))
        .isEqualTo(new RequestEnvelope(RequestKind.EGRESS, "r-1", "s-1", "t", "agent", AT));
    assertThat(RequestEnvelope.of(new DeadLetter())).isNull();
    plan.setSubject(null);
    assertThat(RequestEnvelope.of(plan).subjectId()).isNull();
  }

  @Test
  void namesTheFirstBlankFieldInOrder() {
    assertThat(new RequestEnvelope(RequestKind.PLAN, " ", null, null, null, AT).firstBlank())
        .isEqualTo("request_id");
    assertThat(new RequestEnvelope(RequestKind.PLAN, "r", "", null, null, AT).firstBlank())
        .isEqualTo("session_id");
    assertThat(new RequestEnvelope(RequestKind.PLAN, "r", "s", null, "a", AT).firstBlank())
        .isEqualTo("tenant");
    assertThat(new RequestEnvelope(RequestKind.PLAN, "r", "s", "t", null, AT).firstBlank())
        .isEqualTo("subject id");
    assertThat(new RequestEnvelope(RequestKind.PLAN, "r", "s", "t", "a", AT).firstBlank()).isNull();
  }

  @Test
  void identifiesADecisionAndKeysItsSession() {
    RequestEnvelope envelope =
        new RequestEnvelope(RequestKind.EGRESS, "r-1", "s-1", "t", "agent", AT);
    Decision.Builder d = envelope.identify(Decision.newBuilder());
    assertThat(d.getDecisionId()).isEqualTo(DecisionIds.forRequest("r-1"));
    assertThat(d.getRequestId()).isEqualTo("r-1");
    assertThat(d.getSessionId()).isEqualTo("s-1");
    assertThat(d.getTenant()).isEqualTo("t");
    assertThat(d.getSubjectId()).isEqualTo("agent");
    assertThat(d.getKind()).isEqualTo(RequestKind.EGRESS);
    assertThat(envelope.sessionKey()).isEqualTo(SessionKey.of("t", "s-1"));
  }
}
