package io.provability.fabric.tools.cli;

import io.provability.fabric.schemas.serde.SchemaIds;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.registry.RegistrySubjects;
import io.provability.fabric.topology.registry.SchemaRegistryClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fabric schemas register}: puts every event schema into a schema registry. */
@Command(
    name = "schemas",
    description = "The event schemas in a schema registry (docs/schemas.md).",
    subcommands = SchemasCommand.Register.class)
final class SchemasCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code fabric schemas register}. */
  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description =
          "Register every event schema (older versions first) under its subject: <topic>-value for the "
              + "decisions, dead-letter and evidence topics, the record's full name for the request and policy-state "
              + "types. The registry checks each version against the subject's earlier ones and refuses an "
              + "incompatible one (exit 1, naming the subject). Prints each subject with its schema id, then the "
              + "schema.ids line for a decision-log connector run on a Connect cluster.")
  static final class Register implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ConfigOptions config;

    @Option(names = "--registry", description = "Registry API root (default: schema.registry.url).")
    String registry;

    @Option(
        names = "--compatibility",
        description =
            "Set each subject's compatibility level first "
                + "(BACKWARD, FORWARD, FULL, ..., or NONE); default: leave the registry's setting.")
    String compatibility;

    @Override
    public Integer call() throws Exception {
      FabricConfig cfg = config.load(Map.of());
      String url = registry != null ? registry : cfg.schemaRegistryUrl();
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (url.isBlank()) {
        err.println(
            "no registry: pass --registry URL or set " + FabricConfig.SCHEMA_REGISTRY_URL_CONFIG);
        return 2;
      }
      SchemaRegistryClient client = new SchemaRegistryClient(url, Duration.ofSeconds(10));
      Map<Integer, Schema> ids = new HashMap<>();
      for (RegistrySubjects.Registration r : RegistrySubjects.all(cfg)) {
        try {
          if (compatibility != null) {
            client.setCompatibility(r.subject(), compatibility);
          }
          int id = client.register(r.subject(), r.schema());
          ids.put(id, r.schema());
          out.printf(
              "%-50s id %-6d fingerprint %016x%n",
              r.subject(), id, SchemaNormalization.parsingFingerprint64(r.schema()));
        } catch (IOException e) {
          err.println("subject " + r.subject() + ": " + e.getMessage());
          return 1;
        }
      }
      out.println("schema.ids=" + SchemaIds.of(ids).format());
      return 0;
    }
  }
}
