package dev.microsandbox.otel.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.metrics.instruments.SandboxMetrics;
import dev.microsandbox.otel.metrics.sampling.SandboxSampler;
import dev.microsandbox.otel.metrics.series.InstrumentSet;
import dev.microsandbox.otel.metrics.series.MetricsScope;
import dev.microsandbox.otel.metrics.series.SandboxAttributes;
import dev.microsandbox.otel.metrics.series.SandboxFilter;
import dev.microsandbox.otel.metrics.series.SeriesSelection;
import dev.microsandbox.otel.registry.RegistryAccess;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.support.ExtensionVersion;
import dev.microsandbox.otel.testing.MutableClock;
import dev.microsandbox.otel.testing.RecordingLog;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs' start and stop events through the real SDK's logs pipeline, and the stops counter through
 * its metrics, from a registry written as the runtime writes it.
 */
class RunEventsTest {

  static final long NOW = 1_800_000_000_000L;
  static final int PID = (int) ProcessHandle.current().pid();

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(NOW);
  final InMemoryLogRecordExporter logs = InMemoryLogRecordExporter.create();
  final SdkLoggerProvider loggerProvider =
      SdkLoggerProvider.builder()
          .addLogRecordProcessor(SimpleLogRecordProcessor.create(logs))
          .build();
  final InMemoryMetricReader metricReader = InMemoryMetricReader.create();
  final SdkMeterProvider meterProvider =
      SdkMeterProvider.builder().registerMetricReader(metricReader).build();
  final Set<Integer> deadPids = new HashSet<>();
  SandboxMetrics metrics;

  @AfterEach
  void tearDown() {
    if (metrics != null) {
      metrics.close();
    }
    meterProvider.close();
    loggerProvider.close();
  }

  /** Metrics on {@code registry} whose runs are events, with the given series and labels. */
  void start(Path registry, SeriesSelection selection, LabelSource labels) {
    RegistryReader reader =
        new RegistryReader(
            registry,
            new RegistryReader.Options(Duration.ofSeconds(30), true, RegistryAccess.AUTO),
            clock,
            pid -> !deadPids.contains(pid),
            new RecordingLog());
    SandboxAttributes attributes =
        new SandboxAttributes(false, false, selection, SandboxFilter.parse(null, "hidden-*"));
    RunEvents events =
        new RunEvents(
            loggerProvider,
            MetricsScope.NAME,
            ExtensionVersion.VERSION,
            attributes::putRunIdentity,
            clock);
    SandboxSampler sampler = new SandboxSampler(reader, labels, attributes, null, events);
    metrics = new SandboxMetrics(meterProvider, sampler, null, false);
  }

  static SandboxSample sample(int id, int run, String name, int pid, long at) {
    return new SandboxSample()
        .identity(id, run, pid, name)
        .times(NOW - 10_000, at)
        .cpu(20f, 3_500_000_000L)
        .memory(1L << 30, 123_456_789, 0, 0)
        .io(11, 22, 33, 44);
  }

  Map<String, Long> stops() {
    MetricData counter =
        metricReader.collectAllMetrics().stream()
            .filter(m -> m.getName().equals(SeriesSelection.STOPS_METRIC))
            .findFirst()
            .orElseThrow();
    assertEquals("{run}", counter.getUnit());
    assertTrue(counter.getLongSumData().isMonotonic());
    return counter.getLongSumData().getPoints().stream()
        .collect(
            Collectors.toMap(
                p -> p.getAttributes().get(RunEvents.STOP_REASON),
                LongPointData::getValue,
                Long::sum,
                TreeMap::new));
  }

  @Test
  void aRunsStartAndStopAreEventsWithItsIdentityLabelsAndTotals() throws IOException {
    Path file = dir.resolve("msb-met-e-v3");
    LabelSource labels = new FixedLabels(Map.of(7, Map.of("team", "infra", "sandbox.name", "x")));
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      writer.start(sample(1, 10, "there", PID, NOW), 10, PID);
      start(file, new SeriesSelection(InstrumentSet.BOTH, false, List.of()), labels);
      assertEquals(
          Map.of("exited", 0L, "owner_dead", 0L, "replaced", 0L, "stalled", 0L),
          stops(),
          "every reason from the first collection");
      int slot = writer.start(sample(7, 70, "web", 999_999_999, NOW + 500), 70, 999_999_999);
      writer.start(sample(8, 80, "hidden-one", 999_999_999, NOW + 500), 80, 999_999_999);
      clock.advance(1_000);
      writer.publish(slot, sample(7, 70, "web", 999_999_999, NOW + 1_000)); // its last sample
      metricReader.collectAllMetrics();
      deadPids.add(999_999_999); // killed: its sample stands still from now on
      clock.advance(6_000); // past the reader's 5 s re-probe of an owner
      Map<String, Long> counted = stops();

      List<LogRecordData> records = logs.getFinishedLogRecordItems();
      assertEquals(2, records.size(), records.toString()); // the filtered sandbox has none
      LogRecordData start = records.get(0);
      LogRecordData stop = records.get(1);
      assertEquals(RunMessages.START, start.getEventName());
      assertEquals(RunMessages.STOP, stop.getEventName());
      assertNull(start.getAttributes().get(RunEvents.EVENT_NAME), "the field, not the attribute");
      assertEquals(MetricsScope.NAME, stop.getInstrumentationScopeInfo().getName());
      assertEquals(ExtensionVersion.VERSION, stop.getInstrumentationScopeInfo().getVersion());
      assertEquals(TimeUnit.MILLISECONDS.toNanos(NOW - 10_000), start.getTimestampEpochNanos());
      assertEquals(TimeUnit.MILLISECONDS.toNanos(NOW + 1_000), stop.getTimestampEpochNanos());
      assertEquals(
          TimeUnit.MILLISECONDS.toNanos(NOW + 7_000), stop.getObservedTimestampEpochNanos());
      assertEquals(Severity.INFO, start.getSeverity());
      assertEquals(Severity.WARN, stop.getSeverity());
      assertEquals("sandbox web (id 7, run 70) started", start.getBodyValue().asString());
      assertEquals(
          "sandbox web (id 7, run 70) stopped: owner_dead after 11.0 s",
          stop.getBodyValue().asString());

      Attributes identity =
          Attributes.builder()
              .put("sandbox.name", "web")
              .put("sandbox.id", 7L)
              .put("sandbox.run_id", 70L)
              .put("container.name", "web")
              .put("container.id", "7")
              .put("team", "infra")
              .build();
      assertEquals(identity, start.getAttributes(), "a label cannot rename the sandbox");
      assertEquals(
          identity.toBuilder()
              .put(RunEvents.STOP_REASON, "owner_dead")
              .put(RunEvents.RUN_DURATION, 11.0)
              .put(RunEvents.RUN_CPU_TIME, 3.5)
              .put(RunEvents.RUN_MEMORY_PEAK, 123_456_789L)
              .put(RunEvents.RUN_DISK_READ, 11L)
              .put(RunEvents.RUN_DISK_WRITTEN, 22L)
              .put(RunEvents.RUN_NET_RECEIVED, 33L)
              .put(RunEvents.RUN_NET_SENT, 44L)
              .build(),
          stop.getAttributes());
      assertEquals(1L, counted.get(StopReason.OWNER_DEAD.value()), counted.toString());
      assertEquals(0L, counted.get(StopReason.EXITED.value()), "the filtered run is not counted");

      for (int i = 0; i < 3; i++) { // collections that find nothing new add nothing
        clock.advance(1_000);
        metricReader.collectAllMetrics();
      }
      assertEquals(2, logs.getFinishedLogRecordItems().size());
    }
  }

  @Test
  void underMsbAloneAnEventCarriesNoContainerIdentity() throws IOException {
    Path file = dir.resolve("msb-met-m-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      start(file, SeriesSelection.DEFAULT, LabelSource.NONE);
      metricReader.collectAllMetrics();
      writer.start(sample(3, 30, "plain", PID, NOW + 500), 30, PID);
      clock.advance(1_000);
      metricReader.collectAllMetrics();
    }
    LogRecordData start = logs.getFinishedLogRecordItems().get(0);
    assertEquals(
        Attributes.builder()
            .put("sandbox.name", "plain")
            .put("sandbox.id", 3L)
            .put("sandbox.run_id", 30L)
            .build(),
        start.getAttributes());
  }

  @Test
  void theStopsCounterFollowsTheMetricExclusions() throws IOException {
    Path file = dir.resolve("msb-met-x-v3");
    try (RegistryWriter writer = RegistryWriter.openOrCreate(file, 8)) {
      writer.start(sample(3, 30, "plain", PID, NOW), 30, PID);
    }
    start(
        file,
        new SeriesSelection(
            InstrumentSet.MSB, false, List.of(Pattern.compile("microsandbox\\.sandbox\\..*"))),
        LabelSource.NONE);
    List<String> names =
        metricReader.collectAllMetrics().stream()
            .map(MetricData::getName)
            .collect(Collectors.toList());
    assertTrue(names.contains("microsandbox.memory.usage"), names.toString());
    assertTrue(!names.contains(SeriesSelection.STOPS_METRIC), names.toString());
  }

  /** Labels from a map, the same instance each time, as the catalog gives them. */
  static final class FixedLabels implements LabelSource {
    private final Map<Integer, Map<String, String>> bySandbox;

    FixedLabels(Map<Integer, Map<String, String>> bySandbox) {
      this.bySandbox = bySandbox;
    }

    @Override
    public void refresh(RegistrySnapshot snapshot) {}

    @Override
    public Map<String, String> labelsOf(int sandboxId) {
      return bySandbox.getOrDefault(sandboxId, Map.of());
    }

    @Override
    public void close() {}
  }
}
