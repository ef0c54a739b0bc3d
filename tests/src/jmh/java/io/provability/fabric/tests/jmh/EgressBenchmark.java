package io.provability.fabric.tests.jmh;

import io.provability.fabric.events.EgressRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.egress.EgressFirewall;
import io.provability.fabric.processors.egress.EgressOutcome;
import io.provability.fabric.processors.egress.EgressPolicies;
import io.provability.fabric.processors.egress.EgressScanner;
import io.provability.fabric.processors.egress.Finding;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Egress scan throughput on one thread, for messages of 1 KiB and 64 KiB (UTF-8 bytes): {@code
 * scan} runs every detector ({@link EgressScanner}); {@code check} is the whole firewall step the
 * topology runs per egress request — scan, policy, redaction, SHA-256 of the text and an
 * Ed25519-signed certificate. Bytes per second = operations per second × {@code size}. The text is
 * ordinary mixed prose (English, German, Chinese), code and log lines with five findings per ~870
 * bytes (an e-mail, an IP address, a phone number, an IBAN, a card number), so the default policy
 * REDACTs; set-up fails if it does not.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class EgressBenchmark {
  /** Message size in UTF-8 bytes. */
  @Param({"1024", "65536"})
  public int size;

  private static final String[] BLOCKS = {
    "Hi team, the quarterly numbers are in and the dashboard has been refreshed. ",
    "Please reach out to carol.jones@example.com if anything looks off. ",
    "def handler(event, context):\n    return {\"status\": 200, \"body\": json.dumps(event)}\n",
    "2026-11-30T12:04:55Z INFO request served in 12 ms from 10.20.30.40 ",
    "The customer called from (415) 555-0132 about invoice 88412. ",
    "Überweisung bitte an DE89 3704 0044 0532 0130 00 bis Freitag. ",
    "Card on file: 4111 1111 1111 1111, expiry 12/29. ",
    "SELECT id, name FROM accounts WHERE created_at > now() - interval '7 days';\n",
    "Our meeting notes: shipping v2.10.0 next sprint, with the migration plan attached. ",
    "Ping me on chat when the deploy finishes; the runbook is in the wiki. ",
    "会议记录：下周发布新版本，请大家检查文档。 ",
    "The build at commit 3f786850e387550fdab836ed7e6dc881de23001b passed all checks. ",
  };

  private String text;
  private EgressScanner scanner;
  private EgressFirewall firewall;
  private EgressRequest request;
  private final Instant now = Instant.parse("2026-12-01T00:00:00Z");

  @Setup(Level.Trial)
  public void setUp() {
    StringBuilder sb = new StringBuilder(size + 128);
    int i = 0;
    while (sb.toString().getBytes(StandardCharsets.UTF_8).length < size) {
      sb.append(BLOCKS[i++ % BLOCKS.length]);
    }
    // trim to exactly `size` UTF-8 bytes without splitting a character
    while (sb.toString().getBytes(StandardCharsets.UTF_8).length > size) {
      sb.setLength(sb.length() - 1);
    }
    text = sb.toString();
    scanner = new EgressScanner();
    firewall =
        new EgressFirewall(
            EgressPolicies.defaults(),
            Ed25519.SigningKey.generate("bench-egress", new SecureRandom()));
    request =
        EgressRequest.newBuilder()
            .setRequestId("bench-1")
            .setSessionId("s-1")
            .setRequestedAt(now)
            .setTenant("acme")
            .setSubjectId("agent-1")
            .setText(text)
            .setPolicyId(null)
            .build();
    EgressOutcome first = firewall.check(request, now);
    if (first.verdict() != Verdict.REDACT) {
      throw new IllegalStateException(
          "expected REDACT for the benchmark text, got " + first.verdict() + " " + first.reasons());
    }
  }

  @Benchmark
  public List<Finding> scan() {
    return scanner.scan(text);
  }

  @Benchmark
  public EgressOutcome check() {
    return firewall.check(request, now);
  }
}
