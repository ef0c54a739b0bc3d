package io.provability.fabric.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every alert of {@code infra/prometheus/fabric-alerts.yml} has a {@code runbook_url} that names a
 * real section of {@code docs/runbook.md} (its heading's anchor), and a promtool test case in
 * {@code fabric-alerts.test.yml}; the Grafana dashboard's queries use {@code $__rate_interval} and
 * the {@code job} and {@code instance} variables.
 */
class AlertRunbookTest {
  private static final Path ROOT = Path.of("..");

  @Test
  void everyAlertLinksToARunbookSectionAndHasAPromtoolTest() throws Exception {
    String rules = Files.readString(ROOT.resolve("infra/prometheus/fabric-alerts.yml"));
    String tests = Files.readString(ROOT.resolve("infra/prometheus/fabric-alerts.test.yml"));
    Set<String> anchors = new TreeSet<>();
    for (String line : Files.readAllLines(ROOT.resolve("docs/runbook.md"))) {
      if (line.startsWith("## ")) {
        // GitHub's anchor: lower case, spaces to dashes, punctuation dropped
        anchors.add(
            line.substring(3)
                .strip()
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9 _-]", "")
                .replace(' ', '-'));
      }
    }
    List<String> alerts = new ArrayList<>();
    // one block per alert: from "- alert:" to the next one
    String[] blocks = rules.split("\n\\s*- alert: ");
    for (int i = 1; i < blocks.length; i++) {
      String name = blocks[i].lines().findFirst().orElseThrow().strip();
      alerts.add(name);
      Matcher url =
          Pattern.compile("runbook_url: \"docs/runbook\\.md#([a-z0-9-]+)\"").matcher(blocks[i]);
      assertThat(url.find()).as("%s has a runbook_url", name).isTrue();
      assertThat(url.group(1))
          .as("%s's runbook section", name)
          .isEqualTo(name.toLowerCase(Locale.ROOT));
      assertThat(anchors).as("docs/runbook.md has a section for %s", name).contains(url.group(1));
      assertThat(tests)
          .as("fabric-alerts.test.yml tests %s firing", name)
          .containsPattern("alertname: " + name + "\\s+exp_alerts:\\s+- exp_labels");
    }
    assertThat(alerts).hasSizeGreaterThanOrEqualTo(12);
  }

  @Test
  void theDashboardUsesRateIntervalAndIsScopedByJobAndInstance() throws Exception {
    tools.jackson.databind.JsonNode dashboard =
        tools.jackson.databind.json.JsonMapper.builder()
            .build()
            .readTree(Files.readString(ROOT.resolve("infra/grafana/fabric-dashboard.json")));
    List<String> variables = new ArrayList<>();
    dashboard
        .get("templating")
        .get("list")
        .forEach(v -> variables.add(v.get("name").stringValue()));
    assertThat(variables).contains("job", "instance");
    List<String> exprs = new ArrayList<>();
    dashboard
        .get("panels")
        .forEach(
            p -> {
              if (p.has("targets")) {
                p.get("targets").forEach(t -> exprs.add(t.get("expr").stringValue()));
              }
            });
    assertThat(exprs)
        .hasSizeGreaterThan(20)
        .allSatisfy(
            e -> {
              assertThat(e).as("no fixed range window").doesNotContainPattern("\\[[0-9]+[smhd]\\]");
              assertThat(e).contains("job=~\"$job\"").contains("instance=~\"$instance\"");
              if (e.contains("rate(")) {
                assertThat(e).contains("[$__rate_interval]");
              }
            });
  }
}
