package io.provability.fabric.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FabricProcessTest {
  /** Quick to start: the children here do next to nothing. */
  private static final String[] SMALL_JVM = {"-Xmx32m", "-XX:TieredStopAtLevel=1", "-Xshare:auto"};

  /**
   * The child: prints its {@code FABRIC_*} variables on standard output, then {@code ready} on
   * standard error, then {@code exit <code>} exits, {@code linger} ignores SIGTERM, anything else
   * waits for SIGTERM.
   */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      System.getenv().entrySet().stream()
          .filter(e -> e.getKey().startsWith("FABRIC_"))
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> System.out.println(e.getKey() + "=" + e.getValue()));
      System.out.flush();
      System.err.println("child ready on port 4711");
      System.err.flush();
      switch (args.length == 0 ? "" : args[0]) {
        case "exit" -> System.exit(Integer.parseInt(args[1]));
        case "linger" ->
            Runtime.getRuntime()
                .addShutdownHook(
                    new Thread(
                        () -> {
                          try {
                            Thread.sleep(60_000);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                        }));
        default -> {}
      }
      Thread.sleep(120_000);
    }
  }

  private static FabricProcess.Builder child(String... args) {
    return FabricProcess.java().mainClass(Child.class.getName()).jvmOptions(SMALL_JVM).args(args);
  }

  @Test
  void theEnvironmentLosesItsFabricVariablesUnlessKeptAndGainsTheGivenOnes() {
    Map<String, String> parent =
        Map.of("PATH", "/bin", "FABRIC_HTTP_PORT", "1", "FABRIC_POSTGRES_PASSWORD", "s");
    assertThat(FabricProcess.environment(parent, Map.of("FABRIC_HTTP_PORT", "2"), false))
        .containsExactlyInAnyOrderEntriesOf(Map.of("PATH", "/bin", "FABRIC_HTTP_PORT", "2"));
    assertThat(FabricProcess.environment(parent, Map.of("X", "y"), true))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "PATH", "/bin",
                "FABRIC_HTTP_PORT", "1",
                "FABRIC_POSTGRES_PASSWORD", "s",
                "X", "y"));
  }

  @Test
  void theCommandLineIsJavaWithOptionsClassPathMainClassAndArguments() {
    assertThat(FabricProcess.java("a.jar:lib/*").jvmOptions("-Xmx1g").args("run", "-q").command())
        .containsExactly(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx1g",
            "-cp",
            "a.jar:lib/*",
            FabricProcess.MAIN_CLASS,
            "run",
            "-q");
    assertThat(FabricProcess.launcher(Path.of("/opt/fabric/bin/fabric")).args("run").command())
        .containsExactly("/opt/fabric/bin/fabric", "run");
    assertThatThrownBy(
            () -> FabricProcess.launcher(Path.of("bin/fabric")).jvmOptions("-Xmx1g").command())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aChildWritesItsTwoStreamsToTheirFilesAndStopsOnSigterm(@TempDir Path dir) throws Exception {
    try (FabricProcess p =
        child()
            .env("FABRIC_GIVEN", "yes")
            .output(dir.resolve("stdout.txt"), dir.resolve("stderr.txt"))
            .start()) {
      assertThat(p.awaitLog(Pattern.compile("port (\\d+)"), Duration.ofMinutes(1)).group(1))
          .isEqualTo("4711");
      assertThat(p.log()).isEqualTo(dir.resolve("stderr.txt"));
      assertThat(p.stop(Duration.ofSeconds(30))).isTrue();
      assertThat(p.isAlive()).isFalse();
      assertThat(Files.readString(dir.resolve("stdout.txt"))).contains("FABRIC_GIVEN=yes");
      assertThat(Files.readString(dir.resolve("stdout.txt"))).doesNotContain("ready");
    }
  }

  @Test
  void aChildThatIgnoresSigtermIsKilledAfterTheGracePeriod(@TempDir Path dir) throws Exception {
    FabricProcess p = child("linger").log(dir.resolve("child.log")).start();
    p.awaitLog(Pattern.compile("ready"), Duration.ofMinutes(1));
    long started = System.nanoTime();
    assertThat(p.stop(Duration.ofSeconds(1))).isFalse();
    assertThat(p.isAlive()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void waitingForALineFailsWithTheLogsEndWhenTheChildExits(@TempDir Path dir) throws Exception {
    FabricProcess p = child("exit", "3").name("the child").log(dir.resolve("child.log")).start();
    assertThatThrownBy(() -> p.awaitLog(Pattern.compile("never printed"), Duration.ofMinutes(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the child exited with 3")
        .hasMessageContaining("    child ready on port 4711");
  }

  @Test
  void waitingForALineFailsWhenThePatienceRunsOut(@TempDir Path dir) throws Exception {
    try (FabricProcess p = child().log(dir.resolve("child.log")).start()) {
      assertThatThrownBy(() -> p.awaitLog(Pattern.compile("never printed"), Duration.ofMillis(300)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("did not log /never printed/ within PT0.3S");
      assertThat(p.isAlive()).as("left running").isTrue();
    }
  }
}
