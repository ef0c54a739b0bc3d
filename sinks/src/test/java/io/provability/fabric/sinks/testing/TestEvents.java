package io.provability.fabric.sinks.testing;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.RequestKind;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.hash.Sha256;
import io.provability.fabric.schemas.serde.EventCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/** Deterministic decisions and log entries for tests. */
public final class TestEvents {

  private static final EventCodec CODEC = EventCodec.standard();

  private TestEvents() {}

  /**
   * @param i sequence number (makes the ids)
   * @param decidedAt decision time
   * @return a decision; even numbers ALLOW, odd numbers DENY with two reasons
   */
  public static Decision decision(int i, Instant decidedAt) {
    return decision("tenant-" + (i % 3), "session-" + (i % 10), i, decidedAt);
  }

  /**
   * @param tenant tenant
   * @param session session id
   * @param i sequence number (makes the ids)
   * @param decidedAt decision time
   * @return a decision
   */
  public static Decision decision(String tenant, String session, int i, Instant decidedAt) {
    boolean allow = i % 2 == 0;
    List<Reason> reasons =
        allow
            ? List.of()
            : List.of(
                Reason.newBuilder()
                    .setCode("CAP_MISS")
                    .setStep(0)
                    .setDetail("no capability \"send\"")
                    .build(),
                Reason.newBuilder()
                    .setCode("RESOURCE_OUT_OF_SCOPE")
                    .setStep(null)
                    .setDetail("s3://x/{a,b}")
                    .build());
    return Decision.newBuilder()
        .setDecisionId("dec-" + i)
        .setRequestId("req-" + i)
        .setSessionId(session)
        .setTenant(tenant)
        .setSubjectId("agent-" + (i % 7))
        .setKind(RequestKind.PLAN)
        .setVerdict(allow ? Verdict.ALLOW : Verdict.DENY)
        .setReasons(reasons)
        .setMatchedCapabilities(allow ? List.of("read:docs") : List.of())
        .setTokenId(i % 5 == 0 ? null : "tok-" + (i % 5))
        .setPolicyVersion(42)
        .setDecidedAt(decidedAt)
        .setEvalMicros(100 + i)
        .setRequestHash(
            ByteBuffer.wrap(Sha256.digest(("req-" + i).getBytes(StandardCharsets.UTF_8))))
        .build();
  }

  /**
   * @return the decision's single-object bytes
   */
  public static byte[] encode(Decision d) {
    return CODEC.encode(d);
  }

  /**
   * The inline log entry the decider would emit for a decision of {@link #decision}: its request is
   * the request id's bytes, which is what the decision's request hash is computed over.
   */
  public static byte[] entry(Decision d) {
    return LogEntry.inline(encode(d), d.getRequestId().getBytes(StandardCharsets.UTF_8)).encode();
  }
}
