package io.provability.fabric.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.provability.fabric.events.Decision;
import io.provability.fabric.events.PlanRequest;
import io.provability.fabric.schemas.fixtures.EventFixtures;
import io.provability.fabric.schemas.hash.Hex;
import io.provability.fabric.schemas.hash.SingleObjectHeader;
import io.provability.fabric.schemas.serde.internal.PublishedSchemas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code schemas/published/}: every event schema self-contained, with its fingerprints. The files
 * are generated from the schemas on the classpath; this test regenerates them in memory and fails
 * when the checked-in copies are stale. To refresh them after a schema change: {@code mvn -pl
 * schemas test -Dtest=PublishedSchemasTest -Dpublished.regenerate=true}.
 */
class PublishedSchemasTest {

  private static final boolean REGENERATE = Boolean.getBoolean("published.regenerate");

  @BeforeAll
  static void regenerateWhenAsked() throws IOException {
    if (!REGENERATE) {
      return;
    }
    Path dir = publishedDirectory();
    Files.createDirectories(dir);
    try (Stream<Path> old = Files.list(dir)) {
      for (Path p : old.filter(p -> p.toString().endsWith(".avsc")).toList()) {
        Files.delete(p);
      }
    }
    for (Map.Entry<String, String> file : expectedFiles().entrySet()) {
      Files.writeString(dir.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void theCheckedInFilesAreWhatTheSchemasGenerate() throws IOException {
    Path dir = publishedDirectory();
    Map<String, String> expected = expectedFiles();
    List<String> present;
    try (Stream<Path> files = Files.list(dir)) {
      present =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".avsc") || n.equals("fingerprints.json"))
              .sorted()
              .toList();
    }
    assertThat(present)
        .as(
            "schemas/published is stale: run mvn -pl schemas test -Dtest=PublishedSchemasTest -Dpublished.regenerate=true")
        .containsExactlyInAnyOrderElementsOf(expected.keySet());
    for (Map.Entry<String, String> file : expected.entrySet()) {
      assertThat(Files.readString(dir.resolve(file.getKey()), StandardCharsets.UTF_8))
          .as(
              "schemas/published/%s is stale: regenerate with -Dpublished.regenerate=true",
              file.getKey())
          .isEqualTo(file.getValue());
    }
  }

  @Test
  void eachPublishedFileParsesOnItsOwnAndHasTheFingerprintOfTheGeneratedClass() throws IOException {
    // a fresh parser per file: nothing else defined, so every named type must be inline
    Schema plan =
        new Schema.Parser().parse(publishedDirectory().resolve("PlanRequest.avsc").toFile());
    Schema decision =
        new Schema.Parser().parse(publishedDirectory().resolve("Decision.avsc").toFile());

    assertThat(SchemaNormalization.parsingFingerprint64(plan))
        .isEqualTo(SchemaNormalization.parsingFingerprint64(PlanRequest.getClassSchema()));
    assertThat(SchemaNormalization.toParsingForm(decision))
        .isEqualTo(SchemaNormalization.toParsingForm(Decision.getClassSchema()));
  }

  @Test
  void theCrc64IsTheOneInTheSingleObjectHeader() {
    PublishedSchemas.Entry decision =
        PublishedSchemas.current().stream()
            .filter(e -> e.simpleName().equals("Decision"))
            .findFirst()
            .orElseThrow();

    assertThat(SingleObjectHeader.of(decision.crc64()))
        .isEqualTo(Arrays.copyOf(EventCodec.standard().encode(EventFixtures.decision()), 10));
  }

  /** File name to content: one .avsc per schema and fingerprints.json. */
  static Map<String, String> expectedFiles() {
    Map<String, String> files = new LinkedHashMap<>();
    List<PublishedSchemas.Entry> all = new ArrayList<>(PublishedSchemas.current());
    all.addAll(PublishedSchemas.historical());
    Map<String, Integer> versions = new LinkedHashMap<>();
    StringBuilder json = new StringBuilder("[\n");
    for (int i = 0; i < all.size(); i++) {
      PublishedSchemas.Entry e = all.get(i);
      String file;
      if (e.historical()) {
        int v = versions.merge(e.simpleName(), 1, Integer::sum);
        file = e.simpleName() + ".v" + v + ".avsc";
      } else {
        file = e.simpleName() + ".avsc";
      }
      files.put(file, e.json() + "\n");
      json.append("  {\"name\": \"")
          .append(e.fullName())
          .append("\", \"file\": \"")
          .append(file)
          .append("\", \"current\": ")
          .append(!e.historical())
          .append(", \"crc64_avro\": \"")
          .append(String.format("%016x", e.crc64()))
          .append("\", \"single_object_header\": \"")
          .append(Hex.encode(SingleObjectHeader.of(e.crc64())))
          .append("\", \"sha256\": \"")
          .append(Hex.encode(e.sha256()))
          .append("\", \"canonical_form\": ")
          .append(jsonString(e.canonicalForm()))
          .append(i + 1 < all.size() ? "},\n" : "}\n");
    }
    files.put("fingerprints.json", json.append("]\n").toString());
    return files;
  }

  private static String jsonString(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> out.append(c);
      }
    }
    return out.append('"').toString();
  }

  /** {@code schemas/published}: Surefire sets {@code basedir} to the module directory. */
  private static Path publishedDirectory() {
    return Path.of(System.getProperty("basedir", "")).resolve("published");
  }
}
