package io.provability.fabric.tests;

import io.provability.fabric.load.FabricProcess;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * What the tests and benchmarks that run two application instances against one stack share
 * (ClusterIT, InstanceFailureIT, FailoverBenchmark): the cluster's configuration in one namespace,
 * and starting {@code fabric run} in a child JVM.
 */
public final class InstancePair {
  private InstancePair() {}

  /**
   * The stack's external-mode properties for a cluster in namespace {@code ns}: bucket {@code
   * fabric-<ns>-evidence}, application id {@code <ns>-runtime}, sink group {@code <ns>-sinks},
   * topics {@code <ns>-fabric.*}, the {@code trusted} issuer ring, log origin {@code
   * <ns>evidence.test/log}, a free HTTP port per instance; without the database password and the S3
   * secret key, which each instance takes from its environment, as in production.
   */
  public static Properties clusterProperties(StackEndpoints ep, String ns, Path trusted) {
    Properties p = ep.externalModeProperties();
    p.remove(FabricConfig.JDBC_PASSWORD_CONFIG);
    p.remove(FabricConfig.S3_SECRET_KEY_CONFIG);
    String prefix = ns + "-fabric.";
    p.put(FabricConfig.S3_BUCKET_CONFIG, "fabric-" + ns + "-evidence");
    p.put(FabricConfig.APPLICATION_ID_CONFIG, ns + "-runtime");
    p.put(FabricConfig.SINK_GROUP_CONFIG, ns + "-sinks");
    p.put(FabricConfig.TOPIC_REQUESTS_CONFIG, prefix + "requests");
    p.put(FabricConfig.TOPIC_DECISIONS_CONFIG, prefix + "decisions");
    p.put(FabricConfig.TOPIC_EVIDENCE_CONFIG, prefix + "evidence");
    p.put(FabricConfig.TOPIC_DEAD_LETTER_CONFIG, prefix + "dead-letter");
    p.put(FabricConfig.TOPIC_POLICY_STATE_CONFIG, prefix + "policy-state");
    p.put(FabricConfig.TRUSTED_KEYS_CONFIG, trusted.toString());
    p.put(FabricConfig.EVIDENCE_LOG_ORIGIN_CONFIG, ns + "evidence.test/log");
    // two instances on one machine: each takes a free port for its HTTP server
    p.put(FabricConfig.HTTP_PORT_CONFIG, "0");
    return p;
  }

  /** The environment that gives an instance the stack's database password and S3 secret key. */
  public static Map<String, String> secretsEnvironment(StackEndpoints ep) {
    return Map.of(
        FabricConfig.envName(FabricConfig.JDBC_PASSWORD_CONFIG), ep.jdbcPassword(),
        FabricConfig.envName(FabricConfig.S3_SECRET_KEY_CONFIG), ep.s3SecretKey());
  }

  /**
   * Starts {@code fabric run --config configFile} in a child JVM (512 MB heap, serial GC, this
   * JVM's class path) with its work dir {@code instanceDir/work}, its output in {@code log} and
   * {@code env} added to its environment (this JVM's {@code FABRIC_*} variables left out).
   */
  public static FabricProcess startRun(
      Path configFile, Path instanceDir, Path log, Map<String, String> env) throws IOException {
    return FabricProcess.java()
        .name("fabric run in " + instanceDir)
        .jvmOptions("-Xmx512m", "-XX:+UseSerialGC")
        .args(
            "run",
            "--config",
            configFile.toString(),
            "--set",
            FabricConfig.WORK_DIR_CONFIG + "=" + instanceDir.resolve("work"))
        .env(env)
        .log(log)
        .start();
  }
}
