package dev.microsandbox.otel.metrics.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Misspelt settings are named with the setting meant, never ignored silently. */
class SettingNamesTest {

  @Test
  void misspeltVariablesAndPropertiesNameTheClosestSetting() {
    Properties system = new Properties();
    system.setProperty("otel.microsandbox.instrument", "both");
    system.setProperty("otel.microsandbox.home", "/srv/msb"); // a setting: no line
    List<String> lines =
        SettingNames.unknown(
            Map.of(
                "OTEL_MICROSANDBOX_LABEL_EXCLUDE", "user.id",
                "OTEL_MICROSANDBOX_SANDBOX_INCLUDE", "api-*",
                "OTEL_MICROSANDBOX_EMIT_RUNID", "true",
                "OTEL_MICROSANDBOX_LABELS_EXCLUDE", "secret", // a setting: no line
                "OTEL_SERVICE_NAME", "app"),
            system);
    assertEquals(
        List.of(
            "environment variable OTEL_MICROSANDBOX_EMIT_RUNID is not a setting of the microsandbox"
                + " extension and is ignored; did you mean OTEL_MICROSANDBOX_EMIT_RUN_ID?",
            "environment variable OTEL_MICROSANDBOX_LABEL_EXCLUDE is not a setting of the"
                + " microsandbox extension and is ignored; did you mean"
                + " OTEL_MICROSANDBOX_LABELS_EXCLUDE?",
            "environment variable OTEL_MICROSANDBOX_SANDBOX_INCLUDE is not a setting of the"
                + " microsandbox extension and is ignored; did you mean"
                + " OTEL_MICROSANDBOX_SANDBOXES_INCLUDE?",
            "system property otel.microsandbox.instrument is not a setting of the microsandbox"
                + " extension and is ignored; did you mean otel.microsandbox.instruments?"),
        lines);
  }

  @Test
  void aMisspeltPrefixIsNamedTooButOtherSdkSettingsAreNot() {
    Properties system = new Properties();
    system.setProperty("otel.microsandbx.home", "/srv/msb");
    system.setProperty("otel.metrics.exporter", "otlp");
    List<String> lines =
        SettingNames.unknown(
            Map.of(
                "OTEL_MICROSANBOX_LABELS_EXCLUDE", "user.id",
                "OTEL_MICORSANDBOX_EMIT_PID", "true",
                "OTEL_METRICS_EXPORTER", "otlp",
                "OTEL_METRIC_EXPORT_INTERVAL", "1000",
                "OTEL_MICROSANDBOX_HOME", "/srv/msb"),
            system);
    assertEquals(
        List.of(
            "environment variable OTEL_MICORSANDBOX_EMIT_PID is not a setting of the microsandbox"
                + " extension and is ignored; did you mean OTEL_MICROSANDBOX_EMIT_PID?",
            "environment variable OTEL_MICROSANBOX_LABELS_EXCLUDE is not a setting of the"
                + " microsandbox extension and is ignored; did you mean"
                + " OTEL_MICROSANDBOX_LABELS_EXCLUDE?",
            "system property otel.microsandbx.home is not a setting of the microsandbox extension"
                + " and is ignored; did you mean otel.microsandbox.home?"),
        lines);
  }

  @Test
  void noLineWhenEverythingIsASetting() {
    Map<String, String> env = new java.util.HashMap<>();
    MicrosandboxSettings.ALL.forEach(p -> env.put(MicrosandboxSettings.envName(p), "x"));
    assertEquals(List.of(), SettingNames.unknown(env, new Properties()));
  }
}
