package io.provability.fabric.tools.cli;

import io.provability.fabric.tools.internal.policytest.KernelCase;
import io.provability.fabric.tools.internal.policytest.KernelCases;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code fabric kernel test DIR}: runs every {@code *.case.json} of a folder with the stream's
 * deciders, prints PASS or FAIL per case and "N passed, N failed". Exit 0 when every case passed, 1
 * when one failed, 2 when the folder could not be read.
 */
@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    description =
        "Run a folder of policy test cases (*.case.json: request, time, policy state, expected verdict "
            + "and codes) offline; exit 1 on any failure.")
final class KernelTestCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ConfigOptions config;

  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description =
          "Folder of *.case.json files (and optionally " + KernelCases.FOLDER_CONFIG + ").")
  Path dir;

  @Override
  public Integer call() {
    return AuditCommand.exitCode(spec.commandLine(), this::test);
  }

  private int test() throws IOException {
    List<KernelCase> cases = KernelCases.load(dir);
    Map<String, String> overrides = new LinkedHashMap<>(KernelCases.folderConfig(dir));
    overrides.putAll(config.overrides);
    PrintWriter out = spec.commandLine().getOut();
    int passed = 0;
    int failed = 0;
    for (KernelCase kc : cases) {
      KernelCases.Result r = KernelCases.run(kc, config.file, overrides);
      if (r.passed()) {
        passed++;
        out.println("PASS " + kc.name());
      } else {
        failed++;
        out.println("FAIL " + kc.name() + ": " + String.join("; ", r.problems()));
      }
    }
    out.println(passed + " passed, " + failed + " failed");
    out.flush();
    return failed == 0 ? 0 : 1;
  }
}
