package dev.microsandbox.otel.metrics.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.mockito.ArgumentMatchers.anyCollection;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.microsandbox.otel.metrics.data.PointColumns;
import dev.microsandbox.otel.metrics.data.SandboxMetricData;
import dev.microsandbox.otel.metrics.instruments.ExportStats;
import dev.microsandbox.otel.metrics.series.MetricsScope;
import dev.microsandbox.otel.metrics.series.SandboxSeries;
import dev.microsandbox.otel.testing.MutableClock;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sandbox counters reach a delta-preferring exporter as deltas: per series and run, the change
 * since that exporter's last export, the run's start as the first start, nothing twice.
 */
class DeltaSumsTest {

  static final Attributes ALPHA = Attributes.builder().put("container.name", "alpha").build();

  final MetricExporter delegate = mock(MetricExporter.class);
  final List<Collection<MetricData>> sent = new ArrayList<>();

  DeltaSumsTest() {
    AggregationTemporalitySelector deltaPreferred = AggregationTemporalitySelector.deltaPreferred();
    when(delegate.getAggregationTemporality(org.mockito.ArgumentMatchers.any()))
        .thenAnswer(call -> deltaPreferred.getAggregationTemporality(call.getArgument(0)));
    when(delegate.export(anyCollection()))
        .thenAnswer(
            call -> {
              sent.add(new ArrayList<>(call.<Collection<MetricData>>getArgument(0)));
              return CompletableResultCode.ofSuccess();
            });
  }

  static MetricData cpuTime(long runStart, long time, long total) {
    return new SandboxMetricData(
        Resource.empty(),
        MetricsScope.INFO,
        SandboxSeries.CONTAINER_CPU_TIME,
        onePoint(true, runStart, time, total));
  }

  static MetricData memoryUsage(long runStart, long time, long bytes) {
    return new SandboxMetricData(
        Resource.empty(),
        MetricsScope.INFO,
        SandboxSeries.CONTAINER_MEMORY_USAGE,
        onePoint(false, runStart, time, bytes));
  }

  private static PointColumns onePoint(boolean doubles, long runStart, long time, long value) {
    PointColumns points = new PointColumns(doubles);
    if (doubles) {
      points.addDouble(runStart, time, ALPHA, value);
    } else {
      points.addLong(runStart, time, ALPHA, value);
    }
    return points;
  }

  /** The one point sent in export {@code i}: start, time, value. */
  List<Object> point(int i) {
    MetricData metric = sent.get(i).iterator().next();
    assertEquals(
        AggregationTemporality.DELTA, metric.getDoubleSumData().getAggregationTemporality());
    if (metric.getData().getPoints().isEmpty()) {
      return List.of();
    }
    io.opentelemetry.sdk.metrics.data.DoublePointData p =
        metric.getDoubleSumData().getPoints().iterator().next();
    return List.of(p.getStartEpochNanos(), p.getEpochNanos(), p.getValue());
  }

  @Test
  void countersBecomeChangesSinceTheLastExportAndARestartStartsAgain() {
    SandboxPushExporter exporter =
        new SandboxPushExporter(delegate, new ExportStats(), new MutableClock(0));
    exporter.export(List.of(cpuTime(1_000, 5_000, 100)));
    exporter.export(List.of(cpuTime(1_000, 9_000, 150)));
    exporter.export(List.of(cpuTime(1_000, 9_000, 150))); // the same sample again
    exporter.export(List.of(cpuTime(20_000, 21_000, 7))); // the sandbox restarted
    exporter.export(List.of(cpuTime(20_000, 25_000, 10)));
    assertEquals(List.of(1_000L, 5_000L, 100.0), point(0), "the run's total since its start");
    assertEquals(List.of(5_000L, 9_000L, 50.0), point(1), "the change since the last export");
    assertEquals(List.of(), point(2), "nothing twice");
    assertEquals(List.of(20_000L, 21_000L, 7.0), point(3), "a new run starts at its start");
    assertEquals(List.of(21_000L, 25_000L, 3.0), point(4));
  }

  @Test
  void upDownCountersStayCumulativeWhereTheExporterWantsThemSo() {
    SandboxPushExporter exporter =
        new SandboxPushExporter(delegate, new ExportStats(), new MutableClock(0));
    MetricData usage = memoryUsage(1_000, 5_000, 4096);
    exporter.export(List.of(usage));
    assertSame(usage, sent.get(0).iterator().next(), "deltaPreferred keeps up-down cumulative");
    LongPointData point =
        ((MetricData) sent.get(0).iterator().next()).getLongSumData().getPoints().iterator().next();
    assertEquals(4096, point.getValue());
  }

  @Test
  void aCumulativeExporterGetsTheCountersAsTheyAre() {
    MetricExporter cumulative = mock(MetricExporter.class);
    when(cumulative.getAggregationTemporality(org.mockito.ArgumentMatchers.any()))
        .thenReturn(AggregationTemporality.CUMULATIVE);
    List<Collection<MetricData>> got = new ArrayList<>();
    when(cumulative.export(anyCollection()))
        .thenAnswer(
            call -> {
              got.add(call.getArgument(0));
              return CompletableResultCode.ofSuccess();
            });
    List<MetricData> batch = List.of(cpuTime(1_000, 5_000, 100));
    new SandboxPushExporter(cumulative, new ExportStats(), new MutableClock(0)).export(batch);
    assertSame(batch, got.get(0));
  }

  @Test
  void aCounterThatDropsWithinItsRunIsAResetNeverANegativeDelta() {
    SandboxPushExporter exporter =
        new SandboxPushExporter(delegate, new ExportStats(), new MutableClock(0));
    exporter.export(List.of(cpuTime(1_000, 5_000, 600)));
    exporter.export(List.of(cpuTime(1_000, 9_000, 20))); // the same run, its total cut back
    exporter.export(List.of(cpuTime(1_000, 12_000, 50)));
    assertEquals(List.of(5_000L, 9_000L, 20.0), point(1), "the new total, since the last point");
    assertEquals(List.of(9_000L, 12_000L, 30.0), point(2), "then changes again");
  }

  @Test
  void anUpDownCounterThatDropsIsJustSmaller() {
    org.mockito.Mockito.doReturn(AggregationTemporality.DELTA) // up-down counters as deltas too
        .when(delegate)
        .getAggregationTemporality(org.mockito.ArgumentMatchers.any());
    SandboxPushExporter exporter =
        new SandboxPushExporter(delegate, new ExportStats(), new MutableClock(0));
    exporter.export(List.of(memoryUsage(1_000, 5_000, 600)));
    exporter.export(List.of(memoryUsage(1_000, 9_000, 20)));
    LongPointData p =
        (LongPointData) sent.get(1).iterator().next().getData().getPoints().iterator().next();
    assertEquals(-580, p.getValue());
  }
}
