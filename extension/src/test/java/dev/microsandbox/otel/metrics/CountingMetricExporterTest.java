package dev.microsandbox.otel.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.mockito.ArgumentMatchers.anyCollection;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.microsandbox.otel.testing.MutableClock;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.List;
import org.junit.jupiter.api.Test;

class CountingMetricExporterTest {

  final MetricExporter delegate = mock(MetricExporter.class);
  final ExportStats stats = new ExportStats();
  final MutableClock clock = new MutableClock(1_700_000_000_000L);
  final CountingMetricExporter exporter = new CountingMetricExporter(delegate, stats, clock);

  @Test
  void countsOutcomesIncludingAsynchronousOnes() {
    CompletableResultCode pending = new CompletableResultCode();
    when(delegate.export(anyCollection())).thenReturn(CompletableResultCode.ofFailure(),
        CompletableResultCode.ofSuccess(), pending);
    exporter.export(List.of());
    assertEquals(1, stats.failure());
    assertEquals(0, stats.lastSuccessEpochMillis());
    exporter.export(List.of());
    assertEquals(1, stats.success());
    assertEquals(1_700_000_000_000L, stats.lastSuccessEpochMillis());
    clock.advance(5000);
    CompletableResultCode returned = exporter.export(List.of());
    assertSame(pending, returned, "the delegate's result is returned untouched");
    assertEquals(1, stats.success(), "not counted before it completes");
    pending.succeed();
    assertEquals(2, stats.success());
    assertEquals(1_700_000_005_000L, stats.lastSuccessEpochMillis());
  }

  @Test
  void forwardsEverythingThatShapesTheExport() {
    when(delegate.getMemoryMode()).thenReturn(MemoryMode.REUSABLE_DATA);
    when(delegate.getAggregationTemporality(InstrumentType.COUNTER)).thenReturn(AggregationTemporality.DELTA);
    when(delegate.flush()).thenReturn(CompletableResultCode.ofSuccess());
    when(delegate.shutdown()).thenReturn(CompletableResultCode.ofSuccess());
    assertEquals(MemoryMode.REUSABLE_DATA, exporter.getMemoryMode());
    assertEquals(AggregationTemporality.DELTA, exporter.getAggregationTemporality(InstrumentType.COUNTER));
    exporter.flush();
    exporter.shutdown();
    verify(delegate).flush();
    verify(delegate).shutdown();
  }
}
