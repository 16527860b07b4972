package dev.microsandbox.otel.metrics.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.registry.RegistryAccess;
import dev.microsandbox.otel.registry.RegistryLocation;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MicrosandboxSettingsTest {

  @Test
  void defaultsMatchUpstream() throws Exception {
    MicrosandboxSettings s =
        MicrosandboxSettings.from(
            DefaultConfigProperties.createFromMap(Map.of()), Map.of("HOME", "/home/msb"));
    assertTrue(s.enabled());
    assertEquals("/home/msb/.microsandbox", s.home());
    assertEquals(RegistryLocation.registryFile("/home/msb/.microsandbox"), s.registry());
    assertFalse(s.emitRunId());
    assertFalse(s.emitPid());
    assertEquals(Duration.ofSeconds(30), s.maxSampleAge());
    assertTrue(s.ownerCheck());
    assertTrue(s.labelsEnabled());
    assertTrue(s.labelKeys().keep("user.id") && s.labelKeys().keep("tenant"));
    assertEquals(Path.of("/home/msb/.microsandbox/db/msb.db"), s.catalog());
    assertEquals(Duration.ofMillis(50), s.labelsTimeout());
    assertFalse(s.events(), "an application's logs are its own unless asked");
  }

  @Test
  void everyOptionIsAnEnvironmentVariableToo() throws Exception {
    Map<String, String> env =
        Map.of(
            "OTEL_MICROSANDBOX_ENABLED", "TRUE",
            "OTEL_MICROSANDBOX_HOME", "/srv/msb",
            "OTEL_MICROSANDBOX_EMIT_RUN_ID", "true",
            "OTEL_MICROSANDBOX_EMIT_PID", "true",
            "OTEL_MICROSANDBOX_MAX_SAMPLE_AGE", "0",
            "OTEL_MICROSANDBOX_OWNER_CHECK", "false",
            "OTEL_MICROSANDBOX_LABELS_ENABLED", "false",
            "OTEL_MICROSANDBOX_LABELS_EXCLUDE", " user.id, tenant ,,",
            "OTEL_MICROSANDBOX_LABELS_TIMEOUT", "20ms",
            "OTEL_MICROSANDBOX_EVENTS", "true");
    MicrosandboxSettings s =
        MicrosandboxSettings.from(
            DefaultConfigProperties.createFromMap(normalize(env)), Map.of("MSB_HOME", "/ignored"));
    assertEquals("/srv/msb", s.home());
    assertEquals(RegistryLocation.registryFile("/srv/msb"), s.registry());
    assertTrue(s.emitRunId() && s.emitPid());
    assertEquals(Duration.ZERO, s.maxSampleAge());
    assertFalse(s.ownerCheck() || s.labelsEnabled());
    assertFalse(s.labelKeys().keep("user.id") || s.labelKeys().keep("tenant"));
    assertTrue(s.labelKeys().keep("team"));
    assertEquals(Duration.ofMillis(20), s.labelsTimeout());
    assertTrue(s.events());
  }

  /** What the SDK does with environment variables: OTEL_A_B → otel.a.b. */
  static Map<String, String> normalize(Map<String, String> env) {
    Map<String, String> props = new java.util.HashMap<>();
    env.forEach((k, v) -> props.put(k.toLowerCase(java.util.Locale.ROOT).replace('_', '.'), v));
    return props;
  }

  @Test
  void msbHomeIsTheFallbackAndAnExplicitRegistryWins() throws Exception {
    MicrosandboxSettings s =
        MicrosandboxSettings.from(
            DefaultConfigProperties.createFromMap(Map.of("otel.microsandbox.registry", "/tmp/reg")),
            Map.of("MSB_HOME", "/m", "HOME", "/h"));
    assertEquals("/m", s.home());
    assertEquals(Path.of("/tmp/reg"), s.registry());
  }

  @Test
  void invalidValuesNameTheVariableAndTheValue() {
    MicrosandboxSettings.Invalid bool =
        assertThrows(
            MicrosandboxSettings.Invalid.class,
            () ->
                MicrosandboxSettings.from(
                    DefaultConfigProperties.createFromMap(
                        Map.of("otel.microsandbox.emit.pid", "yes")),
                    Map.of()));
    assertEquals(
        "OTEL_MICROSANDBOX_EMIT_PID (otel.microsandbox.emit.pid) = 'yes': expected true"
            + " or false",
        bool.getMessage());
    MicrosandboxSettings.Invalid duration =
        assertThrows(
            MicrosandboxSettings.Invalid.class,
            () ->
                MicrosandboxSettings.from(
                    DefaultConfigProperties.createFromMap(
                        Map.of("otel.microsandbox.max.sample.age", "thirty")),
                    Map.of()));
    assertTrue(
        duration
            .getMessage()
            .startsWith(
                "OTEL_MICROSANDBOX_MAX_SAMPLE_AGE"
                    + " (otel.microsandbox.max.sample.age) = 'thirty': 'thirty' is not a duration"),
        duration.getMessage());
    assertThrows(
        MicrosandboxSettings.Invalid.class,
        () ->
            MicrosandboxSettings.from(
                DefaultConfigProperties.createFromMap(
                    Map.of("otel.microsandbox.labels.timeout", "0")),
                Map.of()));
  }

  @Test
  void anOverflowingDurationIsTheOneLineMessageNotAStackTrace() {
    MicrosandboxSettings.Invalid huge =
        assertThrows(
            MicrosandboxSettings.Invalid.class,
            () ->
                MicrosandboxSettings.from(
                    DefaultConfigProperties.createFromMap(
                        Map.of("otel.microsandbox.max.sample.age", "999999999999999d")),
                    Map.of()));
    assertTrue(
        huge.getMessage().endsWith("'999999999999999d' is too large for a duration"),
        huge.getMessage());
  }

  @Test
  void theReaderCanBeForcedButFfmOnlyWhereTheJvmHasIt() throws Exception {
    assertEquals(
        RegistryAccess.AUTO,
        MicrosandboxSettings.from(DefaultConfigProperties.createFromMap(Map.of()), Map.of())
            .registryAccess());
    assertEquals(
        RegistryAccess.BUFFER,
        MicrosandboxSettings.from(
                DefaultConfigProperties.createFromMap(Map.of("otel.microsandbox.reader", "Buffer")),
                Map.of())
            .registryAccess());
    assertThrows(
        MicrosandboxSettings.Invalid.class,
        () ->
            MicrosandboxSettings.from(
                DefaultConfigProperties.createFromMap(Map.of("otel.microsandbox.reader", "mmap")),
                Map.of()));
    if (RegistryAccess.FFM.availableOnThisJvm()) { // the 22+ run
      assertEquals(
          RegistryAccess.FFM,
          MicrosandboxSettings.from(
                  DefaultConfigProperties.createFromMap(Map.of("otel.microsandbox.reader", "ffm")),
                  Map.of())
              .registryAccess());
    } else { // the pre-22 run
      MicrosandboxSettings.Invalid ffm =
          assertThrows(
              MicrosandboxSettings.Invalid.class,
              () ->
                  MicrosandboxSettings.from(
                      DefaultConfigProperties.createFromMap(
                          Map.of("otel.microsandbox.reader", "ffm")),
                      Map.of()));
      assertTrue(
          ffm.getMessage()
              .startsWith(
                  "OTEL_MICROSANDBOX_READER (otel.microsandbox.reader)"
                      + " = 'ffm': the ffm reader needs Java 22 or newer"),
          ffm.getMessage());
    }
  }

  @Test
  void theCollectIntervalDefaultsByModeAndCanBeSetOrSwitchedOff() throws Exception {
    Duration sidecar = Duration.ofSeconds(1);
    MicrosandboxSettings unset =
        MicrosandboxSettings.from(DefaultConfigProperties.createFromMap(Map.of()), Map.of());
    assertEquals(null, unset.collectInterval(null), "an application reads at each collection");
    assertEquals(sidecar, unset.collectInterval(sidecar), "the sidecar samples every second");
    assertEquals(60, unset.maxBuffered());
    MicrosandboxSettings off =
        MicrosandboxSettings.from(
            DefaultConfigProperties.createFromMap(
                Map.of("otel.microsandbox.collect.interval", "off")),
            Map.of());
    assertEquals(null, off.collectInterval(sidecar), "off wins over the sidecar's default");
    MicrosandboxSettings set =
        MicrosandboxSettings.from(
            DefaultConfigProperties.createFromMap(
                Map.of(
                    "otel.microsandbox.collect.interval",
                    "200ms",
                    "otel.microsandbox.max.buffered",
                    "15")),
            Map.of());
    assertEquals(Duration.ofMillis(200), set.collectInterval(null));
    assertEquals(15, set.maxBuffered());
    for (Map<String, String> bad :
        List.of(
            Map.of("otel.microsandbox.collect.interval", "5ms"),
            Map.of("otel.microsandbox.collect.interval", "sometimes"),
            Map.of("otel.microsandbox.max.buffered", "0"),
            Map.of("otel.microsandbox.max.buffered", "many"))) {
      MicrosandboxSettings.Invalid invalid =
          assertThrows(
              MicrosandboxSettings.Invalid.class,
              () ->
                  MicrosandboxSettings.from(DefaultConfigProperties.createFromMap(bad), Map.of()));
      assertTrue(invalid.getMessage().startsWith("OTEL_MICROSANDBOX_"), invalid.getMessage());
    }
  }
}
