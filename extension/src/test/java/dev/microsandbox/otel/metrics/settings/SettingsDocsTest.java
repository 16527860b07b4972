package dev.microsandbox.otel.metrics.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.testing.DocTables;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md's settings table against the code: every setting has its row with its
 * property and variable, and every {@code otel.microsandbox.*} row is a setting.
 */
class SettingsDocsTest {

  private final List<List<String>> rows =
      DocTables.rows(DocTables.page("configuration.md")).stream()
          .filter(r -> r.size() >= 2 && r.get(0).startsWith("`" + MicrosandboxSettings.PREFIX))
          .collect(Collectors.toList());

  private static List<String> settings() {
    List<String> all = new ArrayList<>(MicrosandboxSettings.ALL);
    all.addAll(MicrosandboxSettings.PROCESS);
    return all;
  }

  @Test
  void everySettingHasItsRowWithItsVariable() {
    List<String> missing = new ArrayList<>();
    for (String setting : settings()) {
      boolean found =
          rows.stream()
              .anyMatch(
                  r ->
                      r.get(0).equals("`" + setting + "`")
                          && r.get(1).equals("`" + MicrosandboxSettings.envName(setting) + "`"));
      if (!found) {
        missing.add(setting);
      }
    }
    assertEquals(List.of(), missing, "settings without a row in docs/configuration.md");
  }

  @Test
  void everyRowIsASetting() {
    assertTrue(rows.size() > 20, "rows read: " + rows.size());
    List<String> unknown =
        rows.stream()
            .map(r -> r.get(0).replace("`", ""))
            .filter(name -> !settings().contains(name))
            .collect(Collectors.toList());
    assertEquals(List.of(), unknown, "rows in docs/configuration.md for settings the code lacks");
  }
}
