package dev.microsandbox.otel.userevents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.testing.LoggerCapture;
import io.opentelemetry.api.internal.ConfigUtil;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The payload limit as operators set it: environment variable, system property, bad values. */
class UserEventsMetricExporterTest {

  /** The limit for one setting, given the way the SDK reads environment variables. */
  static int limitFromEnvironment(String value) {
    return UserEventsMetricExporter.maxEventBytes(
        DefaultConfigProperties.createFromMap(
            Map.of(
                ConfigUtil.normalizeEnvironmentVariableKey(
                    "OTEL_EXPORTER_USER_EVENTS_MAX_EVENT_BYTES"),
                value)));
  }

  @Test
  void theEnvironmentVariableSetsTheLimit() {
    assertEquals(65_360, limitFromEnvironment("65360"));
    assertEquals(256, limitFromEnvironment("256"));
  }

  @Test
  void theSystemPropertySetsTheLimit() {
    assertEquals(
        8_000,
        UserEventsMetricExporter.maxEventBytes(
            DefaultConfigProperties.createFromMap(
                Map.of("otel.exporter.user.events.max.event.bytes", "8000"))));
  }

  @Test
  void unsetMeansTheDefault() {
    assertEquals(
        4_000,
        UserEventsMetricExporter.maxEventBytes(DefaultConfigProperties.createFromMap(Map.of())));
  }

  @Test
  void aBadValueIsNamedOnceAndTheDefaultUsed() {
    try (LoggerCapture log = LoggerCapture.of(UserEventsMetricExporter.class)) {
      for (String bad : List.of("65361", "255", "4k", "-1")) {
        log.clear();
        assertEquals(4_000, limitFromEnvironment(bad), bad);
        assertEquals(1, log.lines().size(), log.text());
        assertTrue(
            log.lines()
                .get(0)
                .startsWith(
                    "WARNING OTEL_EXPORTER_USER_EVENTS_MAX_EVENT_BYTES"
                        + " = '"
                        + bad
                        + "' is not a whole number from 256 to 65360; using 4000"),
            log.text());
      }
    }
  }
}
