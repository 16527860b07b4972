package dev.microsandbox.otel.metrics;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import dev.microsandbox.otel.support.TimeSource;
import java.util.Collection;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Wraps the exporter the agent autoconfigured (OTLP, console, ...) and counts the outcome of every
 * export, without changing what is exported or how: temporality, aggregation and memory mode are
 * the delegate's. Logs once when exports recover after failures, as {@code msb-metrics} does.
 */
final class CountingMetricExporter implements MetricExporter {

  private static final Logger LOGGER = Logger.getLogger(CountingMetricExporter.class.getName());

  private final MetricExporter delegate;
  private final ExportStats stats;
  private final TimeSource clock;
  private volatile boolean failing;

  CountingMetricExporter(MetricExporter delegate, ExportStats stats, TimeSource clock) {
    this.delegate = delegate;
    this.stats = stats;
    this.clock = clock;
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    CompletableResultCode result;
    try {
      result = delegate.export(metrics);
    } catch (RuntimeException e) {
      stats.failed();
      throw e;
    }
    result.whenComplete(() -> {
      if (result.isSuccess()) {
        stats.succeeded(clock.wallMillis());
        if (failing) {
          failing = false;
          LOGGER.info("microsandbox metrics exporter recovered after failed exports");
        }
      } else {
        stats.failed();
        failing = true;
        LOGGER.log(Level.FINE, "microsandbox metrics export failed");
      }
    });
    return result;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return delegate.getAggregationTemporality(instrumentType);
  }

  @Override
  public Aggregation getDefaultAggregation(InstrumentType instrumentType) {
    return delegate.getDefaultAggregation(instrumentType);
  }

  @Override
  public MemoryMode getMemoryMode() {
    return delegate.getMemoryMode();
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }

  @Override
  public String toString() {
    return "CountingMetricExporter{" + delegate + '}';
  }
}
