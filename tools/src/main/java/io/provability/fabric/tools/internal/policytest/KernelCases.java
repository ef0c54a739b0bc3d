package io.provability.fabric.tools.internal.policytest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.provability.fabric.events.Decision;
import io.provability.fabric.processors.kernel.PolicyView;
import io.provability.fabric.tools.internal.replay.PolicySnapshot;
import io.provability.fabric.topology.config.FabricConfig;
import io.provability.fabric.topology.http.BadRequest;
import io.provability.fabric.topology.http.RequestMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;

/**
 * A folder of policy test cases ({@code *.case.json}) and how to run them: each case's request is
 * read as the front door reads it ({@link RequestMapper}), decided by an {@link OfflineDecider} at
 * the case's time under its policy state ({@link PolicySnapshot#fromFile}, applied to the empty
 * state), and the verdict and reason codes compared with the expectation.
 *
 * <p>A case file:
 *
 * <pre>
 * {"description": "what it shows",
 *  "plan": "plans/report.json",              (or "retrieval" / "egress": a request file; paths are relative to the case)
 *  "at": "2026-11-27T12:00:00Z",
 *  "policy_state": "policy/revoked.json",    (optional; the replay policy-file format)
 *  "config": {"kernel.label.clearances": "send_email:summary"},   (optional overrides)
 *  "expect": {"verdict": "DENY", "codes": ["LABEL_FLOW@2"]}}
 * </pre>
 *
 * Configuration: the caller's, then the folder's {@code kernel-test.properties} when present
 * (key-file paths in it are relative to the folder), then the case's {@code config}.
 */
public final class KernelCases {
  /** The folder's own configuration file, if any. */
  public static final String FOLDER_CONFIG = "kernel-test.properties";

  private static final String SUFFIX = ".case.json";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Set<String> FIELDS =
      Set.of(
          "description", "plan", "retrieval", "egress", "at", "policy_state", "config", "expect");
  private static final Set<String> KINDS = Set.of("plan", "retrieval", "egress");

  private KernelCases() {}

  /**
   * The outcome of one case: its decision (null if it could not be decided) and what did not match.
   */
  public record Result(KernelCase kernelCase, Decision decision, List<String> problems) {
    public boolean passed() {
      return problems.isEmpty();
    }
  }

  /**
   * The cases of {@code dir}, sorted by file name.
   *
   * @throws IOException when the folder holds no case, or a case file is unreadable or malformed
   *     (the message names the file and the field)
   */
  public static List<KernelCase> load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + " is not a folder");
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new IOException(dir + " holds no *" + SUFFIX + " file");
    }
    List<KernelCase> cases = new ArrayList<>();
    for (Path f : files) {
      cases.add(parse(f));
    }
    return cases;
  }

  /** Reads one case file. */
  public static KernelCase parse(Path file) throws IOException {
    JsonNode doc;
    try {
      doc = JSON.readTree(new String(read(file), StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IOException(file + ": malformed JSON: " + e.getOriginalMessage());
    }
    if (doc == null || !doc.isObject()) {
      throw new IOException(file + ": a case is a JSON object");
    }
    for (String field : (Iterable<String>) doc::fieldNames) {
      if (!FIELDS.contains(field)) {
        throw new IOException(file + ": unknown field '" + field + "'");
      }
    }
    List<String> kinds = KINDS.stream().filter(doc::has).toList();
    if (kinds.size() != 1) {
      throw new IOException(file + ": name exactly one request: plan, retrieval or egress");
    }
    String kind = kinds.get(0);
    Path base = file.toAbsolutePath().getParent();
    Instant at;
    try {
      at = Instant.parse(text(file, doc, "at"));
    } catch (DateTimeParseException e) {
      throw new IOException(file + ": 'at' is not an ISO-8601 instant: " + doc.get("at"));
    }
    Map<String, String> config = new LinkedHashMap<>();
    JsonNode c = doc.get("config");
    if (c != null) {
      if (!c.isObject()) {
        throw new IOException(file + ": 'config' is an object of strings");
      }
      for (String key : (Iterable<String>) c::fieldNames) {
        config.put(key, c.get(key).asText());
      }
    }
    JsonNode expect = doc.get("expect");
    if (expect == null || !expect.isObject()) {
      throw new IOException(file + ": 'expect' with a verdict (and codes) is required");
    }
    String verdict = text(file, expect, "verdict");
    List<String> codes = new ArrayList<>();
    JsonNode codeNodes = expect.get("codes");
    if (codeNodes != null) {
      if (!codeNodes.isArray()) {
        throw new IOException(file + ": 'expect.codes' is an array of strings");
      }
      codeNodes.forEach(n -> codes.add(n.asText()));
    }
    String name = file.getFileName().toString();
    return new KernelCase(
        name.substring(0, name.length() - SUFFIX.length()),
        doc.has("description") ? doc.get("description").asText() : "",
        kind,
        base.resolve(text(file, doc, kind)),
        at,
        doc.has("policy_state") ? base.resolve(text(file, doc, "policy_state")) : null,
        config,
        verdict,
        codes);
  }

  private static String text(Path file, JsonNode node, String field) throws IOException {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new IOException(file + ": '" + field + "' is missing or not a string");
    }
    return v.asText();
  }

  /**
   * The folder's {@value #FOLDER_CONFIG} as overrides (values of keys ending in {@code .file} made
   * relative to the folder), or nothing when the folder has none.
   */
  public static Map<String, String> folderConfig(Path dir) throws IOException {
    Path file = dir.resolve(FOLDER_CONFIG);
    Map<String, String> out = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return out;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    for (String key : p.stringPropertyNames()) {
      String v = p.getProperty(key).strip();
      out.put(
          key,
          key.endsWith(".file") && !v.isEmpty() && !Path.of(v).isAbsolute()
              ? dir.toAbsolutePath().resolve(v).normalize().toString()
              : v);
    }
    return out;
  }

  /**
   * Runs one case: configuration {@code configFile} with {@code overrides} and the case's own,
   * decided by the stream's deciders. Never throws: a case that cannot be run fails with the
   * reason.
   */
  public static Result run(KernelCase kc, Path configFile, Map<String, String> overrides) {
    try {
      Map<String, String> merged = new LinkedHashMap<>(overrides);
      merged.putAll(kc.config());
      FabricConfig cfg = FabricConfig.load(configFile, System.getenv(), merged);
      Decision d =
          OfflineDecider.of(cfg)
              .decide(request(kc.kind(), kc.request(), kc.at()), policy(kc.policyState()), kc.at());
      return new Result(kc, d, kc.mismatches(d));
    } catch (IOException | RuntimeException e) {
      return new Result(kc, null, List.of("could not run: " + e.getMessage()));
    }
  }

  /** Reads a request file of {@code kind} as the front door would, received at {@code at}. */
  public static SpecificRecord request(String kind, Path file, Instant at) throws IOException {
    byte[] body = read(file);
    try {
      return switch (kind) {
        case "plan" -> RequestMapper.plan(body, at).event();
        case "retrieval" -> RequestMapper.retrieval(body, at).event();
        case "egress" -> RequestMapper.egress(body, at).event();
        default -> throw new IllegalArgumentException("unknown request kind '" + kind + "'");
      };
    } catch (BadRequest e) {
      throw new IOException(
          file + ": " + (e.path() == null ? "" : e.path() + ": ") + e.getMessage());
    }
  }

  /** The policy state of a policy file applied to the empty state, or the empty state for null. */
  public static PolicyView policy(Path file) throws IOException {
    if (file == null) {
      return PolicySnapshot.empty().view();
    }
    read(file);
    return PolicySnapshot.fromFile(file, PolicySnapshot.empty()).view();
  }

  /** The file's bytes; a missing or unreadable file is an error that says so. */
  private static byte[] read(Path file) throws IOException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IOException(file + ": no such file", e);
    } catch (IOException e) {
      throw new IOException(file + ": cannot be read (" + e.getMessage() + ")", e);
    }
  }
}
