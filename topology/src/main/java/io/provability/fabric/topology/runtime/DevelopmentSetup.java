package io.provability.fabric.topology.runtime;

import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * What an instance on the embedded stack needs to work out of the box, and nothing an external-mode
 * deployment gets implicitly:
 *
 * <ul>
 *   <li>a development token issuer key, trusted by the kernel, created once in the work directory
 *       (tokens minted with it keep working across restarts);
 *   <li>the instance's own retrieval-gateway key in the receipt signer ring, so its receipts
 *       verify;
 *   <li>its own evidence key in the audit ring, so {@code fabric audit} verifies its bundles;
 *   <li>no Kafka Streams or Connect state of an earlier start: the embedded broker starts empty
 *       every time, and a state directory whose checkpoints point past the end of a new broker's
 *       topics would fail the stream threads.
 * </ul>
 *
 * Keys are created only at their default paths (the key-file settings left empty); a file
 * configured explicitly must exist.
 */
public final class DevelopmentSetup {
  /** The development issuer's key id. */
  public static final String ISSUER_KEY_ID = "dev-issuer-1";

  private DevelopmentSetup() {}

  /**
   * Whether the embedded servers are on the class path: they are in the development build ({@code
   * ./fabric}) and not in the production distribution, which runs external mode only.
   */
  public static boolean embeddedServersAvailable() {
    try {
      Class.forName(
          "io.provability.fabric.embedded.EmbeddedStack",
          false,
          DevelopmentSetup.class.getClassLoader());
      Class.forName("kafka.server.KafkaRaftServer", false, DevelopmentSetup.class.getClassLoader());
      Class.forName("org.gaul.s3proxy.S3Proxy", false, DevelopmentSetup.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** What {@link #prepare} created, for the start-up message. */
  public record Prepared(Path issuerKey, List<String> created) {}

  /**
   * Creates the missing development keys and rings and deletes the state of an earlier start.
   *
   * @return the issuer key file (null when the issuer ring is configured explicitly) and what was
   *     created
   */
  public static Prepared prepare(FabricConfig cfg) throws IOException {
    List<String> created = new ArrayList<>();
    Path keys = cfg.workDir().resolve("keys");
    Files.createDirectories(keys);
    Path issuerKey = null;
    if (cfg.getString(FabricConfig.TRUSTED_KEYS_CONFIG).isBlank()) {
      issuerKey = keys.resolve("dev-issuer.key");
      Path ring = cfg.trustedKeysFile();
      if (!Files.exists(issuerKey)) {
        Ed25519.SigningKey k = Ed25519.SigningKey.generate(ISSUER_KEY_ID, new SecureRandom());
        KeyFiles.write(issuerKey, k);
        created.add("development token issuer key " + issuerKey);
      }
      trust(ring, KeyFiles.read(issuerKey));
    }
    if (cfg.getString(FabricConfig.RECEIPT_KEYS_CONFIG).isBlank()
        && cfg.getString(FabricConfig.RETRIEVAL_RECEIPT_KEY_CONFIG).isBlank()) {
      trust(
          cfg.receiptKeysFile(),
          KeyFiles.readOrCreate(cfg.retrievalReceiptKeyFile(), "retrieval-gateway-1"));
    }
    if (cfg.getString(FabricConfig.AUDIT_EVIDENCE_KEYS_CONFIG).isBlank()
        && cfg.getString(FabricConfig.EVIDENCE_KEY_CONFIG).isBlank()) {
      Ed25519.SigningKey logKey = KeyFiles.readOrCreate(cfg.evidenceKeyFile(), "evidence-1");
      trustLogKey(
          cfg.auditEvidenceKeysFile(),
          NoteSigner.fromSeed(cfg.getString(FabricConfig.EVIDENCE_LOG_ORIGIN_CONFIG), logKey.seed())
              .verifier()
              .vkey());
    }
    for (String dir : new String[] {"state", "connect"}) {
      if (deleteTree(cfg.workDir().resolve(dir))) {
        created.add("a clean " + dir + " directory (the embedded broker starts empty)");
      }
    }
    return new Prepared(issuerKey, created);
  }

  /**
   * Writes a properties file that points external-mode commands ({@code fabric audit}, {@code
   * replay}, {@code policy}, {@code lag}) at the servers of a running embedded stack and at this
   * work directory.
   */
  public static void writeEndpoints(Path file, FabricConfig cfg, StackEndpoints endpoints)
      throws IOException {
    Properties p = endpoints.externalModeProperties();
    p.put(FabricConfig.WORK_DIR_CONFIG, cfg.workDir().toAbsolutePath().toString());
    for (String key :
        new String[] {
          FabricConfig.APPLICATION_ID_CONFIG,
          FabricConfig.TOPIC_REQUESTS_CONFIG,
          FabricConfig.TOPIC_DECISIONS_CONFIG,
          FabricConfig.TOPIC_EVIDENCE_CONFIG,
          FabricConfig.TOPIC_DEAD_LETTER_CONFIG,
          FabricConfig.TOPIC_POLICY_STATE_CONFIG,
          FabricConfig.S3_BUCKET_CONFIG
        }) {
      p.put(key, cfg.getString(key));
    }
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(w, "servers of a running embedded stack (valid while it runs); use with --config");
    }
  }

  /**
   * Adds a log verifier key ({@code <name>+<id>+<key>}, what {@code fabric audit} reads) to the
   * trusted evidence keys file, dropping lines that are not verifier keys (a key ring line {@code
   * id=key} is not).
   */
  private static void trustLogKey(Path file, String vkey) throws IOException {
    List<String> lines = new ArrayList<>();
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#") || t.split("\\+", -1).length == 3) {
          lines.add(line);
        }
      }
    } else {
      lines.add("# trusted evidence log verifier keys (signed-note vkeys), one per line");
    }
    if (!lines.contains(vkey)) {
      lines.add(vkey);
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
  }

  private static void trust(Path ring, Ed25519.SigningKey key) throws IOException {
    KeyRing existing = Files.exists(ring) ? KeyRing.read(ring) : KeyRing.empty();
    if (!existing
        .publicKey(key.keyId())
        .map(k -> Arrays.equals(k, key.publicKey()))
        .orElse(false)) {
      existing.with(key.keyId(), key.publicKey()).write(ring);
    }
  }

  private static boolean deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return false;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    return true;
  }
}
