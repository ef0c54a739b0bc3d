package io.provability.fabric.processors.egress;

import io.provability.fabric.events.EgressCertificate;
import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The egress firewall: scans a request's outgoing text, applies the selected {@link EgressPolicy}
 * and returns a verdict with a signed {@link EgressCertificate}. Pure (no I/O) and thread-safe.
 *
 * <p>Verdicts: BLOCK if any finding's rule says BLOCK; else REDACT if any says REDACT (the text
 * comes back with those spans replaced); else ALLOW. DENY, still with a certificate, when the text
 * is over the policy's {@code max_text_bytes} ({@code EGRESS_TEXT_TOO_LARGE}), is not well-formed
 * Unicode ({@code EGRESS_TEXT_MALFORMED}), the request is incomplete ({@code
 * EGRESS_MALFORMED_REQUEST}), its {@code policy_id} names no policy ({@code
 * EGRESS_UNKNOWN_POLICY}), or the check itself failed ({@code EGRESS_INTERNAL_ERROR}).
 *
 * <p>Hazard: reasons and certificates never contain matched text, but the REDACT text does contain
 * every finding the policy ALLOWs or that fell below its rule's confidence.
 */
public final class EgressFirewall {
  /** At most this many per-finding reasons are listed; the rest are summarised in one reason. */
  public static final int MAX_FINDING_REASONS = 100;

  private final EgressPolicies policies;
  private final Ed25519.SigningKey certificateKey;
  private final LongSupplier nanoTicker;
  private final Function<String, List<Finding>> scanner;

  /** A firewall that times checks with {@link System#nanoTime()}. */
  public EgressFirewall(EgressPolicies policies, Ed25519.SigningKey certificateKey) {
    this(policies, certificateKey, System::nanoTime);
  }

  /** A firewall with an injected monotonic nanosecond ticker (tests make processing time fixed). */
  public EgressFirewall(
      EgressPolicies policies, Ed25519.SigningKey certificateKey, LongSupplier nanoTicker) {
    this(policies, certificateKey, nanoTicker, new EgressScanner()::scan);
  }

  /**
   * A firewall whose scans go through {@code scanner}: an {@link EgressScanner}, or the hot tier's
   * cache of scan results by content hash in front of one (the findings of a text never change).
   */
  public EgressFirewall(
      EgressPolicies policies,
      Ed25519.SigningKey certificateKey,
      LongSupplier nanoTicker,
      Function<String, List<Finding>> scanner) {
    this.policies = Objects.requireNonNull(policies, "policies");
    this.certificateKey = Objects.requireNonNull(certificateKey, "certificateKey");
    this.nanoTicker = Objects.requireNonNull(nanoTicker, "nanoTicker");
    this.scanner = Objects.requireNonNull(scanner, "scanner");
  }

  /** Never throws, whatever the text. */
  public EgressOutcome check(EgressRequest request, Instant now) {
    long started = nanoTicker.getAsLong();
    try {
      return decide(request, now, started);
    } catch (RuntimeException e) {
      Reason reason = reason("EGRESS_INTERNAL_ERROR", e.getClass().getSimpleName());
      return deny(request, now, started, "", "", List.of(reason));
    }
  }

  private EgressOutcome decide(EgressRequest request, Instant now, long started) {
    if (request == null
        || request.getText() == null
        || request.getRequestId() == null
        || now == null) {
      return deny(
          request,
          now,
          started,
          "",
          "",
          List.of(
              reason(
                  "EGRESS_MALFORMED_REQUEST",
                  "request, request_id, text and the check time are required")));
    }
    String text = request.getText();
    Optional<EgressPolicy> selected = policies.select(request.getTenant(), request.getPolicyId());
    if (selected.isEmpty()) {
      return deny(
          request,
          now,
          started,
          textHash(text),
          "",
          List.of(
              reason(
                  "EGRESS_UNKNOWN_POLICY",
                  "no egress policy named " + clip(request.getPolicyId()))));
    }
    EgressPolicy policy = selected.get();
    long utf8 = utf8Length(text);
    if (utf8 < 0) {
      return deny(
          request,
          now,
          started,
          textHash(text),
          policy.hash(),
          List.of(
              reason("EGRESS_TEXT_MALFORMED", "unpaired UTF-16 surrogate at char " + (-utf8 - 1))));
    }
    if (utf8 > policy.maxTextBytes()) {
      return deny(
          request,
          now,
          started,
          textHash(text),
          policy.hash(),
          List.of(
              reason(
                  "EGRESS_TEXT_TOO_LARGE",
                  utf8
                      + " UTF-8 bytes > max_text_bytes "
                      + policy.maxTextBytes()
                      + " of policy "
                      + policy.name())));
    }

    List<Finding> findings = scanner.apply(text);
    Map<String, Integer> counts = new TreeMap<>();
    List<Finding> blocked = new ArrayList<>();
    List<Finding> redacted = new ArrayList<>();
    for (Finding f : findings) {
      counts.merge(f.type().name(), 1, Integer::sum);
      EgressPolicy.Rule rule = policy.rule(f.type());
      if (f.confidence() >= rule.minConfidence()) {
        if (rule.action() == PolicyAction.BLOCK) {
          blocked.add(f);
        } else if (rule.action() == PolicyAction.REDACT) {
          redacted.add(f);
        }
      }
    }
    Verdict verdict;
    List<Reason> reasons;
    String redactedText = null;
    int redactionCount = 0;
    if (!blocked.isEmpty()) {
      verdict = Verdict.BLOCK;
      reasons = findingReasons("EGRESS_BLOCKED_", blocked);
    } else if (!redacted.isEmpty()) {
      verdict = Verdict.REDACT;
      reasons = findingReasons("EGRESS_REDACTED_", redacted);
      redactedText = redact(text, redacted);
      redactionCount = redacted.size();
    } else {
      verdict = Verdict.ALLOW;
      reasons = List.of();
    }
    EgressCertificate cert =
        certificate(
            request, now, started, textHash(text), counts, verdict, redactionCount, policy.hash());
    return new EgressOutcome(verdict, reasons, redactedText, cert);
  }

  private static List<Reason> findingReasons(String prefix, List<Finding> findings) {
    List<Reason> out = new ArrayList<>(Math.min(findings.size(), MAX_FINDING_REASONS) + 1);
    for (int i = 0; i < findings.size() && i < MAX_FINDING_REASONS; i++) {
      Finding f = findings.get(i);
      out.add(reason(prefix + f.type().name(), f.type().name() + " at " + f.describe()));
    }
    if (findings.size() > MAX_FINDING_REASONS) {
      out.add(
          reason(
              "EGRESS_FINDINGS_TRUNCATED",
              (findings.size() - MAX_FINDING_REASONS) + " more findings not listed"));
    }
    return out;
  }

  /** Replaces each finding's span (sorted, non-overlapping) with its type's label. */
  static String redact(String text, List<Finding> findings) {
    StringBuilder out = new StringBuilder(text.length());
    int at = 0;
    for (Finding f : findings) {
      out.append(text, at, f.start()).append(f.type().redactionLabel());
      at = f.end();
    }
    return out.append(text, at, text.length()).toString();
  }

  private EgressOutcome deny(
      EgressRequest request,
      Instant now,
      long started,
      String textHash,
      String policyHash,
      List<Reason> reasons) {
    EgressCertificate cert =
        certificate(request, now, started, textHash, Map.of(), Verdict.DENY, 0, policyHash);
    return new EgressOutcome(Verdict.DENY, reasons, null, cert);
  }

  private EgressCertificate certificate(
      EgressRequest request,
      Instant now,
      long started,
      String textHash,
      Map<String, Integer> counts,
      Verdict verdict,
      int redactions,
      String policyHash) {
    String requestId =
        request == null || request.getRequestId() == null ? "" : request.getRequestId();
    Instant issued = now == null ? Instant.EPOCH : now.truncatedTo(ChronoUnit.MILLIS);
    long micros = Math.max(0, (nanoTicker.getAsLong() - started) / 1_000);
    EgressCertificate unsigned =
        EgressCertificate.newBuilder()
            .setCertificateId(certificateId(requestId))
            .setRequestId(requestId)
            .setTextHash(textHash)
            .setDetectorCounts(new TreeMap<>(counts))
            .setAction(verdict.name())
            .setRedactionCount(redactions)
            .setPolicyHash(policyHash)
            .setProcessingMicros(micros)
            .setIssuedAt(issued)
            .setKeyId(certificateKey.keyId())
            .setSignature(ByteBuffer.allocate(0))
            .build();
    return CertificateSigning.sign(unsigned, certificateKey);
  }

  /** Derived from the request id, so a replayed request gets the same certificate id. */
  static String certificateId(String requestId) {
    byte[] digest =
        Sha256.digest(("egress-certificate\0" + requestId).getBytes(StandardCharsets.UTF_8));
    return "egc-" + Hex.encode(digest).substring(0, 32);
  }

  /**
   * Lower-case hex SHA-256 of the text's UTF-8 bytes; for text that is not well-formed UTF-16
   * (which UTF-8 cannot carry) {@code utf16be:} followed by the SHA-256 of its UTF-16BE code units.
   */
  static String textHash(String text) {
    if (utf8Length(text) < 0) {
      return "utf16be:" + Hex.encode(Sha256.digest(text.getBytes(StandardCharsets.UTF_16BE)));
    }
    return Hex.encode(Sha256.digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** UTF-8 length without allocating, or {@code -(index + 1)} of the first unpaired surrogate. */
  static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          n += 4;
          i++;
        } else {
          return -(i + 1L);
        }
      } else if (Character.isLowSurrogate(c)) {
        return -(i + 1L);
      } else {
        n += 3;
      }
    }
    return n;
  }

  private static String clip(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }

  private static Reason reason(String code, String detail) {
    return Reason.newBuilder().setCode(code).setStep(null).setDetail(detail).build();
  }
}
