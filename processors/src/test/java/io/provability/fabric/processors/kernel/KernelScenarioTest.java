package io.provability.fabric.processors.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.Reason;
import io.provability.fabric.events.Verdict;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every line of {@code kernel-scenarios.psv}: the baseline plan with the line's changes must
 * get exactly the line's verdict and reason codes (code and step, in order). Each scenario runs
 * twice through one cached engine, so a cache hit must give the same answer as a fresh check.
 */
class KernelScenarioTest {
  static Stream<Arguments> scenarios() throws IOException {
    List<Arguments> out = new ArrayList<>();
    try (InputStream in =
            Objects.requireNonNull(
                KernelScenarioTest.class.getResourceAsStream("/kernel-scenarios.psv"));
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\\|", -1);
        if (f.length != 5) {
          throw new IllegalStateException("scenario line needs 5 fields: " + line);
        }
        out.add(
            Arguments.of(
                f[0].strip(),
                f[1].strip(),
                f[2].strip(),
                Verdict.valueOf(f[3].strip()),
                f[4].strip()));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("scenarios")
  void scenario(String id, String description, String changes, Verdict verdict, String codes) {
    ScenarioPlan.Inputs inputs = new ScenarioPlan().apply(changes).build();
    VerifiedTokenCache cache = new VerifiedTokenCache(100);
    KernelResult first = inputs.evaluate(cache);
    KernelResult second =
        new KernelEngine(inputs.issuers(), inputs.receiptSigners(), KernelLimits.DEFAULTS, cache)
            .evaluate(inputs.plan(), inputs.policy(), ScenarioPlan.NOW);

    List<String> expected = codes.isEmpty() ? List.of() : List.of(codes.split("\\s+"));
    assertThat(render(first)).as(id + " reasons " + first.reasons()).isEqualTo(expected);
    assertThat(first.verdict()).as(id).isEqualTo(verdict);
    assertThat(second).as(id + ": a cached token gives the same result").isEqualTo(first);
    if (verdict == Verdict.ALLOW) {
      assertThat(first.matchedCapabilities()).isNotEmpty();
    } else {
      assertThat(first.matchedCapabilities()).isEmpty();
    }
  }

  @Test
  void theTableHasAtLeastSixtyScenariosAndCoversEveryKernelCode() throws IOException {
    List<Arguments> all = scenarios().toList();
    assertThat(all).hasSizeGreaterThanOrEqualTo(60);
    String allCodes = String.join(" ", all.stream().map(a -> (String) a.get()[4]).toList());
    for (ReasonCode code : ReasonCode.values()) {
      // the codes after UNSUPPORTED_KIND are the retrieval gateway's (RetrievalGatewayScenarioTest
      // covers them)
      if (code.compareTo(ReasonCode.UNSUPPORTED_KIND) < 0 && code != ReasonCode.MALFORMED_REQUEST) {
        assertThat(allCodes).as("a scenario expects " + code).contains(code.name());
      }
    }
  }

  private static List<String> render(KernelResult r) {
    return r.reasons().stream().map(KernelScenarioTest::render).toList();
  }

  private static String render(Reason reason) {
    return reason.getStep() == null ? reason.getCode() : reason.getCode() + "@" + reason.getStep();
  }
}
