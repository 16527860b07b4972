package dev.microsandbox.otel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The dashboard's structure as Grafana's JSON model requires it, checked without a Grafana. */
class GrafanaDashboardTest {

  static final Path DASHBOARD =
      Path.of(System.getProperty("msb.examples.dir", "."))
          .resolve("grafana/microsandbox-dashboard.json");
  static final Set<String> PANEL_TYPES = Set.of("row", "timeseries", "stat", "table", "bargauge");

  static JsonNode dashboard() throws IOException {
    return new ObjectMapper().readTree(DASHBOARD.toFile());
  }

  /** Every panel that queries (every panel but rows). */
  static List<JsonNode> queryPanels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    dashboard
        .get("panels")
        .forEach(
            p -> {
              if (!p.get("type").asText().equals("row")) {
                panels.add(p);
              }
            });
    return panels;
  }

  @Test
  void panelsHaveUniqueIdsDisjointPlacesAUnitADescriptionAndTheDatasourceVariable()
      throws IOException {
    JsonNode dashboard = dashboard();
    assertTrue(dashboard.get("schemaVersion").asInt() >= 36, "a current JSON model");
    Set<Integer> ids = new HashSet<>();
    List<int[]> boxes = new ArrayList<>();
    for (JsonNode panel : dashboard.get("panels")) {
      String title = panel.get("title").asText();
      assertTrue(ids.add(panel.get("id").asInt()), "duplicate id " + panel.get("id"));
      assertTrue(PANEL_TYPES.contains(panel.get("type").asText()), title);
      JsonNode g = panel.get("gridPos");
      int[] box = {g.get("x").asInt(), g.get("y").asInt(), g.get("w").asInt(), g.get("h").asInt()};
      assertTrue(box[0] >= 0 && box[0] + box[2] <= 24 && box[2] > 0 && box[3] > 0, title);
      for (int[] other : boxes) {
        boolean apart =
            box[0] + box[2] <= other[0]
                || other[0] + other[2] <= box[0]
                || box[1] + box[3] <= other[1]
                || other[1] + other[3] <= box[1];
        assertTrue(apart, title + " overlaps another panel");
      }
      boxes.add(box);
    }
    List<JsonNode> panels = queryPanels(dashboard);
    assertTrue(panels.size() >= 15, "the panels the issue lists: " + panels.size());
    for (JsonNode panel : panels) {
      String title = panel.get("title").asText();
      assertEquals("${datasource}", panel.get("datasource").get("uid").asText(), title);
      assertFalse(panel.get("description").asText().isEmpty(), title + " has a description");
      assertFalse(
          panel.get("fieldConfig").get("defaults").get("unit").asText().isEmpty(),
          title + " has a unit");
      assertFalse(panel.get("targets").isEmpty(), title);
      panel
          .get("targets")
          .forEach(
              t ->
                  assertEquals(
                      "${datasource}", t.get("datasource").get("uid").asText(), title + " target"));
    }
  }

  @Test
  void variablesPickTheDatasourceHostsSandboxesAndALabel() throws IOException {
    Set<String> names = new HashSet<>();
    for (JsonNode variable : dashboard().get("templating").get("list")) {
      names.add(variable.get("name").asText());
      if (variable.get("name").asText().equals("sandbox")) {
        assertTrue(variable.get("multi").asBoolean(), "several sandboxes at once");
        // One query serves both naming conventions: the regex takes the sandbox's name from a
        // series of either (sandbox_name with the msb names, container_name with semconv).
        assertTrue(variable.get("definition").asText().startsWith("query_result("));
        String regex = variable.get("regex").asText();
        Pattern pattern = Pattern.compile(regex.substring(1, regex.length() - 1));
        for (String series :
            List.of(
                "microsandbox_memory_limit_bytes{instance=\"h:9464\", sandbox_name=\"web-1\"} 1 1",
                "microsandbox_memory_limit_bytes{container_name=\"web-1\", instance=\"h\"} 1 1")) {
          Matcher m = pattern.matcher(series);
          assertTrue(m.find(), series);
          assertEquals("web-1", m.group(1), series);
        }
      }
    }
    assertEquals(Set.of("datasource", "instance", "sandbox", "user_id"), names);
  }
}
