package dev.microsandbox.otel.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.metrics.series.SandboxAttributes;
import dev.microsandbox.otel.metrics.settings.ResourceDefaults;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.testing.ProcessFiles;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK's own autoconfiguration finds the extension through ServiceLoader, as the agent does, and
 * the listener registers the instruments on what it built.
 */
class ExtensionSetupTest {

  @TempDir Path dir;

  /** A registry in the test directory with one live, freshly sampled sandbox. */
  Path registryWithOneSandbox(int id, String name) throws Exception {
    Path registry = dir.resolve("reg-" + id);
    try (RegistryWriter writer = RegistryWriter.openOrCreate(registry, 4)) {
      long now = System.currentTimeMillis();
      SandboxSample s =
          new SandboxSample()
              .identity(id, id * 10, (int) ProcessHandle.current().pid(), name)
              .times(now - 1000, now);
      int slot = writer.start(s, id * 10, s.pid());
    }
    return registry;
  }

  OpenTelemetrySdk sdk(Map<String, String> properties, InMemoryMetricReader reader) {
    return AutoconfiguredSdk.start(properties, builder -> builder.registerMetricReader(reader));
  }

  @Test
  void discoveredAndWiredThroughAutoconfiguration() throws Exception {
    Path registry = registryWithOneSandbox(7, "seven");
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    try (OpenTelemetrySdk sdk =
        sdk(Map.of("otel.microsandbox.registry", registry.toString()), reader)) {
      Set<String> names =
          reader.collectAllMetrics().stream().map(MetricData::getName).collect(Collectors.toSet());
      assertTrue(names.contains("microsandbox.memory.usage"), names::toString);
      MetricData usage =
          reader.collectAllMetrics().stream()
              .filter(m -> m.getName().equals("microsandbox.memory.usage"))
              .findFirst()
              .orElseThrow();
      InMemoryMetricReader plainReader = InMemoryMetricReader.create();
      try (OpenTelemetrySdk plain =
          sdk(Map.of("otel.microsandbox.enabled", "false"), plainReader)) {
        plain.getMeterProvider().get("app").counterBuilder("app.requests").build().add(1);
        assertEquals(
            plainReader.collectAllMetrics().iterator().next().getResource(),
            usage.getResource(),
            "riding in an application, the application's resource is kept");
      }
    }
  }

  @Test
  void sdkShutdownReleasesTheMappingTheCatalogThreadAndItsConnection() throws Exception {
    Path registry = registryWithOneSandbox(8, "eight");
    Path catalog = dir.resolve("home/db/msb.db");
    try (var c = dev.microsandbox.otel.labels.CatalogWriter.create(catalog)) {
      c.put(8, "eight", dev.microsandbox.otel.labels.CatalogWriter.labels("tenant", "acme"), null);
    }
    Set<Thread> threadsBefore = catalogThreads();
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    // An autoconfigured push reader (console, exporting hourly): the SDK shuts it down on close.
    OpenTelemetrySdk sdk =
        sdk(
            Map.of(
                "otel.microsandbox.registry",
                registry.toString(),
                "otel.microsandbox.catalog",
                catalog.toString(),
                "otel.metrics.exporter",
                "console",
                "otel.metric.export.interval",
                "3600000"),
            reader);
    assertFalse(reader.collectAllMetrics().isEmpty());
    // Either reader keeps the file open (FFM maps it too; positional reads map nothing).
    assertEquals(1, ProcessFiles.descriptors(registry), "the registry is open while collecting");
    assertTrue(ProcessFiles.readOnlyMappings("self", registry) <= 1);
    assertEquals(1, catalogThreadsSince(threadsBefore).size());
    sdk.close();
    assertEquals(0, ProcessFiles.descriptors(registry), "closed at SDK shutdown");
    assertEquals(0, ProcessFiles.readOnlyMappings("self", registry), "unmapped at SDK shutdown");
    dev.microsandbox.otel.e2e.E2e.await(
        java.time.Duration.ofSeconds(5),
        () -> catalogThreadsSince(threadsBefore).isEmpty(),
        () -> "the catalog thread is still running");
  }

  /**
   * A registry that refuses this process is said at start-up, not at the first collection (a minute
   * away by default); the application's SDK starts all the same and nothing is exported of the
   * refused file.
   */
  @Test
  void aRefusedRegistryIsSaidAtStartUpAndTheApplicationRunsOn() throws Exception {
    Path registry = registryWithOneSandbox(6, "six");
    java.nio.file.Files.setOwner(registry, dev.microsandbox.otel.testing.Fixtures.nobody());
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    try (dev.microsandbox.otel.testing.LoggerCapture log =
            dev.microsandbox.otel.testing.LoggerCapture.of(
                dev.microsandbox.otel.registry.RegistryReader.class);
        OpenTelemetrySdk sdk =
            sdk(
                Map.of(
                    "otel.microsandbox.registry",
                    registry.toString(),
                    "otel.microsandbox.home",
                    dir.toString()),
                reader)) {
      assertTrue(
          log.text().contains("refusing microsandbox registry " + registry + ": it is owned by"),
          "before any collection: " + log.text());
      assertTrue(labelsOf(reader, "six").isEmpty());
      assertTrue(
          reader.collectAllMetrics().stream()
              .noneMatch(m -> m.getName().equals("microsandbox.memory.usage")),
          "nothing of the refused file");
    }
  }

  /**
   * A home spelt with a trailing slash is another registry for msb (it hashes the text as given):
   * where none exists yet, the start-up line says so, as the snapshot command does.
   */
  @Test
  void aTrailingSlashInTheHomeIsNamedWhenNoRegistryIsThere() throws Exception {
    try (dev.microsandbox.otel.testing.LoggerCapture log =
            dev.microsandbox.otel.testing.LoggerCapture.of(StartupLines.class);
        OpenTelemetrySdk sdk =
            sdk(Map.of("otel.microsandbox.home", dir + "/"), InMemoryMetricReader.create())) {
      String start =
          log.lines().stream()
              .filter(l -> l.contains("microsandbox metrics on"))
              .findFirst()
              .orElseThrow();
      assertTrue(
          start.startsWith("WARNING ")
              && start.endsWith(
                  "No registry there yet. Note the"
                      + " trailing slash: msb hashes the home exactly as given, so '"
                      + dir
                      + "/' and '"
                      + dir
                      + "' are different registries"),
          start);
    }
  }

  @Test
  void startUpNamesTheHomeAndTheRegistryAndWarnsAboutSelfDefeatingSettings() throws Exception {
    java.util.List<java.util.logging.LogRecord> records =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Logger logger =
        java.util.logging.Logger.getLogger(StartupLines.class.getName());
    java.util.logging.Handler handler =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            records.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(handler);
    Path missingHome = dir.resolve("no-such-home");
    try (OpenTelemetrySdk sdk =
        sdk(
            Map.of(
                "otel.microsandbox.home",
                missingHome.toString(),
                "otel.microsandbox.max.sample.age",
                "30"),
            InMemoryMetricReader.create())) {
      String registry =
          dev.microsandbox.otel.registry.RegistryLocation.registryFile(missingHome.toString())
              .toString();
      java.util.logging.LogRecord start =
          records.stream()
              .filter(r -> r.getMessage().startsWith("microsandbox metrics on"))
              .findFirst()
              .orElseThrow();
      assertEquals(java.util.logging.Level.WARNING, start.getLevel(), "the home does not exist");
      assertTrue(
          start.getMessage().contains("home " + missingHome + " (does not exist)")
              && start.getMessage().contains("registry " + registry),
          start.getMessage());
      assertTrue(
          records.stream()
              .anyMatch(
                  r ->
                      r.getLevel() == java.util.logging.Level.WARNING
                          && r.getMessage().contains("OTEL_MICROSANDBOX_MAX_SAMPLE_AGE is 30 ms")),
          records.stream().map(java.util.logging.LogRecord::getMessage).collect(Collectors.toList())
              ::toString);
    } finally {
      logger.removeHandler(handler);
    }
  }

  static Map<String, String> sidecarLogs(boolean events, String... settings) {
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < settings.length; i += 2) {
      map.put(settings[i], settings[i + 1]);
    }
    return PropertiesPath.sidecarLogs(DefaultConfigProperties.createFromMap(map), events);
  }

  @Test
  void theSidecarHasNoLogsUnlessItsEventsGoWhereItsMetricsGo() {
    String logs = PropertiesPath.LOGS_EXPORTER;
    assertEquals(Map.of(logs, "none"), sidecarLogs(false));
    assertEquals(Map.of(logs, "otlp"), sidecarLogs(true));
    assertEquals(Map.of(logs, "none"), sidecarLogs(true, "otel.metrics.exporter", "prometheus"));
    assertEquals(Map.of(), sidecarLogs(true, logs, "console"), "a logs exporter set is kept");
    assertEquals(
        Map.of(
            logs,
            "otlp",
            "otel.exporter.otlp.logs.endpoint",
            "https://c:4318/v1/logs",
            "otel.exporter.otlp.logs.headers",
            "api-key=k"),
        sidecarLogs(
            true,
            "otel.exporter.otlp.metrics.endpoint",
            "https://c:4318/v1/metrics",
            "otel.exporter.otlp.metrics.headers",
            "api-key=k",
            "otel.exporter.otlp.logs.compression",
            "none"),
        "metrics-only settings the logs lack follow the metrics");
    assertEquals(
        Map.of(logs, "otlp"),
        sidecarLogs(
            true,
            "otel.exporter.otlp.endpoint",
            "http://all:4318",
            "otel.exporter.otlp.metrics.endpoint",
            "https://c:4318/v1/metrics"),
        "a general endpoint is the logs' already");
  }

  @Test
  void anInvalidSettingLeavesTheExtensionOffAndTheSdkWorking() {
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    try (OpenTelemetrySdk sdk =
        sdk(Map.of("otel.microsandbox.max.sample.age", "forever"), reader)) {
      sdk.getMeterProvider().get("app").counterBuilder("app.requests").build().add(1);
      Set<String> names =
          reader.collectAllMetrics().stream().map(MetricData::getName).collect(Collectors.toSet());
      assertEquals(Set.of("app.requests"), names, "no microsandbox instrument, the app's intact");
    }
  }

  @Test
  void disabledMeansUntouched() {
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    try (OpenTelemetrySdk sdk =
        sdk(Map.of("otel.microsandbox.enabled", "false", "otel.service.name", "app"), reader)) {
      sdk.getMeterProvider().get("app").counterBuilder("app.requests").build().add(1);
      MetricData only = reader.collectAllMetrics().iterator().next();
      assertEquals("app.requests", only.getName());
      assertEquals("app", only.getResource().getAttribute(ResourceDefaults.SERVICE_NAME));
    }
  }

  /**
   * The live catalog threads started since {@code before} was taken. Threads are compared by
   * identity: a thread an earlier test left behind may end at any moment, so counts would race.
   */
  static Set<Thread> catalogThreadsSince(Set<Thread> before) {
    Set<Thread> since = new java.util.HashSet<>(catalogThreads());
    since.removeAll(before);
    return since;
  }

  static Set<Thread> catalogThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("microsandbox-catalog") && t.isAlive())
        .collect(Collectors.toSet());
  }

  @Test
  void labelsOffMeansNoCatalogAccessAtAll() throws Exception {
    Path home = dir.resolve("home");
    Path registry = registryWithOneSandbox(9, "nine");
    Path catalog = home.resolve("db/msb.db");
    try (var c = dev.microsandbox.otel.labels.CatalogWriter.create(catalog)) {
      c.put(9, "nine", dev.microsandbox.otel.labels.CatalogWriter.labels("tenant", "acme"), null);
    } // last connection closed: SQLite removes the -wal and -shm files
    Path shm = catalog.resolveSibling("msb.db-shm");
    assertTrue(java.nio.file.Files.notExists(shm));
    Map<String, String> base =
        Map.of(
            "otel.microsandbox.registry",
            registry.toString(),
            "otel.microsandbox.home",
            home.toString(),
            "otel.microsandbox.labels.timeout",
            "5s"); // about which labels, not about timing

    Set<Thread> threadsBefore = catalogThreads(); // earlier tests in this JVM may have left some
    InMemoryMetricReader off = InMemoryMetricReader.create();
    Map<String, String> offConfig = new HashMap<>(base);
    offConfig.put("otel.microsandbox.labels.enabled", "false");
    try (OpenTelemetrySdk sdk = sdk(offConfig, off)) {
      for (int i = 0; i < 3; i++) {
        assertTrue(labelsOf(off, "nine").isEmpty());
      }
      assertTrue(java.nio.file.Files.notExists(shm), "the catalog was never opened");
      assertEquals(Set.of(), catalogThreadsSince(threadsBefore), "no catalog thread");
    }

    InMemoryMetricReader on = InMemoryMetricReader.create();
    try (OpenTelemetrySdk sdk = sdk(base, on)) {
      assertEquals(Map.of("tenant", "acme"), labelsOf(on, "nine"));
      assertTrue(java.nio.file.Files.exists(shm), "control: reading the catalog leaves this trace");
      assertEquals(1, catalogThreadsSince(threadsBefore).size());
    }
  }

  static Map<String, String> labelsOf(InMemoryMetricReader reader, String sandbox) {
    Map<String, String> labels = new java.util.TreeMap<>();
    reader.collectAllMetrics().stream()
        .filter(m -> m.getName().equals("microsandbox.memory.usage"))
        .flatMap(m -> m.getData().getPoints().stream())
        .filter(p -> sandbox.equals(p.getAttributes().get(SandboxAttributes.SANDBOX_NAME)))
        .forEach(
            p ->
                p.getAttributes()
                    .forEach(
                        (k, v) -> {
                          if (!k.getKey().startsWith("sandbox.")) {
                            labels.put(k.getKey(), String.valueOf(v));
                          }
                        }));
    return labels;
  }
}
