package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provability.fabric.events.Decision;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.processors.crypto.Ed25519;
import io.provability.fabric.processors.crypto.KeyRing;
import io.provability.fabric.schemas.evidence.LogEntry;
import io.provability.fabric.schemas.serde.EventCodec;
import io.provability.fabric.schemas.tlog.Checkpoint;
import io.provability.fabric.schemas.tlog.EntryBundle;
import io.provability.fabric.schemas.tlog.NoteSigner;
import io.provability.fabric.schemas.tlog.SignedNote;
import io.provability.fabric.schemas.tlog.TileLogAppender;
import io.provability.fabric.schemas.tlog.TileReader;
import io.provability.fabric.schemas.tlog.TlogPaths;
import io.provability.fabric.tools.cli.FabricCli;
import io.provability.fabric.tools.internal.demo.KafkaTraffic;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.config.StackEndpoints;
import io.provability.fabric.topology.runtime.FabricRuntime;
import io.provability.fabric.topology.runtime.KeyFiles;
import io.provability.fabric.topology.runtime.TopicSetup;
import io.provability.fabric.topology.traffic.SyntheticTraffic;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The audit tools against real servers: the pipeline decides and stores a few hundred plans, then
 * {@code fabric audit} and {@code fabric replay} (run through the CLI, as an operator runs them)
 * verify, prove and replay them; then six kinds of tampering, each on its own session, must each be
 * reported precisely, and nothing else.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditEndToEndIT {
  private static final int REQUESTS = 600;
  private static final Duration PATIENCE = Duration.ofMinutes(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String ns;
  private static StackEndpoints ep;
  private static FabricConfig cfg;
  private static Path work;
  private static Path config;
  private static Instant from;
  private static Instant to;
  private static String bucket;

  @BeforeAll
  static void decideAndStore() throws Exception {
    ns = ItFixtures.namespace("au");
    ep = TestEnvironment.endpoints();
    work = Files.createTempDirectory("fabric-audit-it-");
    Ed25519.SigningKey issuer = Ed25519.SigningKey.generate("it-issuer", new SecureRandom());
    Path trusted = work.resolve("keys").resolve("trusted-issuers.keys");
    Files.createDirectories(trusted.getParent());
    KeyRing.empty().with(issuer.keyId(), issuer.publicKey()).write(trusted);
    Ed25519.SigningKey evidence = Ed25519.SigningKey.generate("it-evidence-1", new SecureRandom());
    KeyFiles.write(work.resolve("keys").resolve("evidence.key"), evidence);
    bucket = "fabric-" + ns + "evidence";

    Map<String, String> settings = new LinkedHashMap<>();
    settings.put(FabricConfig.WORK_DIR_CONFIG, work.toString());
    settings.put(FabricConfig.APPLICATION_ID_CONFIG, ns + "runtime");
    for (String t : List.of("requests", "decisions", "evidence", "dead-letter", "policy-state")) {
      settings.put(
          "topic." + t.replace("-letter", ".letter").replace("-state", ".state"),
          ns + "fabric." + t);
    }
    settings.put(FabricConfig.S3_BUCKET_CONFIG, bucket);
    settings.put(FabricConfig.SINK_GROUP_CONFIG, ns + "sinks");
    // its own log names: the database is shared with the other end-to-end tests
    settings.put(FabricConfig.EVIDENCE_LOG_ORIGIN_CONFIG, ns + "evidence.test/log");
    cfg = FabricConfig.defaults(settings);

    // what an operator's external-mode file for this deployment holds; the CLI reads it
    Properties props = new Properties();
    props.putAll(settings);
    props.put(FabricConfig.MODE_CONFIG, "external");
    props.put(FabricConfig.BOOTSTRAP_CONFIG, ep.bootstrapServers());
    props.put(FabricConfig.JDBC_URL_CONFIG, ep.jdbcUrl());
    props.put(FabricConfig.JDBC_USER_CONFIG, ep.jdbcUser());
    props.put(FabricConfig.JDBC_PASSWORD_CONFIG, ep.jdbcPassword());
    props.put(FabricConfig.S3_ENDPOINT_CONFIG, ep.s3Endpoint());
    props.put(FabricConfig.S3_REGION_CONFIG, ep.s3Region());
    props.put(FabricConfig.S3_ACCESS_KEY_CONFIG, ep.s3AccessKey());
    props.put(FabricConfig.S3_SECRET_KEY_CONFIG, ep.s3SecretKey());
    config = work.resolve("audit.properties");
    try (var w = Files.newBufferedWriter(config)) {
      props.store(w, "AuditEndToEndIT");
    }
    assertThat(
            cli(
                    "audit",
                    "trust",
                    "--config",
                    config.toString(),
                    "--key",
                    work.resolve("keys/evidence.key").toString(),
                    "--ring",
                    cfg.auditEvidenceKeysFile().toString())
                .code())
        .isZero();

    SyntheticTraffic traffic = new SyntheticTraffic(ns, issuer, 4, 40, Instant.now(), 777L);
    List<PlanRequest> plans = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      plans.add(traffic.next().request());
    }
    try (Admin admin = admin()) {
      TopicSetup.ensure(admin, cfg);
    }
    KafkaTraffic.publishRevocations(
        ep.bootstrapServers(), cfg.topicPolicyState(), traffic.revocations());
    from = Instant.now();
    try (FabricRuntime runtime = FabricRuntime.start(cfg, ep, true);
        KafkaProducer<byte[], byte[]> producer = KafkaTraffic.producer(ep.bootstrapServers())) {
      KafkaTraffic.produce(producer, cfg.topicRequests(), plans, n -> {});
      await()
          .atMost(PATIENCE)
          .pollInterval(Duration.ofMillis(250))
          .until(
              () ->
                  count("select count(*) from decision_log where session_id like ?") == REQUESTS
                      && count(
                              "select count(*) from decision_evidence e join decision_log d using (decision_id) "
                                  + "where d.session_id like ?")
                          == REQUESTS);
      assertThat(runtime.streams().state().isRunningOrRebalancing()).isTrue();
    }
    to = Instant.now().plusSeconds(1);
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (work != null) {
      try (var paths = Files.walk(work)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  @Order(1)
  void untouchedEvidenceVerifiesAndEveryProofChecksOffline() throws Exception {
    Cli all = verifyRange();
    assertThat(all.code()).as(all.out()).isZero();
    assertThat(all.out())
        .contains("decision rows checked " + REQUESTS + ", equal to their entry " + REQUESTS)
        .contains("RESULT: OK");

    Cli noRing =
        cli(
            "audit",
            "verify",
            "--config",
            config.toString(),
            "--session",
            "x",
            "--evidence-keys",
            work.resolve("missing.keys").toString());
    assertThat(noRing.code()).as("not a finding: exit 2").isEqualTo(2);
    assertThat(noRing.out()).contains("trusted evidence log keys").contains("do not exist");

    String session = sessions().get(0);
    Cli one = cli("audit", "verify", "--config", config.toString(), "--session", session);
    assertThat(one.code()).as(one.out()).isZero();

    String decision = decisionsOf(session).get(0);
    Path proof = work.resolve("proof.tlog-proof");
    Cli prove =
        cli("audit", "prove", "--config", config.toString(), decision, "--out", proof.toString());
    assertThat(prove.code()).as(prove.out()).isZero();
    assertThat(Files.readString(proof)).startsWith("c2sp.org/tlog-proof@v1\n");
    // offline: the check gets the trusted keys and the file, and no endpoint at all
    Cli check =
        cli(
            "audit",
            "check-proof",
            "--set",
            FabricConfig.AUDIT_EVIDENCE_KEYS_CONFIG + "=" + cfg.auditEvidenceKeysFile(),
            proof.toString());
    assertThat(check.code()).as(check.out()).isZero();
    assertThat(check.out())
        .startsWith("VALID: entry ")
        .contains("decision " + decision)
        .contains("on the request in the entry");

    // every decision of a session, against one checkpoint
    Path dir = work.resolve("session-proofs");
    Cli proveSession =
        cli(
            "audit",
            "prove",
            "--config",
            config.toString(),
            "--session",
            session,
            "--out",
            dir.toString());
    assertThat(proveSession.code()).as(proveSession.out()).isZero();
    try (var files = Files.list(dir)) {
      assertThat(files.count()).isEqualTo(decisionsOf(session).size());
    }

    // the proof's index moved to another leaf: the audit path no longer leads to the signed root
    String text = Files.readString(proof);
    long index =
        Long.parseLong(
            text.lines()
                .filter(l -> l.startsWith("index "))
                .findFirst()
                .orElseThrow()
                .substring(6));
    Files.writeString(proof, text.replace("index " + index + "\n", "index " + (index ^ 1) + "\n"));
    Cli bad =
        cli(
            "audit",
            "check-proof",
            "--evidence-keys",
            cfg.auditEvidenceKeysFile().toString(),
            proof.toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.out()).startsWith("INVALID: ").contains("inclusion proof does not verify");
  }

  @Test
  @Order(2)
  void replayUnderTheSamePolicyGivesNoDifferenceAndTouchesNothingLive() throws Exception {
    Map<TopicPartition, OffsetAndMetadata> appOffsets = groupOffsets(ns + "runtime");
    Set<String> groups = groups();
    Map<TopicPartition, Long> decisionsEnd = endOffsets(cfg.topicDecisions());
    long rows = count("select count(*) from decision_log where session_id like ?");

    Path out = work.resolve("replay-same.jsonl");
    Cli kafka = overRange(List.of("replay"), "--out", out.toString());
    assertThat(kafka.code()).as(kafka.out()).isZero();
    assertThat(kafka.out())
        .contains(
            "recorded "
                + REQUESTS
                + ", replayed "
                + REQUESTS
                + " (requests from Kafka "
                + REQUESTS
                + ", from the evidence logs 0), unavailable 0")
        .contains("same " + REQUESTS + ", different 0");
    assertThat(Files.readAllLines(out))
        .hasSize(REQUESTS)
        .allMatch(l -> l.contains("\"same\":true"));

    // requests from the evidence logs' entries, under the policy state rebuilt for a version (0:
    // none was published)
    Cli logs =
        overRange(
            List.of("replay"),
            "--source",
            "log",
            "--policy",
            "0",
            "--out",
            work.resolve("replay-log.jsonl").toString());
    assertThat(logs.code()).as(logs.out()).isZero();
    assertThat(logs.out())
        .contains("while policy version 0 was in force")
        .contains("(requests from Kafka 0, from the evidence logs " + REQUESTS + ")")
        .contains("same " + REQUESTS + ", different 0");

    assertThat(groupOffsets(ns + "runtime")).isEqualTo(appOffsets);
    assertThat(groups()).isEqualTo(groups);
    assertThat(endOffsets(cfg.topicDecisions())).isEqualTo(decisionsEnd);
    assertThat(count("select count(*) from decision_log where session_id like ?")).isEqualTo(rows);
  }

  @Test
  @Order(3)
  void replayWithOneRevokedTokenChangesExactlyTheDecisionsThatUsedIt() throws Exception {
    // the session token used by most requests of the busiest session
    Map<String, Set<String>> byToken = new HashMap<>();
    try (Connection c = db();
        PreparedStatement s =
            c.prepareStatement(
                "select token_id, decision_id from decision_log where session_id like ? and token_id like ?")) {
      s.setString(1, ns + "%");
      s.setString(2, "tok-" + ns + "session-%");
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          byToken.computeIfAbsent(rs.getString(1), k -> new TreeSet<>()).add(rs.getString(2));
        }
      }
    }
    String token =
        byToken.entrySet().stream()
            .max(Map.Entry.comparingByValue((a, b) -> a.size() - b.size()))
            .orElseThrow()
            .getKey();
    Set<String> expected = byToken.get(token);
    assertThat(expected).hasSizeGreaterThan(3);
    Path policy = work.resolve("revoke.json");
    Files.writeString(
        policy, "{\"revocations\": [{\"token_id\": \"" + token + "\", \"tenant\": \"x\"}]}");
    Path out = work.resolve("replay-revoked.jsonl");
    Cli revoked =
        overRange(List.of("replay"), "--policy", policy.toString(), "--out", out.toString());
    assertThat(revoked.code()).as(revoked.out()).isEqualTo(1);
    assertThat(revoked.out())
        .contains("same " + (REQUESTS - expected.size()) + ", different " + expected.size())
        .containsPattern("\\+TOKEN_REVOKED +" + expected.size() + "\n");
    Set<String> differing = new TreeSet<>();
    for (String line : Files.readAllLines(out)) {
      JsonNode n = JSON.readTree(line);
      if (!n.get("same").asBoolean()) {
        differing.add(n.get("decision_id").asText());
        assertThat(n.get("replayed_verdict").asText()).isEqualTo("DENY");
      }
    }
    assertThat(differing).isEqualTo(expected);
  }

  @Test
  @Order(4)
  void eachTamperingIsReportedWithItsReason() throws Exception {
    List<String> ids = sessions();
    assertThat(ids).hasSizeGreaterThanOrEqualTo(3);
    Map<String, String> expected = new TreeMap<>();
    // 1. a decision row deleted
    String deleted = decisionsOf(ids.get(0)).get(0);
    update("delete from decision_log where decision_id = ?", deleted);
    expected.put("decision " + deleted, "ROW_MISSING");
    // 2. one row's verdict changed
    String changed = decisionsOf(ids.get(1)).get(0);
    update(
        "update decision_log set verdict = case verdict when 'ALLOW' then 'DENY' else 'ALLOW' end "
            + "where decision_id = ?",
        changed);
    expected.put("decision " + changed, "ROW_DIFFERS");
    // 3. a second row of an existing decision placed in the previous day's partition
    String duplicated = decisionsOf(ids.get(2)).get(0);
    update(
        "insert into decision_log (decided_on, decision_id, request_id, session_id, tenant, subject_id, kind, "
            + "verdict, reason_codes, reasons, matched_capabilities, token_id, policy_version, decided_at, eval_micros, "
            + "request_hash, event) select decided_on - 1, decision_id, request_id, session_id, tenant, subject_id, kind, "
            + "'ALLOW', '{}', '[]', matched_capabilities, token_id, policy_version, decided_at - interval '1 day', "
            + "eval_micros, request_hash, event from decision_log where decision_id = ?",
        duplicated);
    expected.put("decision " + duplicated, "DUPLICATE_ROW");

    Cli range = verifyRange();
    assertThat(range.code()).as(range.out()).isEqualTo(1);
    Map<String, List<String>> reported = mismatches(range.out());
    expected.forEach(
        (subject, code) -> assertThat(reported.get(subject)).as(range.out()).contains(code));
    assertThat(range.out()).contains("verdict: row ");

    // 4. one bit flipped in the log's first entry bundle: the root no longer recomputes
    String log = "log/" + 0;
    try (S3Client s3 = s3()) {
      String key =
          s3.listObjectsV2(r -> r.bucket(bucket).prefix(log + "/tile/entries/"))
              .contents()
              .get(0)
              .key();
      byte[] bundle = get(s3, key);
      bundle[bundle.length / 2] ^= 0x01;
      put(s3, key, bundle);
      Cli flipped = verifyRange();
      assertThat(flipped.code()).as(flipped.out()).isEqualTo(1);
      assertThat(flipped.out()).containsPattern("(ENTRY_NOT_IN_LOG|TILE_MISMATCH|ENTRY_INVALID) ");
      bundle[bundle.length / 2] ^= 0x01;
      put(s3, key, bundle);

      // 5. the published checkpoint rolled back to an older one
      byte[] latest = get(s3, log + "/checkpoint");
      byte[] older;
      try (Connection c = db();
          PreparedStatement q =
              c.prepareStatement(
                  "select note from log_checkpoint where origin = ? order by size limit 1")) {
        q.setString(1, ns + "evidence.test/log/0");
        try (ResultSet rs = q.executeQuery()) {
          assertThat(rs.next()).isTrue();
          older = rs.getBytes(1);
        }
      }
      if (!Arrays.equals(older, latest)) {
        put(s3, log + "/checkpoint", older);
        Cli rolled = verifyRange();
        assertThat(rolled.code()).as(rolled.out()).isEqualTo(1);
        assertThat(rolled.out())
            .contains("CHECKPOINT_ROLLED_BACK log " + ns + "evidence.test/log/0");
        put(s3, log + "/checkpoint", latest);
      }
    }
  }

  @Test
  @Order(5)
  void aWitnessCosignsAndRefusesEachRewriteOfTheLogThatAuditVerifyAlsoReports() throws Exception {
    String origin = ns + "evidence.test/log/0";
    String log = "log/0";
    WitnessRun witnessRun = witness(origin, log);
    String[] witness = witnessRun.once();
    String cosignatureVkey = witnessRun.cosignatureVkey();
    String untouched = sessions().get(3);
    String[] verifySession = {
      "audit",
      "verify",
      "--config",
      config.toString(),
      "--session",
      untouched,
      "--witness-key",
      cosignatureVkey
    };

    // the witness cosigns the log as it is, and audit verify finds its cosignature
    Cli first = cli(witness);
    assertThat(first.code()).as(first.out()).isZero();
    assertThat(first.out()).contains("COSIGNED " + origin);
    Cli verified = cli(verifySession);
    assertThat(verified.code()).as(verified.out()).isZero();
    assertThat(verified.out()).contains("RESULT: OK");
    Cli again = cli(witness);
    assertThat(again.code()).as(again.out()).isZero();
    assertThat(again.out()).contains("UNCHANGED " + origin);

    try (S3Client s3 = s3()) {
      Map<String, byte[]> original = new TreeMap<>();
      for (var o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(log + "/")).contents()) {
        original.put(o.key(), get(s3, o.key()));
      }
      byte[] latest = original.get(log + "/checkpoint");
      Checkpoint published = Checkpoint.parse(SignedNote.parse(latest).text());

      // 1. one bit flipped in the checkpoint's signature
      byte[] flipped = latest.clone();
      flipped[flipped.length - 10] ^= 0x01;
      put(s3, log + "/checkpoint", flipped);
      expectRefused(witness, "BAD_CHECKPOINT " + origin);
      expectReported(verifySession, "CHECKPOINT_SIGNATURE_INVALID log " + origin);
      put(s3, log + "/checkpoint", latest);

      // 2. the checkpoint rolled back to the first one recorded
      byte[] older = recordedCheckpoints(origin).get(0);
      assertThat(Checkpoint.parse(SignedNote.parse(older).text()).size())
          .isLessThan(published.size());
      put(s3, log + "/checkpoint", older);
      expectRefused(witness, "ROLLBACK " + origin);
      expectReported(verifySession, "CHECKPOINT_ROLLED_BACK log " + origin);
      put(s3, log + "/checkpoint", latest);

      // 3. a session erased, its entries and its rows (no log key: tiles and checkpoint left as
      // they were);
      // the witness sees an unchanged checkpoint, the audit the entries that no longer hash to the
      // tiles
      String erased = sessions().get(4);
      Set<String> erasedDecisions = new HashSet<>(decisionsOf(erased));
      for (Map.Entry<String, byte[]> e : original.entrySet()) {
        if (e.getKey().startsWith(log + "/tile/entries/")) {
          List<byte[]> kept =
              EntryBundle.decode(e.getValue()).stream()
                  .filter(entry -> !erasedDecisions.contains(decisionIdOf(entry)))
                  .toList();
          put(s3, e.getKey(), EntryBundle.encode(kept));
        }
      }
      update(
          "delete from decision_evidence where decision_id in (select decision_id from decision_log "
              + "where session_id = ?)",
          erased,
          erasedDecisions.size());
      update("delete from decision_log where session_id = ?", erased, erasedDecisions.size());
      Cli unchanged = cli(witness);
      assertThat(unchanged.out()).contains("UNCHANGED " + origin);
      Cli range = verifyRange();
      assertThat(range.code()).as(range.out()).isEqualTo(1);
      assertThat(range.out())
          .containsPattern(
              "ENTRY_NOT_IN_LOG entry "
                  + origin
                  + "#\\d+: not included under the root "
                  + "of the checkpoint of size "
                  + published.size()
                  + ": entry bundle holds \\d+ entries, expected 256");
      original.forEach((key, bytes) -> put(s3, key, bytes));

      // 4. an insider with the log key rebuilds the log with two decisions swapped and signs it: a
      // fork
      TileReader stored =
          new TileReader(
              path -> Optional.ofNullable(original.get(log + "/" + path)), published.size());
      List<byte[]> entries = new ArrayList<>();
      for (long i = 0; i * TlogPaths.TILE_WIDTH < published.size(); i++) {
        entries.addAll(stored.bundle(i));
      }
      assertThat(entries).hasSize((int) published.size());
      Collections.swap(entries, 0, 1);
      TileLogAppender.AppendResult fork = new TileLogAppender().append(entries);
      fork.writes().forEach((path, bytes) -> put(s3, log + "/" + path, bytes));
      NoteSigner logKey =
          NoteSigner.fromSeed(
              ns + "evidence.test/log", KeyFiles.read(work.resolve("keys/evidence.key")).seed());
      put(
          s3,
          log + "/checkpoint",
          SignedNote.sign(fork.checkpoint(origin).body(), logKey).encode());
      expectRefused(witness, "FORK " + origin);
      expectReported(verifySession, "CHECKPOINT_INCONSISTENT log " + origin);
      original.forEach((key, bytes) -> put(s3, key, bytes));

      // 5. the log truncated: the last bundle gone, the checkpoint and its record rolled back
      long keep = recordedSizes(origin).get(0);
      long firstGone = (keep + TlogPaths.TILE_WIDTH - 1) / TlogPaths.TILE_WIDTH;
      for (String key : original.keySet()) {
        if (key.startsWith(log + "/tile/entries/") && bundleIndex(key) >= firstGone) {
          s3.deleteObject(r -> r.bucket(bucket).key(key));
        }
      }
      put(s3, log + "/checkpoint", recordedCheckpoints(origin).get(0));
      try (Connection c = db();
          PreparedStatement d =
              c.prepareStatement("delete from log_checkpoint where origin = ? and size > ?")) {
        d.setString(1, origin);
        d.setLong(2, keep);
        assertThat(d.executeUpdate()).isPositive();
      }
      expectRefused(witness, "ROLLBACK " + origin);
      Cli truncated =
          cli(
              "audit",
              "verify",
              "--config",
              config.toString(),
              "--from",
              from.toString(),
              "--to",
              to.toString(),
              "--witness-key",
              cosignatureVkey);
      assertThat(truncated.code()).as(truncated.out()).isEqualTo(1);
      assertThat(truncated.out()).contains("CHECKPOINT_ROLLED_BACK log " + origin + ": witness");
    }
  }

  /** {@code fabric witness --once} for one log, and its cosignature key. */
  private record WitnessRun(String[] once, String cosignatureVkey) {}

  /**
   * Sets up a witness as an auditor would: its own key ({@code fabric keys generate --format
   * note}), its own properties file naming the log, the trusted log key, a state file and the
   * bucket.
   */
  private static WitnessRun witness(String origin, String log) throws Exception {
    Path witnessKey = work.resolve("witness.key");
    Cli keys =
        cli(
            "keys",
            "generate",
            "--key-id",
            ns + "witness.test/w1",
            "--out",
            witnessKey.toString(),
            "--format",
            "note");
    assertThat(keys.code()).as(keys.out()).isZero();
    String cosignatureVkey =
        keys.out()
            .lines()
            .filter(l -> l.startsWith("cosignature vkey "))
            .map(l -> l.substring("cosignature vkey ".length()).strip())
            .findFirst()
            .orElseThrow();
    Properties w = new Properties();
    w.put("witness.logs", origin + "=" + log);
    w.put(
        "witness.log.keys",
        String.join(",", Files.readAllLines(cfg.auditEvidenceKeysFile())).strip());
    w.put("witness.state.file", work.resolve("witness-state.json").toString());
    w.put("s3.endpoint", ep.s3Endpoint());
    w.put("s3.region", ep.s3Region());
    w.put("s3.access.key", ep.s3AccessKey());
    w.put("s3.secret.key", ep.s3SecretKey());
    w.put("s3.bucket", bucket);
    Path witnessConfig = work.resolve("witness.properties");
    try (var out = Files.newBufferedWriter(witnessConfig)) {
      w.store(out, "the witness of AuditEndToEndIT");
    }
    return new WitnessRun(
        new String[] {
          "witness", "--config", witnessConfig.toString(), "--key", witnessKey.toString(), "--once"
        },
        cosignatureVkey);
  }

  private static void expectRefused(String[] witness, String line) {
    Cli refused = cli(witness);
    assertThat(refused.code()).as(refused.out()).isEqualTo(1);
    assertThat(refused.out()).contains(line);
  }

  private static void expectReported(String[] verify, String line) {
    Cli report = cli(verify);
    assertThat(report.code()).as(report.out()).isEqualTo(1);
    assertThat(report.out()).contains(line);
  }

  private static String decisionIdOf(byte[] entry) {
    return EventCodec.standard()
        .decode(LogEntry.decode(entry).decisionBytes(), Decision.class)
        .getDecisionId();
  }

  /**
   * The index of an entry bundle's path ({@code .../entries/x001/234} and {@code .../x001/234.p/7}
   * are 1234).
   */
  private static long bundleIndex(String key) {
    String path = key.substring(key.indexOf("tile/entries/") + "tile/entries/".length());
    int partial = path.indexOf(".p/");
    return Long.parseLong(
        (partial < 0 ? path : path.substring(0, partial)).replace("x", "").replace("/", ""));
  }

  private static List<byte[]> recordedCheckpoints(String origin) throws SQLException {
    return query(
        "select note from log_checkpoint where origin = ? order by size",
        origin,
        rs -> rs.getBytes(1));
  }

  /** One column of the rows a one-parameter query returns. */
  private static <T> List<T> query(String sql, String parameter, Column<T> column)
      throws SQLException {
    List<T> out = new ArrayList<>();
    try (Connection c = db();
        PreparedStatement q = c.prepareStatement(sql)) {
      q.setString(1, parameter);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.add(column.read(rs));
        }
      }
    }
    return out;
  }

  private interface Column<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private static List<Long> recordedSizes(String origin) throws SQLException {
    List<Long> out = new ArrayList<>();
    for (byte[] note : recordedCheckpoints(origin)) {
      out.add(Checkpoint.parse(SignedNote.parse(note).text()).size());
    }
    return out;
  }

  /** Mismatch lines of a report: subject to its codes. */
  private static Map<String, List<String>> mismatches(String report) {
    Map<String, List<String>> out = new TreeMap<>();
    for (String line : report.split("\n")) {
      if (!line.startsWith("  ")
          || !line.substring(2).matches("[A-Z_]+ (log|checkpoint|entry|decision) .*")) {
        continue;
      }
      String rest = line.substring(2);
      String code = rest.substring(0, rest.indexOf(' '));
      String subject = rest.substring(code.length() + 1, rest.indexOf(": "));
      out.computeIfAbsent(subject, k -> new ArrayList<>()).add(code);
    }
    return out;
  }

  /** Sessions of this run, by id. */
  private static List<String> sessions() throws SQLException {
    return query(
        "select distinct session_id from decision_log where session_id like ? order by session_id",
        ns + "%",
        rs -> rs.getString(1));
  }

  private static List<String> decisionsOf(String session) throws SQLException {
    return query(
        "select decision_id from decision_log where session_id = ? order by decided_at",
        session,
        rs -> rs.getString(1));
  }

  private record Cli(int code, String out) {}

  private static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    PrintWriter w = new PrintWriter(out);
    int code = new picocli.CommandLine(new FabricCli()).setOut(w).setErr(w).execute(args);
    w.flush();
    // the reports are what an operator reads: keep them in the test output
    System.out.println("$ fabric " + String.join(" ", args) + "   (exit " + code + ")\n" + out);
    return new Cli(code, out.toString());
  }

  /** {@code fabric audit verify} over the decisions from {@link #from} to {@link #to}. */
  private static Cli verifyRange() {
    return overRange(List.of("audit", "verify"));
  }

  /**
   * {@code fabric <command> --config <config> --from <from> --to <to> <options>}: a command over
   * the decisions of this test's traffic.
   */
  private static Cli overRange(List<String> command, String... options) {
    List<String> args = new ArrayList<>(command);
    args.addAll(
        List.of("--config", config.toString(), "--from", from.toString(), "--to", to.toString()));
    args.addAll(List.of(options));
    return cli(args.toArray(String[]::new));
  }

  private static S3Client s3() {
    return S3Client.builder()
        .httpClient(Apache5HttpClient.builder().build())
        .endpointOverride(URI.create(ep.s3Endpoint()))
        .region(Region.of(ep.s3Region()))
        .forcePathStyle(true)
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(ep.s3AccessKey(), ep.s3SecretKey())))
        .build();
  }

  private static byte[] get(S3Client s3, String key) {
    return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
  }

  private static void put(S3Client s3, String key, byte[] bytes) {
    s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
  }

  private static Admin admin() {
    return Admin.create(Map.of("bootstrap.servers", ep.bootstrapServers()));
  }

  private static Map<TopicPartition, OffsetAndMetadata> groupOffsets(String group)
      throws Exception {
    try (Admin admin = admin()) {
      return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    }
  }

  private static Set<String> groups() throws Exception {
    try (Admin admin = admin()) {
      return admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get().stream()
          .map(GroupListing::groupId)
          .collect(Collectors.toCollection(HashSet::new));
    }
  }

  private static Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
    try (Admin admin = admin()) {
      return ItFixtures.endOffsets(admin, topic);
    }
  }

  private static Connection db() throws SQLException {
    return ItFixtures.db(ep);
  }

  private static long count(String sql) throws SQLException {
    return ItFixtures.count(ep, sql, ns + "%");
  }

  private static void update(String sql, String id) throws SQLException {
    update(sql, id, 1);
  }

  private static void update(String sql, String id, int rows) throws SQLException {
    try (Connection c = db();
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, id);
      assertThat(s.executeUpdate()).isEqualTo(rows);
    }
  }
}
