package io.provability.fabric.tools.cli;

import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.runtime.BrokerCheck;
import io.provability.fabric.topology.runtime.FabricRuntime;
import picocli.CommandLine.Option;

/** {@code --bootstrap-servers}, for the commands that talk to an existing cluster's broker. */
final class ClusterOptions {
  @Option(
      names = "--bootstrap-servers",
      description =
          "Kafka bootstrap servers (default: kafka.bootstrap.servers "
              + "of an external-mode --config, e.g. the <work dir>/endpoints.properties that 'fabric run' writes).")
  String bootstrap;

  /**
   * The bootstrap servers to use, checked to answer; a usage error when there is no cluster to talk
   * to.
   */
  String reachableServers(FabricConfig cfg) throws BrokerCheck.Unreachable {
    String servers = bootstrap;
    if (servers == null) {
      if (cfg.mode() != FabricConfig.Mode.EXTERNAL) {
        throw new UsageError(
            "no cluster to talk to: give --bootstrap-servers, or --config with an external-mode file "
                + "(fabric.mode=external), e.g. .fabric/endpoints.properties written by a running 'fabric run'");
      }
      servers = FabricRuntime.externalEndpoints(cfg).bootstrapServers();
    }
    BrokerCheck.requireReachable(servers);
    return servers;
  }
}
