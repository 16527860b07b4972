package dev.microsandbox.otel.metrics.instruments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.e2e.E2e;
import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.metrics.export.SandboxSeriesProducer;
import dev.microsandbox.otel.metrics.sampling.SandboxSampler;
import dev.microsandbox.otel.metrics.series.MetricsScope;
import dev.microsandbox.otel.metrics.series.SandboxAttributes;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.support.ExtensionVersion;
import dev.microsandbox.otel.testing.Fixtures;
import dev.microsandbox.otel.testing.MutableClock;
import dev.microsandbox.otel.testing.RecordingLog;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The instruments through the real SDK, read with its in-memory reader. */
class SandboxMetricsTest {

  static final long NOW = 1_800_000_000_000L;
  static final int PID = (int) ProcessHandle.current().pid();
  static final Set<String> SANDBOX_METRICS = E2e.SANDBOX_METRICS;

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(NOW);
  final InMemoryMetricReader metricReader = InMemoryMetricReader.create();
  final SdkMeterProvider provider =
      SdkMeterProvider.builder()
          .registerMetricReader(metricReader)
          .registerMetricProducer(new SandboxSeriesProducer(() -> this.metrics))
          .build();
  SandboxMetrics metrics;

  @AfterEach
  void tearDown() {
    if (metrics != null) {
      metrics.close();
    }
    provider.close();
  }

  SandboxMetrics metrics(Path registry, boolean runId, boolean pid, LabelSource labels) {
    RegistryReader reader =
        new RegistryReader(
            registry, RegistryReader.Options.DEFAULTS, clock, null, new RecordingLog());
    metrics =
        new SandboxMetrics(
            provider, reader, labels, new SandboxAttributes(runId, pid), new ExportStats(), true);
    return metrics;
  }

  static SandboxSample sample(int id, int runId, String name, int flags) {
    return new SandboxSample()
        .identity(id, runId, PID, name)
        .times(NOW - 90_000, NOW)
        .flags(flags)
        .cpu(150.25f, 13_000)
        .memory(536_870_912, 2000, 17_000, 19_000)
        .io(3000, 5000, 7000, 11_000)
        .upper(23_000, 29_000, 31_000);
  }

  static int start(RegistryWriter writer, SandboxSample s) {
    int slot = writer.start(s, s.runId(), s.pid());
    return slot;
  }

  Map<String, MetricData> collect() {
    return metricReader.collectAllMetrics().stream()
        .collect(Collectors.toMap(MetricData::getName, m -> m));
  }

  static Collection<? extends PointData> points(MetricData metric) {
    return metric.getData().getPoints();
  }

  static PointData point(MetricData metric, String sandbox) {
    return points(metric).stream()
        .filter(p -> sandbox.equals(p.getAttributes().get(SandboxAttributes.SANDBOX_NAME)))
        .findFirst()
        .orElseThrow(() -> new AssertionError(sandbox + " not in " + metric.getName()));
  }

  static double value(MetricData metric, String sandbox) {
    PointData p = point(metric, sandbox);
    return metric.getType() == MetricDataType.DOUBLE_GAUGE
        ? ((io.opentelemetry.sdk.metrics.data.DoublePointData) p).getValue()
        : ((io.opentelemetry.sdk.metrics.data.LongPointData) p).getValue();
  }

  /**
   * msb-metrics 0.7.x's descriptions of the gauges whose wording it changed after 0.6.14 (from its
   * exporter, as read for issue 33); ours follow them.
   */
  static final Map<String, String> UPSTREAM_07_DESCRIPTIONS =
      Map.of(
          "microsandbox.memory.usage", "Guest memory in use",
          "microsandbox.memory.limit", "Guest memory limit");

  @Test
  void namesUnitsTypesDescriptionsScopeAndValues() throws IOException {
    Path file = dir.resolve("reg");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      // A 0.7.x sample: every optional field, and a limit the runtime refreshed (flag 0x80)
      start(writer, sample(101, 1010, "alpha", 0xff));
    }
    metrics(file, false, false, LabelSource.NONE);
    Map<String, MetricData> all = collect();
    assertTrue(all.keySet().containsAll(SANDBOX_METRICS), all.keySet()::toString);
    for (String name : SANDBOX_METRICS) {
      MetricData m = all.get(name);
      assertEquals(MetricsScope.NAME, m.getInstrumentationScopeInfo().getName());
      assertEquals(ExtensionVersion.VERSION, m.getInstrumentationScopeInfo().getVersion());
      assertFalse(m.getDescription().isEmpty(), name);
      boolean seconds = name.endsWith("uptime") || name.endsWith("cpu.time");
      boolean isDouble = name.endsWith("cpu.utilization") || seconds;
      assertEquals(
          isDouble ? MetricDataType.DOUBLE_GAUGE : MetricDataType.LONG_GAUGE, m.getType(), name);
      assertEquals(
          name.endsWith("cpu.utilization") ? "1" : seconds ? "s" : "By", m.getUnit(), name);
      assertEquals(1, points(m).size(), name);
    }
    UPSTREAM_07_DESCRIPTIONS.forEach(
        (name, description) -> assertEquals(description, all.get(name).getDescription(), name));
    assertEquals(1.5025, value(all.get("microsandbox.cpu.utilization"), "alpha"));
    assertEquals(2000, value(all.get("microsandbox.memory.usage"), "alpha"));
    assertEquals(536_870_912, value(all.get("microsandbox.memory.limit"), "alpha"));
    assertEquals(3000, value(all.get("microsandbox.disk.bytes_read"), "alpha"));
    assertEquals(5000, value(all.get("microsandbox.disk.bytes_written"), "alpha"));
    assertEquals(7000, value(all.get("microsandbox.network.bytes_received"), "alpha"));
    assertEquals(11_000, value(all.get("microsandbox.network.bytes_sent"), "alpha"));
    assertEquals(23_000, value(all.get("microsandbox.upper.used"), "alpha"));
    assertEquals(29_000, value(all.get("microsandbox.upper.free"), "alpha"));
    assertEquals(31_000, value(all.get("microsandbox.upper.host_allocated"), "alpha"));
    assertEquals(90.0, value(all.get("microsandbox.uptime"), "alpha"));
    assertEquals(13_000 / 1e9, value(all.get("microsandbox.cpu.time"), "alpha"), 1e-15);
    assertEquals(17_000, value(all.get("microsandbox.memory.available"), "alpha"));
    assertEquals(19_000, value(all.get("microsandbox.memory.host_resident"), "alpha"));
    assertEquals(
        Attributes.of(SandboxAttributes.SANDBOX_NAME, "alpha", SandboxAttributes.SANDBOX_ID, 101L),
        point(all.get("microsandbox.memory.usage"), "alpha").getAttributes());
  }

  @Test
  void optInAttributesAndFlags() throws IOException {
    Path file = dir.resolve("reg");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      start(writer, sample(102, 1020, "bravo-noflags", 0));
      start(writer, sample(103, 1030, "charlie-upper-used", 0x10));
    }
    metrics(file, true, true, LabelSource.NONE);
    Map<String, MetricData> all = collect();
    assertEquals(
        Attributes.builder()
            .put(SandboxAttributes.SANDBOX_NAME, "bravo-noflags")
            .put(SandboxAttributes.SANDBOX_ID, 102)
            .put(SandboxAttributes.SANDBOX_RUN_ID, 1020)
            .put(SandboxAttributes.SANDBOX_PID, PID)
            .build(),
        point(all.get("microsandbox.uptime"), "bravo-noflags").getAttributes());
    assertEquals(1, points(all.get("microsandbox.upper.used")).size(), "only the flagged sandbox");
    assertNotNull(point(all.get("microsandbox.upper.used"), "charlie-upper-used"));
    assertFalse(all.containsKey("microsandbox.upper.free"), "no sandbox has flag 0x20");
    assertFalse(all.containsKey("microsandbox.upper.host_allocated"));
    assertFalse(all.containsKey("microsandbox.cpu.time"), "vCPU time needs flag 0x01");
    assertFalse(all.containsKey("microsandbox.memory.available"), "needs flag 0x04");
    assertFalse(all.containsKey("microsandbox.memory.host_resident"), "needs flag 0x08");
  }

  @Test
  void theFixtureExportsExactlyItsThreeActiveSandboxes() throws IOException {
    clock.set(Fixtures.SAMPLED_AT_MS);
    metrics(Fixtures.copy(dir), false, false, LabelSource.NONE);
    Map<String, MetricData> all = collect();
    Set<String> names =
        points(all.get("microsandbox.memory.limit")).stream()
            .map(p -> p.getAttributes().get(SandboxAttributes.SANDBOX_NAME))
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(Set.of("alpha", "bravo-noflags", "é".repeat(64))), names);
    assertEquals(3.895, value(all.get("microsandbox.cpu.utilization"), "é".repeat(64)), 1e-12);
    assertEquals(3600.0, value(all.get("microsandbox.uptime"), "é".repeat(64)));
    assertEquals(0.0, value(all.get("microsandbox.cpu.utilization"), "bravo-noflags"));
    assertEquals(2, points(all.get("microsandbox.upper.used")).size(), "bravo has no flags");
  }

  @Test
  void stoppedSandboxDisappearsAndARestartIsANewSeries() throws IOException {
    Path file = dir.resolve("reg");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      int alpha = start(writer, sample(101, 1010, "alpha", 0));
      int bravo = start(writer, sample(102, 1020, "bravo", 0));
      int neverSampled = writer.claim(sample(104, 0, "never-sampled", 0));
      writer.activate(neverSampled, 1040, PID);
      metrics(file, true, false, LabelSource.NONE);
      assertEquals(Set.of("alpha", "bravo"), sandboxNames(collect()));

      writer.release(bravo, true); // clean exit: stale, last sample kept
      assertEquals(Set.of("alpha"), sandboxNames(collect()));

      writer.release(alpha, false);
      start(writer, sample(101, 1011, "alpha", 0)); // restarted: new run id
      Map<String, MetricData> all = collect();
      assertEquals(
          1011L,
          point(all.get("microsandbox.memory.usage"), "alpha")
              .getAttributes()
              .get(SandboxAttributes.SANDBOX_RUN_ID));
    }
  }

  @Test
  void oneRegistryPassPerCollectionWhateverTheNumberOfInstruments() throws IOException {
    Path file = dir.resolve("reg");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      start(writer, sample(101, 1010, "alpha", 0x7f));
    }
    AtomicInteger passes = new AtomicInteger();
    metrics(
        file,
        false,
        false,
        new LabelSource() {
          @Override
          public void refresh(RegistrySnapshot snapshot) {
            passes.incrementAndGet();
          }

          @Override
          public Map<String, String> labelsOf(int sandboxId) {
            return Map.of();
          }

          @Override
          public void close() {}
        });
    for (int i = 0; i < 3; i++) {
      collect();
    }
    assertEquals(3, passes.get());
  }

  @Test
  void everyOwnerLookingDeadIsExplainedOnceWithTheSetting() throws IOException {
    Path file = dir.resolve("reg-namespace");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      for (int id = 1; id <= 3; id++) { // pids this JVM cannot see, as from another PID namespace
        SandboxSample s = sample(id, id * 10, "n" + id, 0);
        int slot = writer.start(s, id * 10, Integer.MAX_VALUE - id);
      }
    }
    java.util.List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Logger logger =
        java.util.logging.Logger.getLogger(SandboxSampler.class.getName());
    java.util.logging.Handler handler =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            warnings.add(r.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(handler);
    try {
      metrics(file, false, false, LabelSource.NONE);
      for (int i = 0; i < 5; i++) {
        collect();
      }
    } finally {
      logger.removeHandler(handler);
    }
    assertEquals(1, warnings.size(), warnings::toString);
    assertTrue(
        warnings.get(0).contains("every active sandbox (3)")
            && warnings.get(0).contains("OTEL_MICROSANDBOX_OWNER_CHECK=false"),
        warnings.get(0));
  }

  @Test
  void selfObservabilityReportsSandboxesSkipsAndRegistryErrors() throws IOException {
    Path file = dir.resolve("reg");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      start(writer, sample(101, 1010, "alpha", 0));
      SandboxSample dead = sample(102, 1020, "dead", 0);
      int slot = writer.start(dead, 1020, Integer.MAX_VALUE - 7);
    }
    metrics(file, false, false, LabelSource.NONE);
    Map<String, MetricData> all = collect();
    assertEquals(
        1,
        ((io.opentelemetry.sdk.metrics.data.LongPointData)
                points(all.get("microsandbox.collector.sandboxes")).iterator().next())
            .getValue());
    assertEquals(1, skipped(all, "owner_dead"));
    assertEquals(0, skipped(all, "sample_too_old"));
    assertEquals(0, skipped(all, "superseded"));
    assertFalse(all.containsKey("microsandbox.collector.registry.errors"));
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      start(writer, sample(101, 1011, "alpha", 0)); // a second run of alpha: the first is older
    }
    all = collect();
    assertEquals(1, skipped(all, "superseded"), "alpha's older run");
    assertEquals(
        1,
        ((io.opentelemetry.sdk.metrics.data.LongPointData)
                points(all.get("microsandbox.collector.sandboxes")).iterator().next())
            .getValue());

    java.nio.file.Files.write(file, new byte[4352]); // zeroed header: not ready
    clock.advance(RegistryReader.RECHECK_INTERVAL_MS);
    collect();
    all = collect();
    MetricData errors = all.get("microsandbox.collector.registry.errors");
    assertEquals(MetricDataType.LONG_SUM, errors.getType());
    assertEquals(
        2,
        ((io.opentelemetry.sdk.metrics.data.LongPointData) points(errors).iterator().next())
            .getValue());
    assertEquals(
        "not_ready",
        points(errors).iterator().next().getAttributes().get(CollectorHealth.ERROR_TYPE));
    assertTrue(sandboxNames(all).isEmpty());
  }

  static long skipped(Map<String, MetricData> all, String reason) {
    return points(all.get("microsandbox.collector.slots.skipped")).stream()
        .filter(p -> reason.equals(p.getAttributes().get(CollectorHealth.REASON)))
        .mapToLong(p -> ((io.opentelemetry.sdk.metrics.data.LongPointData) p).getValue())
        .sum();
  }

  static Set<String> sandboxNames(Map<String, MetricData> all) {
    MetricData m = all.get("microsandbox.memory.usage");
    if (m == null) {
      return Set.of();
    }
    return points(m).stream()
        .map(p -> p.getAttributes().get(SandboxAttributes.SANDBOX_NAME))
        .collect(Collectors.toSet());
  }

  @Test
  void samplesOlderThanTheMaximumAgeAreNotExported() throws IOException {
    Path file = dir.resolve("reg");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      start(writer, sample(101, 1010, "alpha", 0));
    }
    clock.advance(Duration.ofMinutes(5).toMillis());
    metrics(file, false, false, LabelSource.NONE);
    assertTrue(sandboxNames(collect()).isEmpty(), "older than 30 s");
  }

  @Test
  void labelsAreAppendedAndNeverOverrideIdentity() throws IOException {
    Path file = dir.resolve("reg");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      start(writer, sample(101, 1010, "alpha", 0));
    }
    Map<String, String> labels =
        new java.util.TreeMap<>(
            Map.of(
                "sandbox.name", "forged", "sandbox.id", "7", "tenant", "acme", "user.id", "alice"));
    metrics(
        file,
        false,
        false,
        new LabelSource() {
          @Override
          public void refresh(RegistrySnapshot snapshot) {}

          @Override
          public Map<String, String> labelsOf(int sandboxId) {
            return sandboxId == 101 ? labels : Map.of();
          }

          @Override
          public void close() {}
        });
    Attributes attributes =
        point(collect().get("microsandbox.memory.usage"), "alpha").getAttributes();
    assertEquals(
        Attributes.builder()
            .put(SandboxAttributes.SANDBOX_NAME, "alpha")
            .put(SandboxAttributes.SANDBOX_ID, 101)
            .put("tenant", "acme")
            .put("user.id", "alice")
            .build(),
        attributes);
  }
}
