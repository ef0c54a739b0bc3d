package io.provability.fabric.sinks.witness;

import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.schemas.tlog.NoteVerifier;
import io.provability.fabric.schemas.tlog.TlogException;
import io.provability.fabric.sinks.evidence.EvidenceStoreConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The witness's own configuration, from a properties file. The witness is run by an auditor, apart
 * from the application, so it has its own small file; the S3 keys have the same names and meaning
 * as the application's, so one file can serve both. Every key is declared once below with its
 * documentation and default, and validated at start-up with a message naming it; the S3 secret is a
 * password and never printed.
 *
 * @param logs the logs to watch
 * @param logKeys verifier keys trusted to sign their checkpoints
 * @param stateFile the witness's durable state (JSON)
 * @param s3 S3 connection settings
 */
public record WitnessConfig(
    List<Witness.WitnessedLog> logs,
    List<NoteVerifier> logKeys,
    Path stateFile,
    EvidenceStoreConfig s3) {

  public static final String LOGS_CONFIG = "witness.logs";
  public static final String LOG_KEYS_CONFIG = "witness.log.keys";
  public static final String STATE_FILE_CONFIG = "witness.state.file";
  public static final String S3_ENDPOINT_CONFIG = "s3.endpoint";
  public static final String S3_REGION_CONFIG = "s3.region";
  public static final String S3_ACCESS_KEY_CONFIG = "s3.access.key";
  public static final String S3_SECRET_KEY_CONFIG = "s3.secret.key";
  public static final String S3_BUCKET_CONFIG = "s3.bucket";

  static final ConfigDef DEF =
      new ConfigDef()
          .define(
              LOGS_CONFIG,
              Type.LIST,
              ConfigDef.NO_DEFAULT_VALUE,
              Importance.HIGH,
              "Logs to witness, comma-separated, each <origin>=<S3 key prefix> (the prefix without a trailing"
                  + " '/'), e.g. fabric.example/evidence/0=evidence-log/0.")
          .define(
              LOG_KEYS_CONFIG,
              Type.LIST,
              ConfigDef.NO_DEFAULT_VALUE,
              Importance.HIGH,
              "Verifier keys (<name>+<hex id>+<base64>) trusted to sign the logs' checkpoints, comma-separated;"
                  + " list old and new key during a key rotation.")
          .define(
              STATE_FILE_CONFIG,
              Type.STRING,
              ConfigDef.NO_DEFAULT_VALUE,
              Importance.HIGH,
              "JSON file with the last checkpoint cosigned per log; rewritten atomically. Losing it makes the"
                  + " witness trust the next checkpoint it sees, so keep it on durable storage.")
          .define(
              S3_ENDPOINT_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "S3 endpoint URL; empty for AWS.")
          .define(S3_REGION_CONFIG, Type.STRING, "us-east-1", Importance.LOW, "S3 region.")
          .define(
              S3_ACCESS_KEY_CONFIG,
              Type.STRING,
              "",
              Importance.HIGH,
              "S3 access key; empty for the SDK's default credential chain.")
          .define(S3_SECRET_KEY_CONFIG, Type.PASSWORD, "", Importance.HIGH, "S3 secret key.")
          .define(
              S3_BUCKET_CONFIG,
              Type.STRING,
              "fabric-evidence",
              Importance.HIGH,
              "Bucket holding the logs; the witness also writes its cosigned checkpoints there.");

  /** Copies the lists. */
  public WitnessConfig {
    logs = List.copyOf(logs);
    logKeys = List.copyOf(logKeys);
  }

  /**
   * Reads and validates the configuration.
   *
   * @param file the properties file
   * @return the configuration
   * @throws ConfigException naming the key whose value is wrong
   * @throws IOException if the file cannot be read
   */
  public static WitnessConfig load(Path file) throws IOException {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    }
    return parse(properties);
  }

  /**
   * Validates properties already loaded.
   *
   * @param properties the keys above
   * @return the configuration
   */
  public static WitnessConfig parse(Map<?, ?> properties) {
    AbstractConfig c = new AbstractConfig(DEF, properties, false);
    List<Witness.WitnessedLog> logs = new ArrayList<>();
    for (String spec : c.getList(LOGS_CONFIG)) {
      int eq = spec.lastIndexOf('=');
      if (eq <= 0 || eq == spec.length() - 1) {
        throw new ConfigException(LOGS_CONFIG, spec, "each log must be <origin>=<S3 key prefix>");
      }
      try {
        logs.add(
            new Witness.WitnessedLog(
                spec.substring(0, eq).strip(), spec.substring(eq + 1).strip()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(LOGS_CONFIG, spec, e.getMessage());
      }
    }
    if (logs.isEmpty()) {
      throw new ConfigException(LOGS_CONFIG, "", "name at least one log");
    }
    List<NoteVerifier> keys = new ArrayList<>();
    for (String vkey : c.getList(LOG_KEYS_CONFIG)) {
      try {
        keys.add(NoteVerifier.parse(vkey));
      } catch (TlogException e) {
        throw new ConfigException(LOG_KEYS_CONFIG, vkey, e.getMessage());
      }
    }
    if (keys.isEmpty()) {
      throw new ConfigException(LOG_KEYS_CONFIG, "", "name at least one log key");
    }
    String state = c.getString(STATE_FILE_CONFIG);
    if (state.isBlank()) {
      throw new ConfigException(STATE_FILE_CONFIG, state, "must name a file");
    }
    EvidenceStoreConfig s3;
    try {
      s3 =
          EvidenceStoreConfig.builder()
              .endpoint(c.getString(S3_ENDPOINT_CONFIG))
              .region(c.getString(S3_REGION_CONFIG))
              .bucket(c.getString(S3_BUCKET_CONFIG))
              .accessKey(c.getString(S3_ACCESS_KEY_CONFIG))
              .secretKey(c.getPassword(S3_SECRET_KEY_CONFIG).value())
              .build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException("s3.*", "", e.getMessage());
    }
    return new WitnessConfig(logs, keys, Path.of(state), s3);
  }

  /**
   * Reads a witness signing key file: either a note signer key ({@code PRIVATE+KEY+<name>+...}) or
   * the key file {@code fabric keys generate} writes ({@code <name>=<base64 seed>}), whose key id
   * is the name.
   *
   * @param file the key file (keep it owner-only)
   * @return the signer; its name is the witness's name
   * @throws IOException if the file cannot be read or holds no valid key
   */
  public static NoteSigner readKey(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8).strip();
    try {
      if (text.startsWith("PRIVATE+KEY+")) {
        return NoteSigner.parse(text);
      }
      int eq = text.indexOf('=');
      if (eq <= 0) {
        throw new IOException(file + ": expected PRIVATE+KEY+... or <name>=<base64 seed>");
      }
      return NoteSigner.fromSeed(
          text.substring(0, eq).strip(),
          Base64.getDecoder().decode(text.substring(eq + 1).strip()));
    } catch (TlogException | IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }
}
