package dev.microsandbox.otel.metrics.series;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.labels.CatalogWriter;
import dev.microsandbox.otel.metrics.AutoconfiguredSdk;
import dev.microsandbox.otel.metrics.export.ReleasingMetricReader;
import dev.microsandbox.otel.metrics.settings.MicrosandboxSettings;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.testing.LoggerCapture;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The instrument sets, the counters' start times, and every filter, through the SDK's own
 * autoconfiguration with the extension discovered as the agent discovers it.
 */
class InstrumentSetTest {

  static final AttributeKey<String> NETWORK_DIRECTION =
      AttributeKey.stringKey("network.io.direction");
  static final AttributeKey<String> DISK_DIRECTION = AttributeKey.stringKey("disk.io.direction");
  static final int PID = (int) ProcessHandle.current().pid();
  static final AttributeKey<Boolean> OVERFLOW = AttributeKey.booleanKey("otel.metric.overflow");

  @TempDir Path dir;
  RegistryWriter writer;
  final Map<String, Integer> slots = new HashMap<>();
  final Map<String, SandboxSample> samples = new HashMap<>();
  OpenTelemetrySdk sdk;

  @BeforeEach
  void registry() throws Exception {
    writer = RegistryWriter.openOrCreate(dir.resolve("reg"), 8);
    try (CatalogWriter catalog = CatalogWriter.create(dir.resolve("msb.db"))) {
      catalog.put(1, "web-1", CatalogWriter.labels("team", "payments", "tier", "gold"), null);
      catalog.put(2, "web-2", CatalogWriter.labels("team", "search", "tier", "free"), null);
      catalog.put(3, "batch-1", CatalogWriter.labels("team", "payments", "tier", "free"), null);
    }
    start(1, "web-1", 1);
    start(2, "web-2", 1);
    start(3, "batch-1", 1);
  }

  @AfterEach
  void close() {
    if (sdk != null) {
      sdk.close();
    }
    writer.close();
  }

  /** Starts (or restarts, as a new run) a sandbox whose figures derive from its id and run. */
  void start(int id, String name, int run) {
    Integer old = slots.remove(name);
    if (old != null) {
      writer.release(old, false);
    }
    long now = System.currentTimeMillis();
    long k = id * 1000L / run; // a later run has lower totals
    SandboxSample s =
        new SandboxSample()
            .identity(id, run, PID, name)
            .times(now - 5000, now)
            .flags(0x7f)
            .cpu(150f, k * 1_000_000L)
            .memory(1L << 30, k * 10, k * 11, k * 12)
            .io(k * 20, k * 30, k * 40, k * 50)
            .upper(k * 60, k * 70, k * 80);
    int slot = writer.start(s, run, PID);
    slots.put(name, slot);
    samples.put(name, s);
  }

  InMemoryMetricReader sdk(String... settings) {
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    sdk(reader, settings);
    return reader;
  }

  void sdk(InMemoryMetricReader reader, String... settings) {
    sdk(builder -> builder.registerMetricReader(reader), settings);
  }

  /** The SDK reading this test's registry and catalog, with {@code settings} as key, value, .... */
  void sdk(UnaryOperator<SdkMeterProviderBuilder> readers, String... settings) {
    Map<String, String> all =
        new HashMap<>(
            Map.of(
                "otel.microsandbox.registry", dir.resolve("reg").toString(),
                "otel.microsandbox.catalog", dir.resolve("msb.db").toString(),
                "otel.microsandbox.labels.timeout", "5s"));
    for (int i = 0; i < settings.length; i += 2) {
      all.put(settings[i], settings[i + 1]);
    }
    sdk = AutoconfiguredSdk.start(all, readers);
  }

  static Map<String, MetricData> sandboxMetrics(Collection<MetricData> collected) {
    return collected.stream()
        .filter(
            m ->
                m.getInstrumentationScopeInfo().getName().equals(MetricsScope.NAME)
                    && !m.getName().startsWith("microsandbox.collector.")
                    && !m.getName().equals(SeriesSelection.STOPS_METRIC))
        .collect(Collectors.toMap(MetricData::getName, m -> m));
  }

  static PointData point(
      MetricData metric, AttributeKey<String> nameKey, String name, Attributes extra) {
    return metric.getData().getPoints().stream()
        .filter(p -> name.equals(p.getAttributes().get(nameKey)))
        .filter(
            p ->
                extra.asMap().entrySet().stream()
                    .allMatch(e -> e.getValue().equals(p.getAttributes().get(e.getKey()))))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " " + extra + " in " + metric));
  }

  /**
   * The SDK folds an instrument's series beyond its cardinality limit (2,000) into one overflow
   * point, with a warning: 3,000 sandboxes in a 4,096-slot registry must all be in every series of
   * every set, the info gauge included, with no overflow point and no such line.
   */
  @Test
  void everySandboxOfALargeRegistryIsInEverySeriesWithNoOverflow() throws Exception {
    int sandboxes = 3000;
    Path large = dir.resolve("large");
    try (RegistryWriter full = RegistryWriter.openOrCreate(large, 4096);
        LoggerCapture sdkLog = LoggerCapture.of("io.opentelemetry.sdk")) {
      long now = System.currentTimeMillis();
      for (int id = 1; id <= sandboxes; id++) {
        full.start(
            new SandboxSample()
                .identity(id, 1, PID, "sb-" + id)
                .times(now - 60_000, now)
                .flags(0x7f)
                .cpu(50f, id)
                .memory(1L << 30, id, id, id)
                .io(id, id, id, id)
                .upper(id, id, id),
            1,
            PID);
      }
      InMemoryMetricReader reader =
          sdk(
              "otel.microsandbox.registry",
              large.toString(),
              "otel.microsandbox.instruments",
              "both",
              "otel.microsandbox.labels.on",
              "info");
      for (int collection = 0; collection < 2; collection++) {
        Map<String, MetricData> metrics = sandboxMetrics(reader.collectAllMetrics());
        Set<String> perSandboxSeries =
            new TreeSet<>(SeriesSelection.metricNames(InstrumentSet.BOTH, true));
        perSandboxSeries.remove(SeriesSelection.STOPS_METRIC);
        assertEquals(perSandboxSeries, new TreeSet<>(metrics.keySet()));
        for (MetricData metric : metrics.values()) {
          int perSandbox = metric.getName().endsWith(".io") ? 2 : 1;
          assertEquals(
              sandboxes * perSandbox, metric.getData().getPoints().size(), metric.getName());
          assertTrue(
              metric.getData().getPoints().stream()
                  .noneMatch(p -> p.getAttributes().get(OVERFLOW) != null),
              metric.getName());
        }
      }
      assertFalse(sdkLog.text().contains("cardinality"), sdkLog.text());
    }
  }

  @Test
  void msbIsTheDefaultAndExactlyTodaysGauges() {
    Map<String, MetricData> metrics = sandboxMetrics(sdk().collectAllMetrics());
    Set<String> expected = new TreeSet<>();
    for (SandboxSeries s : SandboxSeries.all()) {
      if (s.family == SandboxSeries.Family.MSB || s.family == SandboxSeries.Family.EVERY_SET) {
        expected.add(s.metricName);
      }
    }
    assertEquals(14, expected.size());
    assertEquals(expected, new TreeSet<>(metrics.keySet()));
    metrics
        .values()
        .forEach(
            m ->
                assertTrue(
                    m.getType() == MetricDataType.LONG_GAUGE
                        || m.getType() == MetricDataType.DOUBLE_GAUGE,
                    m::toString));
  }

  @Test
  void semconvNamesKindsUnitsAttributesAndStartTimes() {
    Map<String, MetricData> metrics =
        sandboxMetrics(sdk("otel.microsandbox.instruments", "semconv").collectAllMetrics());
    assertEquals(
        new TreeSet<>(
            List.of(
                "container.cpu.time",
                "container.cpu.usage",
                "container.memory.usage",
                "container.memory.available",
                "container.network.io",
                "container.disk.io",
                "container.filesystem.usage",
                "container.filesystem.available",
                "container.uptime",
                "microsandbox.memory.limit",
                "microsandbox.memory.host_resident",
                "microsandbox.upper.host_allocated")),
        new TreeSet<>(metrics.keySet()));
    assertKind(metrics.get("container.cpu.time"), MetricDataType.DOUBLE_SUM, true, "s");
    assertKind(metrics.get("container.network.io"), MetricDataType.LONG_SUM, true, "By");
    assertKind(metrics.get("container.disk.io"), MetricDataType.LONG_SUM, true, "By");
    for (String updown :
        List.of(
            "container.memory.usage",
            "container.memory.available",
            "container.filesystem.usage",
            "container.filesystem.available")) {
      assertKind(metrics.get(updown), MetricDataType.LONG_SUM, false, "By");
    }
    assertEquals(MetricDataType.DOUBLE_GAUGE, metrics.get("container.cpu.usage").getType());
    assertEquals("{cpu}", metrics.get("container.cpu.usage").getUnit());
    assertEquals(MetricDataType.DOUBLE_GAUGE, metrics.get("container.uptime").getType());

    SandboxSample web2 = samples.get("web-2");
    AttributeKey<String> name = SandboxAttributes.CONTAINER_NAME;
    Attributes receive = Attributes.of(NETWORK_DIRECTION, "receive");
    LongPointData rx =
        (LongPointData) point(metrics.get("container.network.io"), name, "web-2", receive);
    assertEquals(web2.netRxBytes(), rx.getValue());
    assertEquals(
        Attributes.builder()
            .put(name, "web-2")
            .put(SandboxAttributes.CONTAINER_ID, "2")
            .put("team", "search")
            .put("tier", "free")
            .put(NETWORK_DIRECTION, "receive")
            .build(),
        rx.getAttributes());
    assertEquals(web2.startedAtMs() * 1_000_000L, rx.getStartEpochNanos(), "start = started_at");
    assertEquals(web2.sampledAtMs() * 1_000_000L, rx.getEpochNanos(), "time = sampled_at");
    assertEquals(
        web2.netTxBytes(),
        ((LongPointData)
                point(
                    metrics.get("container.network.io"),
                    name,
                    "web-2",
                    Attributes.of(NETWORK_DIRECTION, "transmit")))
            .getValue());
    assertEquals(
        web2.diskReadBytes(),
        ((LongPointData)
                point(
                    metrics.get("container.disk.io"),
                    name,
                    "web-2",
                    Attributes.of(DISK_DIRECTION, "read")))
            .getValue());
    assertEquals(
        web2.diskWriteBytes(),
        ((LongPointData)
                point(
                    metrics.get("container.disk.io"),
                    name,
                    "web-2",
                    Attributes.of(DISK_DIRECTION, "write")))
            .getValue());
    assertEquals(
        web2.vcpuTimeNs() / 1e9,
        ((io.opentelemetry.sdk.metrics.data.DoublePointData)
                point(metrics.get("container.cpu.time"), name, "web-2", Attributes.empty()))
            .getValue());
    assertEquals(
        1.5,
        ((io.opentelemetry.sdk.metrics.data.DoublePointData)
                point(metrics.get("container.cpu.usage"), name, "web-2", Attributes.empty()))
            .getValue());
    assertEquals(
        "2",
        point(metrics.get("microsandbox.memory.limit"), name, "web-2", Attributes.empty())
            .getAttributes()
            .get(SandboxAttributes.CONTAINER_ID),
        "in the semconv set everything carries the container identity");
  }

  static void assertKind(MetricData metric, MetricDataType type, boolean monotonic, String unit) {
    assertEquals(type, metric.getType(), metric.getName());
    SumData<?> sum = (SumData<?>) metric.getData();
    assertEquals(monotonic, sum.isMonotonic(), metric.getName());
    assertEquals(AggregationTemporality.CUMULATIVE, sum.getAggregationTemporality());
    assertEquals(unit, metric.getUnit(), metric.getName());
    assertEquals(
        3, sum.getPoints().size() / (metric.getName().endsWith(".io") ? 2 : 1), metric.getName());
  }

  /**
   * A sample whose CPU and memory figures are not sourced (upstream's first sample of every
   * sandbox: cpu_percent 0.0, flag 0x01 clear): the semantic-convention series follow the flags,
   * the msb gauges report them as msb-metrics does.
   */
  @Test
  void unsourcedFiguresAreLeftOutOfTheConventionSeries() {
    writer.publish(slots.get("web-2"), samples.get("web-2").flags(0x7f & ~0x03).cpu(0f, 0));
    Map<String, MetricData> metrics =
        sandboxMetrics(sdk("otel.microsandbox.instruments", "both").collectAllMetrics());
    for (String metric :
        List.of("container.cpu.usage", "container.cpu.time", "container.memory.usage")) {
      assertEquals(
          Set.of("web-1", "batch-1"),
          metrics.get(metric).getData().getPoints().stream()
              .map(p -> p.getAttributes().get(SandboxAttributes.CONTAINER_NAME))
              .collect(Collectors.toSet()),
          metric + " without the unsourced web-2");
    }
    for (String metric : List.of("microsandbox.cpu.utilization", "microsandbox.memory.usage")) {
      assertEquals(3, metrics.get(metric).getData().getPoints().size(), metric + ": msb parity");
    }
  }

  @Test
  void bothReportsEachFamilyWithItsOwnIdentity() {
    Map<String, MetricData> metrics =
        sandboxMetrics(sdk("otel.microsandbox.instruments", "both").collectAllMetrics());
    assertEquals(14 + 9, metrics.size(), metrics.keySet()::toString);
    PointData msb =
        point(
            metrics.get("microsandbox.memory.limit"),
            SandboxAttributes.SANDBOX_NAME,
            "web-1",
            Attributes.empty());
    assertEquals(1L, msb.getAttributes().get(SandboxAttributes.SANDBOX_ID));
    assertNull(msb.getAttributes().get(SandboxAttributes.CONTAINER_ID));
    PointData semconv =
        point(
            metrics.get("container.memory.usage"),
            SandboxAttributes.CONTAINER_NAME,
            "web-1",
            Attributes.empty());
    assertNull(semconv.getAttributes().get(SandboxAttributes.SANDBOX_ID));
  }

  @Test
  void aRestartMovesTheStartTimeAndAVanishedSandboxIsGone() {
    InMemoryMetricReader reader = sdk("otel.microsandbox.instruments", "semconv");
    LongPointData before =
        (LongPointData)
            point(
                sandboxMetrics(reader.collectAllMetrics()).get("container.network.io"),
                SandboxAttributes.CONTAINER_NAME,
                "web-1",
                Attributes.of(NETWORK_DIRECTION, "receive"));
    writer.publish(
        slots.get("web-1"),
        samples.get("web-1").times(System.currentTimeMillis() - 10, System.currentTimeMillis()));
    start(1, "web-1", 2);
    writer.release(slots.remove("batch-1"), true);
    Map<String, MetricData> after = sandboxMetrics(reader.collectAllMetrics());
    LongPointData restarted =
        (LongPointData)
            point(
                after.get("container.network.io"),
                SandboxAttributes.CONTAINER_NAME,
                "web-1",
                Attributes.of(NETWORK_DIRECTION, "receive"));
    assertTrue(restarted.getValue() < before.getValue(), "the new run starts lower");
    assertEquals(samples.get("web-1").startedAtMs() * 1_000_000L, restarted.getStartEpochNanos());
    assertTrue(
        restarted.getStartEpochNanos() > before.getStartEpochNanos(),
        "a new start time: backends see a reset, not a negative rate");
    assertEquals(
        Set.of("web-1", "web-2"),
        after.get("container.network.io").getData().getPoints().stream()
            .map(p -> p.getAttributes().get(SandboxAttributes.CONTAINER_NAME))
            .collect(Collectors.toSet()),
        "batch-1 stopped: not reported");
  }

  @Test
  void aWrappedReaderInTheReusableModeReusesItsCounterPoints() {
    InMemoryMetricReader inner =
        InMemoryMetricReader.builder().setMemoryMode(MemoryMode.REUSABLE_DATA).build();
    InMemoryMetricReader plain = InMemoryMetricReader.create();
    sdk(
        builder ->
            builder
                .registerMetricReader(new ReleasingMetricReader(inner, () -> {}))
                .registerMetricReader(plain),
        "otel.microsandbox.labels.enabled",
        "false",
        "otel.microsandbox.instruments",
        "semconv");
    PointData first =
        point(
            sandboxMetrics(inner.collectAllMetrics()).get("container.disk.io"),
            SandboxAttributes.CONTAINER_NAME,
            "web-2",
            Attributes.of(DISK_DIRECTION, "read"));
    long firstValue = ((LongPointData) first).getValue();
    start(2, "web-2", 2);
    PointData second =
        point(
            sandboxMetrics(inner.collectAllMetrics()).get("container.disk.io"),
            SandboxAttributes.CONTAINER_NAME,
            "web-2",
            Attributes.of(DISK_DIRECTION, "read"));
    assertTrue(((LongPointData) second).getValue() < firstValue);
    assertSame(first.getClass(), second.getClass());
    assertTrue(
        inner.collectAllMetrics().stream()
            .flatMap(m -> m.getData().getPoints().stream())
            .anyMatch(p -> p == second),
        "the reusable reader's points are the same objects");
    PointData fresh =
        point(
            sandboxMetrics(plain.collectAllMetrics()).get("container.disk.io"),
            SandboxAttributes.CONTAINER_NAME,
            "web-2",
            Attributes.of(DISK_DIRECTION, "read"));
    assertFalse(
        plain.collectAllMetrics().stream()
            .flatMap(m -> m.getData().getPoints().stream())
            .anyMatch(p -> p == fresh),
        "an immutable-data reader gets new points every time");
  }

  @Test
  void sandboxFiltersByNameAndLabelExcludeWins() {
    Map<String, MetricData> metrics =
        sandboxMetrics(
            sdk(
                    "otel.microsandbox.sandboxes.include", "web-*,team=payments",
                    "otel.microsandbox.sandboxes.exclude", "tier=gold")
                .collectAllMetrics());
    assertEquals(
        Set.of("web-2", "batch-1"),
        metrics.get("microsandbox.memory.usage").getData().getPoints().stream()
            .map(p -> p.getAttributes().get(SandboxAttributes.SANDBOX_NAME))
            .collect(Collectors.toSet()));
  }

  @Test
  void metricExcludesAndLabelIncludes() {
    Map<String, MetricData> metrics =
        sandboxMetrics(
            sdk(
                    "otel.microsandbox.metrics.exclude",
                        "microsandbox.upper.*, microsandbox.cpu.time",
                    "otel.microsandbox.labels.include", "te.*")
                .collectAllMetrics());
    assertEquals(14 - 4, metrics.size(), metrics.keySet()::toString);
    assertFalse(metrics.containsKey("microsandbox.upper.used"));
    PointData web1 =
        point(
            metrics.get("microsandbox.memory.usage"),
            SandboxAttributes.SANDBOX_NAME,
            "web-1",
            Attributes.empty());
    assertEquals("payments", web1.getAttributes().get(AttributeKey.stringKey("team")));
    assertNull(web1.getAttributes().get(AttributeKey.stringKey("tier")), "not matched in full");
  }

  @Test
  void anExcludeThatMatchesNothingIsAStartUpErrorListingTheNames() {
    MicrosandboxSettings.Invalid invalid =
        assertThrows(
            MicrosandboxSettings.Invalid.class,
            () ->
                fromProperties(
                    Map.of(
                        "otel.microsandbox.metrics.exclude",
                        "microsandbox.upper.*,container.cpu.*")));
    assertTrue(
        invalid
            .getMessage()
            .startsWith(
                "OTEL_MICROSANDBOX_METRICS_EXCLUDE (otel.microsandbox.metrics.exclude) ="
                    + " 'microsandbox.upper.*,container.cpu.*': 'container.cpu.*' matches none of"
                    + " the metric names of this instrument set (msb):"
                    + " microsandbox.cpu.utilization, microsandbox.cpu.time,"),
        invalid.getMessage());
    assertThrows(
        MicrosandboxSettings.Invalid.class,
        () -> fromProperties(Map.of("otel.microsandbox.instruments", "all")));
    assertThrows(
        MicrosandboxSettings.Invalid.class,
        () -> fromProperties(Map.of("otel.microsandbox.labels.on", "series")));
    assertThrows(
        MicrosandboxSettings.Invalid.class,
        () -> fromProperties(Map.of("otel.microsandbox.labels.include", "te(")));
  }

  @Test
  void labelsOnInfoGoOnOneGaugeAndEverySeriesCarriesIdentityOnly() {
    Map<String, MetricData> metrics =
        sandboxMetrics(
            sdk("otel.microsandbox.instruments", "both", "otel.microsandbox.labels.on", "info")
                .collectAllMetrics());
    MetricData info = metrics.get(SeriesSelection.INFO_METRIC);
    LongPointData web1 =
        (LongPointData) point(info, SandboxAttributes.SANDBOX_NAME, "web-1", Attributes.empty());
    assertEquals(1, web1.getValue());
    assertEquals(
        Attributes.builder()
            .put(SandboxAttributes.SANDBOX_NAME, "web-1")
            .put(SandboxAttributes.SANDBOX_ID, 1)
            .put(SandboxAttributes.CONTAINER_NAME, "web-1")
            .put(SandboxAttributes.CONTAINER_ID, "1")
            .put("team", "payments")
            .put("tier", "gold")
            .build(),
        web1.getAttributes(),
        "both identities, so either family joins");
    assertEquals(
        Attributes.of(SandboxAttributes.SANDBOX_NAME, "web-1", SandboxAttributes.SANDBOX_ID, 1L),
        point(
                metrics.get("microsandbox.memory.usage"),
                SandboxAttributes.SANDBOX_NAME,
                "web-1",
                Attributes.empty())
            .getAttributes());
    assertEquals(
        Attributes.of(
            SandboxAttributes.CONTAINER_NAME, "web-1", SandboxAttributes.CONTAINER_ID, "1"),
        point(
                metrics.get("container.memory.usage"),
                SandboxAttributes.CONTAINER_NAME,
                "web-1",
                Attributes.empty())
            .getAttributes());
  }

  /** Settings from system properties alone (no environment). */
  private static MicrosandboxSettings fromProperties(Map<String, String> properties)
      throws MicrosandboxSettings.Invalid {
    return MicrosandboxSettings.from(DefaultConfigProperties.createFromMap(properties), Map.of());
  }
}
