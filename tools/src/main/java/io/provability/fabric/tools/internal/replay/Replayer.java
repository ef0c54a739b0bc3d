package io.provability.fabric.tools.internal.replay;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.EgressCertificate;
import io.provability.fabric.events.Reason;
import io.provability.fabric.processors.decide.RequestDecider;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.schemas.bytes.Bytes;
import io.provability.fabric.schemas.hash.CanonicalEncoding;
import io.provability.fabric.schemas.hash.Hex;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;

/**
 * Re-decides recorded requests and compares. The re-decision is the live decider's own function of
 * (request, token, policy state, time) with time set to each decision's recorded {@code
 * decided_at}; nothing else is read, so the same policy state gives the same decisions.
 *
 * <p>Compared are the fields a decision is made of: ids, tenant, subject, kind, verdict, reasons
 * (code, step, detail), matched capabilities, token, policy version, decision time, request hash,
 * redacted text, the access receipt, and the egress certificate except its {@code
 * processing_micros} and the signature over them. Not compared: {@code eval_micros} and {@code
 * processing_micros}, which measure how long the evaluation took.
 *
 * <p>Retrieval decisions depend on the session's privacy spend so far: replay rebuilds it by
 * re-deciding, before the range, the session's earlier retrievals it is given (warm-up), then the
 * range's in decision order. A session whose earlier requests cannot be found starts from a lower
 * spend than it did live; the report counts them (see {@code docs/audit.md}).
 */
public final class Replayer {
  private static final int EXAMPLES = 20;

  private final RequestDecider decider;

  /**
   * @param decider the deciders, built from the same keys and settings as the live topology
   */
  public Replayer(RequestDecider decider) {
    this.decider = decider;
  }

  /** Where a request was found. */
  public record Found(SpecificRecord request, String source) {}

  /**
   * Replays.
   *
   * @param from range start, for the report
   * @param to range end, for the report
   * @param recorded the recorded decisions
   * @param requests the request of a request id and where it came from; null when unavailable
   * @param policy the policy state to decide under
   * @param policyDescription for the report
   * @param output receives every replayed decision, in decision order
   * @return the report
   */
  public ReplayReport replay(
      Instant from,
      Instant to,
      List<Decision> recorded,
      Function<String, Found> requests,
      PolicyView policy,
      String policyDescription,
      Consumer<ReplayedDecision> output) {
    return replay(from, to, List.of(), recorded, requests, policy, policyDescription, output);
  }

  /**
   * Replays, after re-deciding {@code warmUp} — the allowed retrievals of the replayed sessions
   * decided before the range — only to rebuild each session's privacy spend as it stood when the
   * range began (under the replay's policy). Warm-up decisions are neither compared nor written.
   *
   * @param warmUp decisions before the range whose requests rebuild session state, in any order
   * @see #replay(Instant, Instant, List, Function, PolicyView, String, Consumer)
   */
  public ReplayReport replay(
      Instant from,
      Instant to,
      List<Decision> warmUp,
      List<Decision> recorded,
      Function<String, Found> requests,
      PolicyView policy,
      String policyDescription,
      Consumer<ReplayedDecision> output) {
    long started = System.nanoTime();
    Replay replay = new Replay(requests, policy, output);
    replay.warmUp(warmUp);
    for (Decision rec : inDecisionOrder(recorded)) {
      replay.replayOne(rec);
    }
    return replay.report(from, to, policyDescription, recorded.size(), started);
  }

  private static List<Decision> inDecisionOrder(List<Decision> decisions) {
    List<Decision> ordered = new ArrayList<>(decisions);
    ordered.sort(
        Comparator.comparing(Decision::getDecidedAt).thenComparing(Decision::getDecisionId));
    return ordered;
  }

  /**
   * One replay: the sessions' privacy spend, rebuilt by the warm-up and carried through the range,
   * and the counts, reasons and examples of the report.
   */
  private final class Replay {
    private final Function<String, Found> requests;
    private final PolicyView policy;
    private final Consumer<ReplayedDecision> output;
    private final Map<String, PrivacySpend> spend = new HashMap<>();
    private final Map<String, Long> byReason = new TreeMap<>();
    private final List<String> examples = new ArrayList<>();
    private final Map<String, Long> sources = new HashMap<>();
    private long warmedUp;
    private long warmUpMissing;
    private long replayed;
    private long same;
    private long different;
    private long unavailable;

    Replay(Function<String, Found> requests, PolicyView policy, Consumer<ReplayedDecision> output) {
      this.requests = requests;
      this.policy = policy;
      this.output = output;
    }

    /** Re-decides the earlier decisions only for the spend they leave; a missing one is counted. */
    void warmUp(List<Decision> warmUp) {
      for (Decision rec : inDecisionOrder(warmUp)) {
        Found found = requests.apply(rec.getRequestId());
        if (found == null) {
          warmUpMissing++;
          continue;
        }
        RequestDecider.Decided outcome = decide(found, rec);
        if (!Arrays.equals(
            Bytes.toArray(outcome.decision().getRequestHash()),
            Bytes.toArray(rec.getRequestHash()))) {
          warmUpMissing++;
          continue;
        }
        warmedUp++;
        if (outcome.sessionSpend() != null) {
          spend.put(outcome.sessionKey(), outcome.sessionSpend());
        }
      }
    }

    /** Re-decides one recorded decision of the range, compares and writes the result. */
    void replayOne(Decision rec) {
      Found found = requests.apply(rec.getRequestId());
      if (found == null) {
        unavailable++;
        output.accept(new ReplayedDecision(rec, null, "unavailable", List.of("request not found")));
        return;
      }
      RequestDecider.Decided outcome = decide(found, rec);
      Decision again = outcome.decision();
      // the decider hashes the canonical request anyway: a request that is not the recorded
      // input is set aside, not counted as a difference (and its spend is not kept)
      byte[] hash = Bytes.toArray(again.getRequestHash());
      if (!Arrays.equals(hash, Bytes.toArray(rec.getRequestHash()))) {
        unavailable++;
        String why =
            "the "
                + found.source()
                + " request "
                + rec.getRequestId()
                + " hashes to "
                + Hex.encode(hash)
                + ", the recorded decision to "
                + Hex.encode(Bytes.toArray(rec.getRequestHash()));
        output.accept(new ReplayedDecision(rec, null, found.source(), List.of(why)));
        if (examples.size() < EXAMPLES) {
          examples.add(rec.getDecisionId() + ": input differs: " + why);
        }
        return;
      }
      sources.merge(found.source(), 1L, Long::sum);
      if (outcome.sessionSpend() != null) {
        spend.put(outcome.sessionKey(), outcome.sessionSpend());
      }
      replayed++;
      List<String> diffs = differences(rec, again);
      if (diffs.isEmpty()) {
        same++;
      } else {
        different++;
        reasons(rec, again, diffs).forEach(r -> byReason.merge(r, 1L, Long::sum));
        if (examples.size() < EXAMPLES) {
          examples.add(
              rec.getDecisionId() + " (" + rec.getSessionId() + "): " + String.join("; ", diffs));
        }
      }
      output.accept(new ReplayedDecision(rec, again, found.source(), diffs));
    }

    /** The live decider at the recorded decision time, with the session's spend so far. */
    private RequestDecider.Decided decide(Found found, Decision rec) {
      return decider.decide(
          found.request(),
          policy,
          session -> spend.getOrDefault(session, PrivacySpend.ZERO),
          rec.getDecidedAt());
    }

    ReplayReport report(
        Instant from, Instant to, String policyDescription, int recorded, long started) {
      return new ReplayReport(
          from,
          to,
          policyDescription,
          recorded,
          replayed,
          same,
          different,
          unavailable,
          sources.getOrDefault("kafka", 0L),
          sources.getOrDefault("log", 0L),
          warmedUp,
          warmUpMissing,
          byReason,
          examples,
          null,
          Duration.ofNanos(System.nanoTime() - started));
    }
  }

  /** The decision-relevant differences of a replayed decision from the recorded one. */
  public static List<String> differences(Decision rec, Decision again) {
    List<String> d = new ArrayList<>();
    diff(d, "decision_id", rec.getDecisionId(), again.getDecisionId());
    diff(d, "request_id", rec.getRequestId(), again.getRequestId());
    diff(d, "session_id", rec.getSessionId(), again.getSessionId());
    diff(d, "tenant", rec.getTenant(), again.getTenant());
    diff(d, "subject_id", rec.getSubjectId(), again.getSubjectId());
    diff(d, "kind", rec.getKind(), again.getKind());
    diff(d, "verdict", rec.getVerdict(), again.getVerdict());
    diff(d, "reasons", reasonList(rec), reasonList(again));
    diff(
        d,
        "matched_capabilities",
        strings(rec.getMatchedCapabilities()),
        strings(again.getMatchedCapabilities()));
    diff(d, "token_id", str(rec.getTokenId()), str(again.getTokenId()));
    diff(d, "policy_version", rec.getPolicyVersion(), again.getPolicyVersion());
    diff(d, "decided_at", rec.getDecidedAt(), again.getDecidedAt());
    diff(
        d,
        "request_hash",
        Hex.encode(Bytes.toArray(rec.getRequestHash())),
        Hex.encode(Bytes.toArray(again.getRequestHash())));
    diff(d, "redacted_text", str(rec.getRedactedText()), str(again.getRedactedText()));
    diff(d, "receipt", receipt(rec.getReceipt()), receipt(again.getReceipt()));
    diff(d, "certificate", certificate(rec.getCertificate()), certificate(again.getCertificate()));
    return d;
  }

  /**
   * What changed, as counting keys: verdict transition, reason codes added and removed, other
   * fields.
   */
  private static Set<String> reasons(Decision rec, Decision again, List<String> diffs) {
    Set<String> out = new LinkedHashSet<>();
    if (rec.getVerdict() != again.getVerdict()) {
      out.add("verdict " + rec.getVerdict() + "->" + again.getVerdict());
    }
    Set<String> before = new LinkedHashSet<>();
    rec.getReasons().forEach(r -> before.add(r.getCode().toString()));
    Set<String> after = new LinkedHashSet<>();
    again.getReasons().forEach(r -> after.add(r.getCode().toString()));
    after.stream().filter(c -> !before.contains(c)).forEach(c -> out.add("+" + c));
    before.stream().filter(c -> !after.contains(c)).forEach(c -> out.add("-" + c));
    for (String diff : diffs) {
      String field = diff.substring(0, diff.indexOf(':'));
      if (!field.equals("verdict") && !field.equals("reasons")) {
        out.add("field " + field);
      }
    }
    if (out.isEmpty()) {
      out.add("reason details");
    }
    return out;
  }

  private static void diff(List<String> out, String field, Object recorded, Object replayed) {
    if (!Objects.equals(recorded, replayed)) {
      out.add(field + ": recorded " + recorded + ", replayed " + replayed);
    }
  }

  private static List<String> reasonList(Decision d) {
    List<String> out = new ArrayList<>(d.getReasons().size());
    for (Reason r : d.getReasons()) {
      out.add(
          r.getCode()
              + (r.getStep() == null ? "" : "@" + r.getStep())
              + " ("
              + r.getDetail()
              + ")");
    }
    return out;
  }

  private static List<String> strings(List<? extends CharSequence> values) {
    return values.stream().map(CharSequence::toString).toList();
  }

  private static String str(CharSequence s) {
    return s == null ? null : s.toString();
  }

  private static String receipt(AccessReceipt r) {
    return r == null ? null : Hex.encode(CanonicalEncoding.sha256(r));
  }

  private static String certificate(EgressCertificate c) {
    if (c == null) {
      return null;
    }
    // processing_micros measures the scan and the signature covers it: neither can be replayed
    EgressCertificate comparable =
        EgressCertificate.newBuilder(c)
            .setProcessingMicros(0L)
            .setSignature(ByteBuffer.allocate(0))
            .build();
    return Hex.encode(CanonicalEncoding.sha256(comparable));
  }
}
