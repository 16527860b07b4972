package dev.microsandbox.otel.metrics.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.testing.LoggerCapture;
import io.opentelemetry.sdk.autoconfigure.declarativeconfig.DeclarativeConfiguration;
import io.opentelemetry.sdk.autoconfigure.declarativeconfig.YamlDeclarativeConfigProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The extension's node of a declarative configuration file, read into the same settings. */
class DeclarativeSettingsTest {

  @Test
  void everySettingHasTheKeyOfItsVariableWithoutThePrefixInLowerCase() {
    for (String property : MicrosandboxSettings.ALL) {
      String variable = MicrosandboxSettings.envName(property);
      assertEquals(
          variable.substring("OTEL_MICROSANDBOX_".length()).toLowerCase(java.util.Locale.ROOT),
          DeclarativeSettings.key(property),
          property);
    }
    assertEquals(
        "collect_interval", DeclarativeSettings.key(MicrosandboxSettings.COLLECT_INTERVAL));
    assertEquals("emit_run_id", DeclarativeSettings.key(MicrosandboxSettings.EMIT_RUN_ID));
  }

  @Test
  void theFileWinsAndVariablesFillInWhereItIsSilent() throws Exception {
    DeclarativeSettings file =
        new DeclarativeSettings(
            Map.of(
                "home",
                "/srv/msb",
                "instruments",
                "both",
                "collect_interval",
                "1s",
                "max_buffered",
                120L,
                "labels_exclude",
                List.of("user.id", "secret")),
            Map.of(
                "OTEL_MICROSANDBOX_INSTRUMENTS",
                "msb",
                "OTEL_MICROSANDBOX_EMIT_RUN_ID",
                "true",
                "MSB_HOME",
                "/elsewhere"));
    MicrosandboxSettings settings = MicrosandboxSettings.from(file, Map.of("MSB_HOME", "/x"));
    assertEquals("/srv/msb", settings.home());
    assertTrue(
        settings.series().sums().length > 0
            && java.util.Arrays.stream(settings.series().gauges())
                .anyMatch(g -> g.metricName.startsWith("microsandbox.")),
        "both sets: the file's 'both', not the variable's 'msb'");
    assertEquals(Duration.ofSeconds(1), settings.collectInterval(null));
    assertEquals(120, settings.maxBuffered(), "a number in the file");
    assertTrue(settings.emitRunId(), "the variable applies where the file is silent");
    assertTrue(
        !settings.labelKeys().keep("user.id")
            && !settings.labelKeys().keep("secret")
            && settings.labelKeys().keep("tenant"),
        "a YAML list");
  }

  @Test
  void aBadValueNamesTheFilesKey() {
    DeclarativeSettings file = new DeclarativeSettings(Map.of("collect_interval", "5"), Map.of());
    MicrosandboxSettings.Invalid invalid =
        assertThrows(
            MicrosandboxSettings.Invalid.class, () -> MicrosandboxSettings.from(file, Map.of()));
    assertEquals(
        "instrumentation/development.java.microsandbox.collect_interval = '5': must be"
            + " off or at least 10ms (msb samples about once a second)",
        invalid.getMessage());
    DeclarativeSettings fromVariable =
        new DeclarativeSettings(Map.of(), Map.of("OTEL_MICROSANDBOX_COLLECT_INTERVAL", "5"));
    assertEquals(
        "OTEL_MICROSANDBOX_COLLECT_INTERVAL (otel.microsandbox.collect.interval) = '5':"
            + " must be off or at least 10ms (msb samples about once a second)",
        assertThrows(
                MicrosandboxSettings.Invalid.class,
                () -> MicrosandboxSettings.from(fromVariable, Map.of()))
            .getMessage());
  }

  @Test
  void aKeyThatIsNoSettingIsNamedWithTheClosestOne() {
    DeclarativeSettings file =
        new DeclarativeSettings(
            Map.of("lables_exclude", "user.id", "instruments", "both", "sandbox_include", "api-*"),
            Map.of());
    List<String> lines = file.unknownKeys();
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(
        lines.contains(
            "instrumentation/development.java.microsandbox.lables_exclude is not a setting of the"
                + " microsandbox extension and is ignored; did you mean labels_exclude?"),
        lines.toString());
    assertTrue(
        lines.contains(
            "instrumentation/development.java.microsandbox.sandbox_include is not"
                + " a setting of the microsandbox extension and is ignored; did you mean"
                + " sandboxes_include?"),
        lines.toString());
  }

  /**
   * Every setting written as its natural YAML type, read through the SDK's own YAML parser: no type
   * warning from the SDK (a list asked for as a string draws one), and the values arrive.
   */
  @Test
  void naturalYamlTypesReadWithoutTheSdksTypeWarning() throws Exception {
    String yaml =
        "java:\n"
            + "  microsandbox:\n"
            + "    enabled: true\n"
            + "    events: true\n"
            + "    max_buffered: 90\n"
            + "    labels_exclude: [user.id, secret]\n"
            + "    metrics_exclude: [microsandbox.uptime, microsandbox.upper.*]\n"
            + "    sandboxes_include: web-*,api-*\n"
            + "    collect_interval: 2s\n";
    try (LoggerCapture sdkLog = LoggerCapture.of(YamlDeclarativeConfigProperties.class)) {
      DeclarativeSettings file =
          DeclarativeSettings.ofInstrumentation(
              DeclarativeConfiguration.toConfigProperties(
                  new java.io.ByteArrayInputStream(
                      yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8))),
              Map.of());
      MicrosandboxSettings settings = MicrosandboxSettings.from(file, Map.of());
      assertEquals(List.of(), sdkLog.lines(), "the SDK's type warnings");
      assertEquals(90, settings.maxBuffered());
      assertTrue(settings.events());
      assertEquals(Duration.ofSeconds(2), settings.collectInterval(null));
      assertEquals("user.id,secret", file.getString(MicrosandboxSettings.LABELS_EXCLUDE));
      assertEquals("web-*,api-*", file.getString(MicrosandboxSettings.SANDBOXES_INCLUDE));
      assertTrue(!settings.labelKeys().keep("secret") && settings.labelKeys().keep("tenant"));
    }
  }
}
