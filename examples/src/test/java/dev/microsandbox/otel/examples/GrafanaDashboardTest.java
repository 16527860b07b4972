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
import org.junit.jupiter.api.Test;

/** The dashboard's structure as Grafana's JSON model requires it, checked without a Grafana. */
class GrafanaDashboardTest {

  static final Path DASHBOARD = Path.of(System.getProperty("msb.examples.dir", "."))
      .resolve("grafana/microsandbox-dashboard.json");
  static final Set<String> PANEL_TYPES = Set.of("row", "timeseries", "stat", "table", "bargauge");

  static JsonNode dashboard() throws IOException {
    return new ObjectMapper().readTree(DASHBOARD.toFile());
  }

  /** Every panel that queries (every panel but rows). */
  static List<JsonNode> queryPanels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    dashboard.get("panels").forEach(p -> {
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
        boolean apart = box[0] + box[2] <= other[0] || other[0] + other[2] <= box[0]
            || box[1] + box[3] <= other[1] || other[1] + other[3] <= box[1];
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
      assertFalse(panel.get("fieldConfig").get("defaults").get("unit").asText().isEmpty(),
          title + " has a unit");
      assertFalse(panel.get("targets").isEmpty(), title);
      panel.get("targets").forEach(t -> assertEquals("${datasource}",
          t.get("datasource").get("uid").asText(), title + " target"));
    }
  }

  @Test
  void variablesPickTheDatasourceHostsSandboxesAndALabel() throws IOException {
    Set<String> names = new HashSet<>();
    for (JsonNode variable : dashboard().get("templating").get("list")) {
      names.add(variable.get("name").asText());
      if (variable.get("name").asText().equals("sandbox")) {
        assertTrue(variable.get("multi").asBoolean(), "several sandboxes at once");
        assertTrue(variable.get("definition").asText().startsWith("label_values("));
      }
    }
    assertEquals(Set.of("datasource", "instance", "sandbox", "user_id"), names);
  }
}
