package dev.microsandbox.otel.metrics.series;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.testing.DocTables;
import dev.microsandbox.otel.userevents.UserEventsStats;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md's tables against the code, as the Collector's receivers hold their {@code
 * documentation.md} to their {@code metadata.yaml}: every series has its row (with its unit and
 * value type where the table gives them), and every row names a series that exists.
 */
class SeriesDocsTest {

  private final List<List<String>> rows = DocTables.rows(DocTables.page("metrics.md"));

  /** The rows whose first cell names metrics, each with the metric names it names. */
  private List<List<String>> metricRows() {
    return rows.stream()
        .filter(r -> !DocTables.codeIn(r.get(0)).isEmpty())
        .filter(
            r ->
                DocTables.codeIn(r.get(0)).stream()
                    .allMatch(n -> n.startsWith("microsandbox.") || n.startsWith("container.")))
        .collect(Collectors.toList());
  }

  @Test
  void everySandboxSeriesHasItsRowWithItsUnitAndValueType() {
    List<String> missing = new ArrayList<>();
    for (SandboxSeries series : SandboxSeries.values()) {
      boolean found =
          metricRows().stream()
              .anyMatch(
                  r ->
                      DocTables.codeIn(r.get(0)).contains(series.metricName)
                          && r.get(2).equals("`" + series.unit + "`")
                          && (!r.get(1).contains("gauge")
                              || r.get(1).contains(series.isDouble ? "double" : "long")
                              || r.get(1).equals("gauge")));
      if (!found) {
        missing.add(series.metricName + " (" + series.unit + ")");
      }
    }
    assertEquals(List.of(), missing, "series without a row of that unit in docs/metrics.md");
  }

  @Test
  void everyHealthSeriesHasItsRow() {
    List<String> names = new ArrayList<>(UserEventsStats.METRICS);
    for (CollectorSeries series : CollectorSeries.values()) {
      names.add(series.metricName);
    }
    Set<String> documented = documentedNames();
    List<String> missing =
        names.stream().filter(n -> !documented.contains(n)).collect(Collectors.toList());
    assertEquals(List.of(), missing, "health series without a row in docs/metrics.md");
  }

  @Test
  void everyRowNamesASeriesThatExists() {
    Set<String> known = new HashSet<>(UserEventsStats.METRICS);
    for (SandboxSeries series : SandboxSeries.values()) {
      known.add(series.metricName);
    }
    for (CollectorSeries series : CollectorSeries.values()) {
      known.add(series.metricName);
    }
    Set<String> documented = documentedNames();
    assertTrue(documented.size() > 30, "rows read: " + documented);
    documented.removeAll(known);
    assertEquals(Set.of(), documented, "rows in docs/metrics.md for series the code lacks");
  }

  private Set<String> documentedNames() {
    return metricRows().stream()
        .flatMap(r -> DocTables.codeIn(r.get(0)).stream())
        .collect(Collectors.toCollection(HashSet::new));
  }
}
