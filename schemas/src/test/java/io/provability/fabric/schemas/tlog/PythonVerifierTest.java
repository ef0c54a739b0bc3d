package io.provability.fabric.schemas.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the standalone Python verifier ({@code clients/python/verify_log.py}) against the golden
 * log: an implementation that shares no code with this one accepts its signature, tiles, bundles
 * and proof, and refuses a flipped bit. Skipped where python3 with the cryptography package is
 * absent ({@code apt-get install python3-cryptography}; CI installs it).
 */
class PythonVerifierTest {

  private static final Path SCRIPT = Path.of("../clients/python/verify_log.py");
  private static String python;

  @BeforeAll
  static void findPython() throws Exception {
    for (String candidate : List.of("/usr/bin/python3", "python3")) {
      try {
        Process p =
            new ProcessBuilder(candidate, "-c", "import cryptography")
                .redirectErrorStream(true)
                .start();
        if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
          python = candidate;
          return;
        }
      } catch (IOException notThere) {
        // try the next one
      }
    }
  }

  @Test
  void acceptsTheGoldenLogAndProof(@TempDir Path tmp) throws Exception {
    assumeTrue(python != null, "python3 with the cryptography package is not installed");
    Path entry = tmp.resolve("entry");
    Files.writeString(entry, "entry 777");
    Result result =
        run(GoldenFilesTest.DIR, GoldenFilesTest.DIR.resolve("entry-777.tlog-proof"), entry);
    assertThat(result.exit).as(result.output).isZero();
    assertThat(result.output).contains("size 1000").contains("OK entry 777");
  }

  @Test
  void refusesAFlippedBitInABundle(@TempDir Path tmp) throws Exception {
    assumeTrue(python != null, "python3 with the cryptography package is not installed");
    copy(GoldenFilesTest.DIR, tmp);
    Path bundle = tmp.resolve("tile/entries/001");
    byte[] bytes = Files.readAllBytes(bundle);
    bytes[100] ^= 0x01;
    Files.write(bundle, bytes);
    Result result = run(tmp, null, null);
    assertThat(result.exit).isNotZero();
    assertThat(result.output).contains("bundle or tile 1 differs");
  }

  @Test
  void theDocsListTheVerifierAsItIs() throws Exception {
    String script = Files.readString(SCRIPT, StandardCharsets.UTF_8);
    String docs = Files.readString(Path.of("../docs/transparency-log.md"), StandardCharsets.UTF_8);
    assertThat(docs)
        .as("docs/transparency-log.md lists clients/python/verify_log.py verbatim")
        .contains(script);
  }

  private record Result(int exit, String output) {}

  private static Result run(Path log, Path proof, Path entry) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(python, SCRIPT.toString(), log.resolve("log.vkey").toString(), log.toString()));
    if (proof != null) {
      command.add(proof.toString());
      command.add(entry.toString());
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(
        p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  private static void copy(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path source : walk.filter(Files::isRegularFile).toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        Files.createDirectories(target.getParent());
        Files.copy(source, target);
      }
    }
  }
}
