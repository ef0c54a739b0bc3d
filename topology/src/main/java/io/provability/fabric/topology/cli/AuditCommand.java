package io.provability.fabric.topology.cli;

import io.provability.fabric.events.Decision;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.sinks.audit.AuditReport;
import io.provability.fabric.sinks.audit.AuditScope;
import io.provability.fabric.sinks.audit.EvidenceAuditor;
import io.provability.fabric.sinks.audit.InclusionProofDocument;
import io.provability.fabric.sinks.audit.ProofChecker;
import io.provability.fabric.sinks.audit.ProofFormatException;
import io.provability.fabric.sinks.audit.ProofUnavailableException;
import io.provability.fabric.sinks.audit.SignatureCheck;
import io.provability.fabric.topology.audit.AuditConnections;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.embedded.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.KeyFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fabric audit}: verify stored evidence against the decision log, prove one decision's inclusion,
 * check such a proof offline, and trust an evidence signing key. Exit codes: 0 verified, 1 mismatches
 * or an invalid proof (listed on standard output), 2 usage errors and failures that are not findings
 * (no key ring, a server unreachable; one line on standard error).
 */
@Command(name = "audit", description = "Verify evidence and decisions; inclusion proofs.",
    subcommands = {AuditCommand.Verify.class, AuditCommand.Prove.class, AuditCommand.CheckProof.class,
        AuditCommand.Trust.class})
final class AuditCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Code 2 and a one-line message for a failure that is not a finding (no key ring, a server unreachable). */
  /** A command's work: returns its exit code, may fail with an I/O error. */
  interface Work {
    int run() throws IOException;
  }

  /**
   * Runs {@code work}; a usage error propagates (picocli prints the usage and exits 2 itself), any other
   * failure is reported by {@link #failure} as exit code 2.
   */
  static int exitCode(CommandLine cmd, Work work) {
    try {
      return work.run();
    } catch (CommandLine.ParameterException usage) {
      throw usage;
    } catch (IOException | RuntimeException e) {
      return failure(cmd, e);
    }
  }

  static int failure(CommandLine cmd, Exception e) {
    cmd.getErr().println("fabric " + cmd.getCommandName() + ": " + e.getMessage());
    cmd.getErr().flush();
    return 2;
  }

  /** The endpoints of the deployment audited; the embedded stack would start empty, so it is refused. */
  static StackEndpoints endpoints(FabricConfig cfg, CommandLine cmd) {
    if (cfg.mode() != FabricConfig.Mode.EXTERNAL) {
      throw new CommandLine.ParameterException(cmd, "audits read an existing deployment: set fabric.mode=external "
          + "and its endpoints (--config FILE, FABRIC_* variables or --set)");
    }
    return FabricRuntime.externalEndpoints(cfg);
  }

  /** {@code fabric audit verify}. */
  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Re-verify every bundle (root, leaf hashes, signature, index) and match every decision row with "
          + "its leaf, for a session, a time range or one bundle. Exit 1 lists each mismatch.")
  static final class Verify implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--evidence-keys", description = "Trusted evidence key ring (default: audit.evidence.keys.file).")
    Path evidenceKeys;

    static final class Target {
      @Option(names = "--session", description = "Every decision and bundle of this session.")
      String session;

      @ArgGroup(exclusive = false)
      Range range;

      @Option(names = "--bundle", description = "One stored bundle, by object key.")
      String bundle;
    }

    static final class Range {
      @Option(names = "--from", required = true, description = "Range start, ISO-8601 instant (inclusive).")
      Instant from;

      @Option(names = "--to", required = true, description = "Range end, ISO-8601 instant (exclusive).")
      Instant to;
    }

    @Override
    public Integer call() {
      return exitCode(spec.commandLine(), this::verify);
    }

    private int verify() throws IOException {
      FabricConfig cfg = config.load(Map.of());
      AuditScope scope = target.session != null ? AuditScope.session(target.session)
          : target.bundle != null ? AuditScope.bundle(target.bundle)
          : AuditScope.timeRange(target.range.from, target.range.to);
      SignatureCheck keys = AuditConnections.trustedEvidenceKeys(cfg, evidenceKeys);
      try (AuditConnections c = AuditConnections.open(cfg, endpoints(cfg, spec.commandLine()))) {
        AuditReport report = new EvidenceAuditor(c.source(), keys).verify(scope);
        PrintWriter out = spec.commandLine().getOut();
        out.print(report.render());
        out.flush();
        return report.ok() ? 0 : 1;
      }
    }
  }

  /** {@code fabric audit prove}. */
  @Command(name = "prove", mixinStandardHelpOptions = true,
      description = "Print the inclusion proof of one decision as JSON (after verifying the bundle holding it).")
  static final class Prove implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Parameters(index = "0", description = "The decision id.")
    String decisionId;

    @Option(names = "--out", description = "Write the proof to this file instead of standard output.")
    Path out;

    @Option(names = "--evidence-keys", description = "Trusted evidence key ring (default: audit.evidence.keys.file).")
    Path evidenceKeys;

    @Override
    public Integer call() {
      return exitCode(spec.commandLine(), this::prove);
    }

    private int prove() throws IOException {
      FabricConfig cfg = config.load(Map.of());
      SignatureCheck keys = AuditConnections.trustedEvidenceKeys(cfg, evidenceKeys);
      try (AuditConnections c = AuditConnections.open(cfg, endpoints(cfg, spec.commandLine()))) {
        String json = new EvidenceAuditor(c.source(), keys).prove(decisionId).toJson();
        if (out == null) {
          spec.commandLine().getOut().print(json);
          spec.commandLine().getOut().flush();
        } else {
          Files.writeString(out, json, StandardCharsets.UTF_8);
        }
        return 0;
      } catch (ProofUnavailableException e) {
        spec.commandLine().getErr().println("no proof: " + e.getMessage());
        return 1;
      }
    }
  }

  /** {@code fabric audit check-proof}. */
  @Command(name = "check-proof", mixinStandardHelpOptions = true,
      description = "Verify an inclusion proof offline (no network): leaf hash, audit path, statement, signature "
          + "under the trusted evidence key ring, leaf contents.")
  static final class CheckProof implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Parameters(index = "0", description = "The proof file written by 'fabric audit prove'.")
    Path file;

    @Option(names = "--evidence-keys", description = "Trusted evidence key ring (default: audit.evidence.keys.file).")
    Path evidenceKeys;

    @Override
    public Integer call() {
      try {
        return checkProof();
      } catch (IOException | RuntimeException e) {
        return failure(spec.commandLine(), e);
      }
    }

    private int checkProof() throws IOException {
      FabricConfig cfg = config.load(Map.of());
      SignatureCheck keys = AuditConnections.trustedEvidenceKeys(cfg, evidenceKeys);
      PrintWriter w = spec.commandLine().getOut();
      InclusionProofDocument proof;
      try {
        proof = InclusionProofDocument.parse(Files.readString(file, StandardCharsets.UTF_8));
      } catch (ProofFormatException e) {
        w.println("INVALID: " + file + " is not a well-formed proof: " + e.getMessage());
        w.flush();
        return 1;
      }
      List<String> problems = new ProofChecker(keys).check(proof);
      if (problems.isEmpty()) {
        Decision d = EventCodec.standard().decode(proof.leaf().body(), Decision.class);
        w.printf("VALID: decision %s (%s, %s at %s) is leaf %d of the %d-leaf bundle %s, root %s, signed by '%s'%n",
            proof.decisionId(), d.getVerdict(), d.getReasons().isEmpty() ? "no reasons"
                : "reasons " + d.getReasons().stream().map(r -> r.getCode().toString()).toList(),
            d.getDecidedAt(), proof.leaf().index(), proof.treeSize(), proof.bundleKey(),
            io.provability.fabric.schemas.hash.Hex.encode(proof.root()), proof.keyId());
        w.flush();
        return 0;
      }
      w.println("INVALID: " + problems.size() + " check(s) failed for " + file);
      problems.forEach(p -> w.println("  " + p));
      w.flush();
      return 1;
    }
  }

  /** {@code fabric audit trust}. */
  @Command(name = "trust", mixinStandardHelpOptions = true,
      description = "Add the public half of an evidence signing key file to a trusted evidence key ring.")
  static final class Trust implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--key", required = true, description = "Evidence signing key file (key-id=base64 seed).")
    Path key;

    @Option(names = "--ring", required = true, description = "Key ring file to add its public key to (created if missing).")
    Path ring;

    @Override
    public Integer call() throws IOException {
      Ed25519.SigningKey k = KeyFiles.read(key);
      KeyRing existing = Files.exists(ring) ? KeyRing.read(ring) : KeyRing.empty();
      if (ring.toAbsolutePath().getParent() != null) {
        Files.createDirectories(ring.toAbsolutePath().getParent());
      }
      existing.with(k.keyId(), k.publicKey()).write(ring);
      spec.commandLine().getOut().println("trusted evidence key '" + k.keyId() + "' in " + ring);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
