package io.provability.fabric.tools.cli;

import io.provability.fabric.events.Decision;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.tlog.NoteVerifier;
import io.provability.fabric.schemas.tlog.TlogException;
import io.provability.fabric.schemas.tlog.TlogProof;
import io.provability.fabric.sinks.audit.AuditReport;
import io.provability.fabric.sinks.audit.AuditScope;
import io.provability.fabric.sinks.audit.LogAuditor;
import io.provability.fabric.sinks.audit.ProofChecker;
import io.provability.fabric.sinks.audit.ProofUnavailableException;
import io.provability.fabric.tools.internal.audit.AuditConnections;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
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
 * {@code fabric audit}: verify the evidence logs against the decision log, prove decisions'
 * inclusion, check such a proof offline, and trust a log signing key. Exit codes: 0 verified, 1
 * findings or an invalid proof (listed on standard output, each with its reason), 2 usage errors
 * and failures that are not findings (no trusted keys, a server unreachable; one line on standard
 * error).
 */
@Command(
    name = "audit",
    description = "Verify the evidence logs and the decisions; inclusion proofs.",
    subcommands = {
      AuditCommand.Verify.class,
      AuditCommand.Prove.class,
      AuditCommand.CheckProof.class,
      AuditCommand.Trust.class
    })
final class AuditCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Code 2 and a one-line message for a failure that is not a finding (no key ring, a server
   * unreachable).
   */
  /** A command's work: returns its exit code, may fail with an I/O error. */
  interface Work {
    int run() throws IOException;
  }

  /**
   * Runs {@code work}; a usage error propagates (picocli prints the usage and exits 2 itself), any
   * other failure is reported by {@link #failure} as exit code 2.
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

  /**
   * The endpoints of the deployment audited; the embedded stack would start empty, so it is
   * refused.
   */
  static StackEndpoints endpoints(FabricConfig cfg, CommandLine cmd) {
    if (cfg.mode() != FabricConfig.Mode.EXTERNAL) {
      throw new CommandLine.ParameterException(
          cmd,
          "audits read an existing deployment: set fabric.mode=external "
              + "and its endpoints (--config FILE, FABRIC_* variables or --set)");
    }
    return FabricRuntime.externalEndpoints(cfg);
  }

  /** {@code fabric audit verify}. */
  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description =
          "Verify the evidence logs and the decision log against each other: every checkpoint's signature "
              + "and consistency with its predecessor, every root recomputed from the entries, every row against its "
              + "entry and every entry against its row (whole logs by default, or a time range or a session). "
              + "Exit 1 lists each finding with its reason.")
  static final class Verify implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ConfigOptions config;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Target target;

    @Option(
        names = "--evidence-keys",
        description =
            "Trusted log verifier keys, one vkey per line "
                + "(default: audit.evidence.keys.file).")
    Path evidenceKeys;

    @Option(
        names = "--witness-key",
        description =
            "A witness's cosignature verifier key (vkey) that must have cosigned "
                + "a checkpoint of every log consistent with it; repeatable.")
    List<String> witnessKeys = new ArrayList<>();

    static final class Target {
      @Option(names = "--session", description = "Every decision of this session.")
      String session;

      @ArgGroup(exclusive = false)
      Range range;
    }

    static final class Range {
      @Option(
          names = "--from",
          required = true,
          description = "Range start, ISO-8601 instant (inclusive).")
      Instant from;

      @Option(
          names = "--to",
          required = true,
          description = "Range end, ISO-8601 instant (exclusive).")
      Instant to;
    }

    @Override
    public Integer call() {
      return exitCode(spec.commandLine(), this::verify);
    }

    private int verify() throws IOException {
      FabricConfig cfg = config.load(Map.of());
      AuditScope scope =
          target == null
              ? AuditScope.all()
              : target.session != null
                  ? AuditScope.session(target.session)
                  : AuditScope.timeRange(target.range.from, target.range.to);
      List<NoteVerifier> keys = AuditConnections.trustedLogKeys(cfg, evidenceKeys);
      List<NoteVerifier> witnesses = AuditConnections.witnessKeys(witnessKeys);
      PrintWriter err = spec.commandLine().getErr();
      try (AuditConnections c = AuditConnections.open(cfg, endpoints(cfg, spec.commandLine()))) {
        AuditReport report =
            c.auditor(
                    keys,
                    witnesses,
                    line -> {
                      err.println(line);
                      err.flush();
                    })
                .verify(scope);
        PrintWriter out = spec.commandLine().getOut();
        out.print(report.render());
        out.flush();
        return report.ok() ? 0 : 1;
      }
    }
  }

  /** {@code fabric audit prove}. */
  @Command(
      name = "prove",
      mixinStandardHelpOptions = true,
      description =
          "Write the inclusion proof of a decision (c2sp.org/tlog-proof@v1, the entry in its extra line) "
              + "against its log's current checkpoint; with --session, one proof per decision of the session, all "
              + "against one checkpoint per log.")
  static final class Prove implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ConfigOptions config;

    @Parameters(index = "0", arity = "0..1", description = "The decision id.")
    String decisionId;

    @Option(
        names = "--session",
        description = "Prove every decision of this session (needs --out DIR).")
    String session;

    @Option(
        names = "--out",
        description = "The proof file (a directory with --session); default: standard output.")
    Path out;

    @Option(
        names = "--evidence-keys",
        description = "Trusted log verifier keys (default: audit.evidence.keys.file).")
    Path evidenceKeys;

    @Override
    public Integer call() {
      return exitCode(spec.commandLine(), this::prove);
    }

    private int prove() throws IOException {
      if ((decisionId == null) == (session == null)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "give a decision id or --session S");
      }
      if (session != null && out == null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--session needs --out DIR");
      }
      FabricConfig cfg = config.load(Map.of());
      List<NoteVerifier> keys = AuditConnections.trustedLogKeys(cfg, evidenceKeys);
      try (AuditConnections c = AuditConnections.open(cfg, endpoints(cfg, spec.commandLine()))) {
        LogAuditor auditor = c.auditor(keys, List.of(), m -> {});
        if (session == null) {
          byte[] proof = auditor.prove(decisionId).encode();
          if (out == null) {
            spec.commandLine().getOut().print(new String(proof, StandardCharsets.UTF_8));
            spec.commandLine().getOut().flush();
          } else {
            Files.write(out, proof);
          }
          return 0;
        }
        Map<String, TlogProof> proofs = auditor.proveSession(session);
        Files.createDirectories(out);
        for (Map.Entry<String, TlogProof> e : proofs.entrySet()) {
          Files.write(
              out.resolve(e.getKey().replaceAll("[^A-Za-z0-9._-]", "_") + ".tlog-proof"),
              e.getValue().encode());
        }
        TlogProof any = proofs.values().iterator().next();
        spec.commandLine()
            .getOut()
            .printf(
                "%d proofs of session %s written to %s, against the checkpoint: %s%n",
                proofs.size(),
                session,
                out,
                new String(any.checkpoint(), StandardCharsets.UTF_8)
                    .lines()
                    .limit(2)
                    .reduce((a, b) -> a + " size " + b)
                    .orElse(""));
        spec.commandLine().getOut().flush();
        return 0;
      } catch (ProofUnavailableException e) {
        spec.commandLine().getErr().println("no proof: " + e.getMessage());
        return 1;
      }
    }
  }

  /** {@code fabric audit check-proof}. */
  @Command(
      name = "check-proof",
      mixinStandardHelpOptions = true,
      description =
          "Verify an inclusion proof offline (no network): the checkpoint's signature under the trusted log "
              + "keys (and the witnesses' cosignatures asked for), the audit path to its root, the entry's decision and "
              + "the request its hash names.")
  static final class CheckProof implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ConfigOptions config;

    @Parameters(index = "0", description = "The proof file written by 'fabric audit prove'.")
    Path file;

    @Option(
        names = "--evidence-keys",
        description = "Trusted log verifier keys (default: audit.evidence.keys.file).")
    Path evidenceKeys;

    @Option(
        names = "--witness-key",
        description =
            "A witness cosignature key that must have cosigned the proof's "
                + "checkpoint; repeatable.")
    List<String> witnessKeys = new ArrayList<>();

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
      List<NoteVerifier> keys = AuditConnections.trustedLogKeys(cfg, evidenceKeys);
      List<NoteVerifier> witnesses = AuditConnections.witnessKeys(witnessKeys);
      PrintWriter w = spec.commandLine().getOut();
      try {
        ProofChecker.Result r = new ProofChecker(keys, witnesses).check(Files.readAllBytes(file));
        Decision d = r.decision();
        w.printf(
            "VALID: entry %d of log %s (checkpoint size %d, root %s)%s%n",
            r.index(),
            r.checkpoint().origin(),
            r.checkpoint().size(),
            Hex.encode(r.checkpoint().rootHash()),
            d == null
                ? "; its decision is stored as an object and is not read offline"
                : ": decision "
                    + d.getDecisionId()
                    + " ("
                    + d.getVerdict()
                    + ", "
                    + (d.getReasons().isEmpty()
                        ? "no reasons"
                        : "reasons "
                            + d.getReasons().stream().map(x -> x.getCode().toString()).toList())
                    + " at "
                    + d.getDecidedAt()
                    + ")"
                    + (r.requestChecked() ? ", on the request in the entry" : ""));
        w.flush();
        return 0;
      } catch (TlogException e) {
        w.println("INVALID: " + file + ": " + e.getMessage());
        w.flush();
        return 1;
      }
    }
  }

  /** {@code fabric audit trust}. */
  @Command(
      name = "trust",
      mixinStandardHelpOptions = true,
      description = "Add the verifier key (vkey) of a log signing key file to a trusted keys file.")
  static final class Trust implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ConfigOptions config;

    @Option(
        names = "--key",
        required = true,
        description = "Log signing key file (key-id=base64 seed).")
    Path key;

    @Option(
        names = "--ring",
        required = true,
        description = "Trusted keys file to add its vkey to (created if missing).")
    Path ring;

    @Override
    public Integer call() {
      return exitCode(spec.commandLine(), this::trust);
    }

    private int trust() throws IOException {
      FabricConfig cfg = config.load(Map.of());
      String vkey = AuditConnections.verifierOf(cfg, key).vkey();
      if (ring.toAbsolutePath().getParent() != null) {
        Files.createDirectories(ring.toAbsolutePath().getParent());
      }
      List<String> lines =
          Files.exists(ring)
              ? new ArrayList<>(Files.readAllLines(ring, StandardCharsets.UTF_8))
              : new ArrayList<>();
      if (!lines.contains(vkey)) {
        lines.add(vkey);
        Files.write(ring, lines, StandardCharsets.UTF_8);
      }
      spec.commandLine().getOut().println("trusted evidence log key " + vkey + " in " + ring);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
