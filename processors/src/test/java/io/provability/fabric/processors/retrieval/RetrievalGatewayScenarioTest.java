package io.provability.fabric.processors.retrieval;

import static io.provability.fabric.processors.retrieval.RetrievalFixtures.FORGER;
import static io.provability.fabric.processors.retrieval.RetrievalFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.AccessReceipt;
import io.provability.fabric.events.CapabilityToken;
import io.provability.fabric.events.RetrievalRequest;
import io.provability.fabric.events.Verdict;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.kernel.ReasonCode;
import io.provability.fabric.processors.kernel.ReceiptSigning;
import io.provability.fabric.processors.kernel.TokenSigning;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every line of {@code retrieval-scenarios.psv}: the request the line describes must get
 * exactly its verdict and reason codes, in order. An ALLOW must carry a receipt that verifies under
 * the gateway's key and add the request's spend to the session; a DENY carries no receipt and
 * spends nothing.
 */
class RetrievalGatewayScenarioTest {
  static Stream<Arguments> scenarios() throws IOException {
    List<Arguments> out = new ArrayList<>();
    try (InputStream in =
            Objects.requireNonNull(
                RetrievalGatewayScenarioTest.class.getResourceAsStream(
                    "/retrieval-scenarios.psv"));
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\\|", -1);
        if (f.length != 11) {
          throw new IllegalStateException("scenario line needs 11 fields: " + line);
        }
        String[] s = new String[11];
        for (int i = 0; i < 11; i++) {
          s[i] = f[i].strip();
        }
        out.add(
            Arguments.of(
                new Scenario(
                    s[0],
                    s[1],
                    s[2],
                    s[3],
                    s[4],
                    s[5],
                    s[6],
                    spend(s[7]),
                    spend(s[8]),
                    Verdict.valueOf(s[9]),
                    s[10].isEmpty() ? List.of() : List.of(s[10].split("\\s+")))));
      }
    }
    return out.stream();
  }

  record Scenario(
      String id,
      String description,
      String tenant,
      String token,
      String shard,
      String labels,
      String capabilities,
      double[] spent,
      double[] asked,
      Verdict verdict,
      List<String> codes) {
    @Override
    public String toString() {
      return id + ": " + description;
    }
  }

  private static double[] spend(String s) {
    String[] parts = s.split("/");
    return new double[] {Double.parseDouble(parts[0]), Double.parseDouble(parts[1])};
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void scenario(Scenario sc) {
    List<String> labels = sc.labels().equals("-") ? List.of() : List.of(sc.labels().split(","));
    RetrievalRequest request =
        RetrievalFixtures.request(token(sc.token(), sc.capabilities()), labels)
            .setTenant(sc.tenant())
            .setIndexShard(sc.shard())
            .setDpEpsilon(sc.asked()[0])
            .setDpDelta(sc.asked()[1])
            .build();
    PolicyView policy = RetrievalFixtures.revoking(sc.token().equals("revoked") ? "tok-1" : "none");
    PrivacySpend spent = new PrivacySpend(sc.spent()[0], sc.spent()[1]);

    RetrievalOutcome outcome = RetrievalFixtures.gateway().decide(request, policy, spent, NOW);

    assertThat(outcome.codes()).as(sc.id() + " reasons " + outcome.reasons()).isEqualTo(sc.codes());
    assertThat(outcome.verdict()).as(sc.id()).isEqualTo(sc.verdict());
    if (sc.verdict() == Verdict.ALLOW) {
      AccessReceipt receipt = outcome.receipt();
      assertThat(receipt).as(sc.id()).isNotNull();
      assertThat(
              RetrievalFixtures.RECEIPT_SIGNERS.verify(
                  receipt.getKeyId(),
                  ReceiptSigning.signedBytes(receipt),
                  ReceiptSigning.signatureOf(receipt)))
          .as(sc.id() + ": receipt signature")
          .isTrue();
      assertThat(receipt.getLabels()).containsExactlyElementsOf(new TreeSet<>(labels));
      assertThat(outcome.sessionSpend().epsilon()).isEqualTo(sc.spent()[0] + sc.asked()[0]);
      assertThat(outcome.sessionSpend().delta()).isEqualTo(sc.spent()[1] + sc.asked()[1]);
      assertThat(outcome.matchedCapabilities()).contains(RetrievalGateway.CAP_RETRIEVE);
    } else {
      assertThat(outcome.receipt()).as(sc.id()).isNull();
      assertThat(outcome.sessionSpend())
          .as(sc.id() + ": a denied request spends nothing")
          .isEqualTo(spent);
      assertThat(outcome.matchedCapabilities()).isEmpty();
    }
  }

  private static CapabilityToken token(String variant, String caps) {
    CapabilityToken.Builder b =
        RetrievalFixtures.tokenBuilder(RetrievalFixtures.capabilities(caps));
    return switch (variant) {
      case "ok", "revoked" -> TokenSigning.sign(b.build(), RetrievalFixtures.ISSUER);
      case "none" -> null;
      case "forged" -> TokenSigning.sign(b.build(), FORGER);
      case "expired" ->
          TokenSigning.sign(
              b.setExpiresAt(NOW.minus(Duration.ofMinutes(1))).build(), RetrievalFixtures.ISSUER);
      case "not-yet" ->
          TokenSigning.sign(
              b.setNotBefore(NOW.plus(Duration.ofMinutes(1))).build(), RetrievalFixtures.ISSUER);
      case "other-subject" ->
          TokenSigning.sign(b.setSubjectId("agent-9").build(), RetrievalFixtures.ISSUER);
      case "other-tenant" ->
          TokenSigning.sign(b.setTenant("globex").build(), RetrievalFixtures.ISSUER);
      default -> throw new IllegalArgumentException("unknown token variant " + variant);
    };
  }

  @Test
  void theTableCoversEveryLabelVerdictAndRetrievalReasonCode() throws IOException {
    List<Scenario> all = scenarios().map(a -> (Scenario) a.get()[0]).toList();
    assertThat(all).hasSizeGreaterThanOrEqualTo(40);
    assertThat(all.stream().map(Scenario::labels).flatMap(l -> Stream.of(l.split(","))).distinct())
        .contains("public", "private", "confidential", "financial", "pii", "secret");
    List<String> retrievalCodes =
        Arrays.stream(ReasonCode.values())
            .filter(c -> c.compareTo(ReasonCode.UNSUPPORTED_KIND) > 0)
            .map(Enum::name)
            .toList();
    assertThat(all.stream().flatMap(s -> s.codes().stream()).distinct())
        .containsAll(retrievalCodes)
        .contains("CAP_MISS", "TOKEN_REVOKED", "MALFORMED_REQUEST");
    assertThat(all.stream().map(Scenario::verdict).distinct())
        .contains(Verdict.ALLOW, Verdict.DENY);
  }
}
