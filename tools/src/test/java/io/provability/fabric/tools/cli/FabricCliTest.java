package io.provability.fabric.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provability.fabric.topology.config.ConfigDocs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI as a user meets it: help everywhere, one-line errors with the documented exit codes. */
class FabricCliTest {
  @TempDir Path dir;

  /** What one execution printed and returned. */
  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = FabricCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  private static List<List<String>> everyCommand(CommandLine cl, List<String> prefix) {
    List<List<String>> all = new ArrayList<>();
    all.add(prefix);
    cl.getSubcommands()
        .forEach(
            (name, sub) -> {
              if (!name.equals("help")) {
                List<String> p = new ArrayList<>(prefix);
                p.add(name);
                all.addAll(everyCommand(sub, p));
              }
            });
    return all;
  }

  @Test
  void everyCommandAndSubcommandAnswersHelpAndHelpCommand() {
    List<List<String>> commands = everyCommand(FabricCli.commandLine(), List.of());
    assertThat(commands).hasSizeGreaterThan(20);
    for (List<String> c : commands) {
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(c);
        args.add(flag);
        Result r = run(args.toArray(String[]::new));
        assertThat(r.code()).as("%s", args).isZero();
        assertThat(r.out()).as("%s", args).startsWith("Usage: fabric");
      }
      if (c.size() == 1) {
        Result r = run("help", c.get(0));
        assertThat(r.code()).as("help %s", c).isZero();
        assertThat(r.out()).startsWith("Usage: fabric " + c.get(0));
      }
    }
  }

  @Test
  void theVersionComesFromTheBuild() {
    Result r = run("--version");
    assertThat(r.code()).isZero();
    assertThat(r.out().strip())
        .matches("fabric \\d+\\.\\d+\\.\\d+.*")
        .doesNotContain("unknown")
        .doesNotContain("${");
  }

  @Test
  void userErrorsAreOneLineWithExitCode2AndNoStackTrace() throws Exception {
    Path key = dir.resolve("missing.key");
    List<String[]> cases =
        List.of(
            new String[] {"run", "--config", dir.resolve("nope.properties").toString()},
            new String[] {"run", "--set", "no.such.key=1"},
            new String[] {"run", "--set", "http.port=99999"},
            new String[] {"demo", "--timeout", "5 minutes"},
            new String[] {"load", "no-such-scenario"},
            new String[] {
              "token",
              "issue",
              "--key",
              key.toString(),
              "--tenant",
              "a",
              "--subject",
              "b",
              "--cap",
              "x:READ:y"
            },
            new String[] {
              "token",
              "issue",
              "--key",
              key.toString(),
              "--tenant",
              "a",
              "--subject",
              "b",
              "--cap",
              "x:FLY:y"
            },
            new String[] {"replay", "--from", "yesterday", "--to", "2026-12-02"},
            new String[] {"policy", "show"},
            new String[] {"no-such-command"});
    for (String[] args : cases) {
      Result r = run(args);
      assertThat(r.code()).as(String.join(" ", args) + "\n" + r.err()).isEqualTo(2);
      assertThat(r.err())
          .as(String.join(" ", args))
          .startsWith("fabric")
          .doesNotContain("\tat ")
          .doesNotContain("Exception");
    }
    assertThat(run("run", "--config", dir.resolve("nope.properties").toString()).err())
        .startsWith(
            "fabric run: configuration: configuration file "
                + dir.resolve("nope.properties")
                + " does not exist");
    assertThat(run("run", "--set", "no.such.key=1").err())
        .contains("'no.such.key' is not a configuration key");
    assertThat(run("run", "--set", "http.port=99999").err()).contains("http.port");
  }

  @Test
  void anUnreachableBrokerIsOneLineNamingTheSettingWithinSecondsAndExitCode1() {
    long t0 = System.nanoTime();
    Result r = run("policy", "show", "--bootstrap-servers", "127.0.0.1:1");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().lines().count()).isEqualTo(1);
    assertThat(r.err()).contains("127.0.0.1:1").contains("kafka.bootstrap.servers");
  }

  @Test
  void verbosePrintsTheStackTrace() {
    Result r = run("run", "--set", "http.port=99999", "--verbose");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("\tat ");
  }

  @Test
  void durationsTakeUnitsAndIso8601() {
    assertThat(CliConverters.duration("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(CliConverters.duration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(CliConverters.duration("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(CliConverters.duration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(CliConverters.duration("1d")).isEqualTo(Duration.ofDays(1));
    assertThat(CliConverters.duration("PT5S")).isEqualTo(Duration.ofSeconds(5));
    assertThat(CliConverters.duration("pt1m")).isEqualTo(Duration.ofMinutes(1));
    for (String bad : List.of("5", "5x", "s", "5 s", "PT", "")) {
      assertThatThrownBy(() -> CliConverters.duration(bad))
          .as(bad)
          .isInstanceOf(CommandLine.TypeConversionException.class)
          .hasMessageContaining("not a duration");
    }
  }

  @Test
  void timesTakeDatesAndRfc3339() {
    assertThat(CliConverters.instant("2026-12-01"))
        .isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
    assertThat(CliConverters.instant("2026-12-01T10:00:00Z"))
        .isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
    assertThat(CliConverters.instant("2026-12-01T11:00:00+01:00"))
        .isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
    assertThat(CliConverters.instant("2026-12-01 10:00:00.5z"))
        .isEqualTo(Instant.parse("2026-12-01T10:00:00.500Z"));
    for (String bad : List.of("2026-12-01T10:00:00", "yesterday", "2026-13-01")) {
      assertThatThrownBy(() -> CliConverters.instant(bad))
          .as(bad)
          .isInstanceOf(CommandLine.TypeConversionException.class)
          .hasMessageContaining("not a time");
    }
  }

  @Test
  void everyDurationAndTimeOptionUsesTheSharedConverters() {
    // the same spelling works on options of different commands
    assertThat(run("lag", "--interval", "5s").err()).doesNotContain("Invalid value");
    assertThat(run("audit", "verify", "--from", "2026-12-01", "--to", "2026-12-02T00:00:00Z").err())
        .doesNotContain("Invalid value");
  }

  @Test
  void configDocsIsTheCheckedInPage() throws Exception {
    Path page = Path.of("..", "docs", "configuration.md");
    assertThat(Files.readString(page))
        .as("docs/configuration.md is stale: regenerate it with %s", ConfigDocs.REGENERATE)
        .isEqualTo(run("config", "docs").out());
  }
}
