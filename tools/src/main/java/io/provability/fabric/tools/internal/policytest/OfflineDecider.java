package io.provability.fabric.tools.internal.policytest;

import io.provability.fabric.events.Decision;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.processors.decide.RequestDecider;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.processors.retrieval.PrivacySpend;
import io.provability.fabric.topology.FabricTopology;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.KeyFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;

/**
 * The stream's deciders without the stream: {@link FabricTopology#decider} built from a
 * configuration's settings and key files, asked at a given time under a given policy state. What
 * {@code fabric kernel eval} and {@code fabric kernel test} run, so a policy test exercises exactly
 * the code that decides live (no decision cache: it only ever returns what a fresh evaluation
 * returns).
 *
 * <p>Unlike {@code fabric run}, it never creates a key: the trusted issuer ring must exist; the
 * receipt ring, the retrieval gateway key and the egress certificate key are used when their files
 * exist, and otherwise retrieval steps are denied ({@code RECEIPT_INVALID}) and retrieval or egress
 * requests get {@code UNSUPPORTED_KIND}, as a topology built without those keys answers.
 */
public final class OfflineDecider {
  private final RequestDecider decider;

  private OfflineDecider(RequestDecider decider) {
    this.decider = decider;
  }

  /**
   * The deciders of {@code cfg}.
   *
   * @throws IOException when the trusted issuer ring does not exist or a key file cannot be read
   */
  public static OfflineDecider of(FabricConfig cfg) throws IOException {
    Path issuers = cfg.trustedKeysFile();
    if (!Files.exists(issuers)) {
      throw new IOException(
          FabricConfig.TRUSTED_KEYS_CONFIG + ": key ring " + issuers + " does not exist");
    }
    KeyRing receiptSigners =
        Files.exists(cfg.receiptKeysFile()) ? KeyRing.read(cfg.receiptKeysFile()) : KeyRing.empty();
    FabricTopology.Keys keys =
        new FabricTopology.Keys(
            KeyRing.read(issuers),
            receiptSigners,
            readIfPresent(cfg.retrievalReceiptKeyFile()),
            readIfPresent(cfg.egressCertificateKeyFile()));
    return new OfflineDecider(FabricTopology.decider(FabricRuntime.topologySettings(cfg), keys));
  }

  private static Ed25519.SigningKey readIfPresent(Path file) throws IOException {
    return Files.exists(file) ? KeyFiles.read(file) : null;
  }

  /**
   * Decides {@code request} at {@code at} under {@code policy}, as the stream would; a retrieval's
   * session is taken to have spent nothing before.
   */
  public Decision decide(SpecificRecord request, PolicyView policy, Instant at) {
    return decider.decide(request, policy, key -> PrivacySpend.ZERO, at).decision();
  }
}
