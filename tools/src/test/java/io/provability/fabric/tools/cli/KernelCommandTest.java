package io.provability.fabric.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.processors.kernel.ReasonCode;
import io.provability.fabric.tools.internal.policytest.KernelCase;
import io.provability.fabric.tools.internal.policytest.KernelCases;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code fabric kernel test} on the shipped example folder (this is how CI runs it), and {@code
 * fabric kernel eval}; the folder must cover every reason code.
 */
class KernelCommandTest {
  /** The shipped example folder, from the topology module's directory. */
  static final Path EXAMPLES =
      Path.of(System.getProperty("basedir", "."))
          .resolve("../docs/examples/kernel-cases")
          .normalize();

  private record Run(int exit, String out, String err) {}

  private static Run fabric(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new FabricCli())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void theExampleFolderPassesAndCoversEveryReasonCode() throws IOException {
    Run r = fabric("kernel", "test", EXAMPLES.toString());

    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    int cases = KernelCases.load(EXAMPLES).size();
    assertThat(r.out()).contains(cases + " passed, 0 failed").doesNotContain("FAIL");
    Set<String> covered = new TreeSet<>();
    for (KernelCase kc : KernelCases.load(EXAMPLES)) {
      kc.codes().forEach(c -> covered.add(c.contains("@") ? c.substring(0, c.indexOf('@')) : c));
    }
    assertThat(covered).containsAll(Arrays.stream(ReasonCode.values()).map(Enum::name).toList());
  }

  @Test
  void aFailingCaseIsReportedAndTheExitIsOne(@TempDir Path dir) throws IOException {
    copyFolder(dir);
    // expect ALLOW of a plan the kernel denies for its label flow
    Files.writeString(
        dir.resolve("99-wrong.case.json"),
        """
        {"plan": "requests/plan-report-secret.json", "at": "2026-11-27T12:00:00Z",
         "expect": {"verdict": "ALLOW", "codes": []}}""");

    Run r = fabric("kernel", "test", dir.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out())
        .contains(
            "FAIL 99-wrong: verdict DENY, expected ALLOW; codes [LABEL_FLOW@0, LABEL_FLOW@1, "
                + "LABEL_FLOW@2], expected []");
    assertThat(r.out()).containsPattern("\\d+ passed, 1 failed");
  }

  @Test
  void aMalformedCaseIsAOneLineErrorNamingTheFile(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("bad.case.json"), "{\"plan\": \"x.json\", \"at\": \"noon\", \"expect\": {}}");

    Run r = fabric("kernel", "test", dir.toString());

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip())
        .contains("bad.case.json")
        .contains("'at'")
        .doesNotContain("\n")
        .doesNotContain("Exception");
  }

  @Test
  void evalPrintsTheDecisionWithItsStructuredReasons() {
    Run r =
        fabric(
            "kernel",
            "eval",
            "--plan",
            EXAMPLES.resolve("requests/plan-report-to-email-of-summary.json").toString(),
            "--at",
            "2026-11-27T12:00:00Z",
            "--set",
            "kernel.trusted.keys.file=" + EXAMPLES.resolve("keys/trusted-issuers.keys"),
            "--set",
            "kernel.label.clearances=send_email:summary");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("\"verdict\" : \"DENY\"")
        .contains("\"code\" : \"LABEL_FLOW\"")
        .contains("\"label\" : \"internal\"")
        .contains("\"capability\" : \"send_email\"")
        .contains("\"step\" : 2");
  }

  @Test
  void evalOfAMissingPlanSaysSoInOneLine() {
    Run r =
        fabric(
            "kernel",
            "eval",
            "--plan",
            "no-such-plan.json",
            "--at",
            "2026-11-27T12:00:00Z",
            "--set",
            "kernel.trusted.keys.file=" + EXAMPLES.resolve("keys/trusted-issuers.keys"));

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip()).contains("no-such-plan.json: no such file").doesNotContain("\n");
  }

  @Test
  void evalUnderAPolicyStateFile() {
    Run r =
        fabric(
            "kernel",
            "eval",
            "--plan",
            EXAMPLES.resolve("requests/plan-report.json").toString(),
            "--at",
            "2026-11-27T12:00:00Z",
            "--policy-state",
            EXAMPLES.resolve("policy/revoke-tok-1.json").toString(),
            "--set",
            "kernel.trusted.keys.file=" + EXAMPLES.resolve("keys/trusted-issuers.keys"));

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("\"code\" : \"TOKEN_REVOKED\"");
  }

  private static void copyFolder(Path to) throws IOException {
    try (var files = Files.walk(EXAMPLES)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(EXAMPLES.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
