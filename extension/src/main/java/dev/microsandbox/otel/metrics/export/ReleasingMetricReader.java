package dev.microsandbox.otel.metrics.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;

/**
 * Wraps each metric reader the agent autoconfigured (periodic push, Prometheus pull) for two things
 * the SDK cannot do for us. In the reusable-data memory mode its collections reuse their sandbox
 * series points ({@link SandboxSeriesProducer#reusingPointsOf}). And once its shutdown (for a push
 * reader, the final collection and export) has completed, {@code onShutdown} runs, which releases
 * the registry mapping, the catalog thread and its connection after the last reader is done.
 * Everything else is the delegate's.
 */
public final class ReleasingMetricReader implements MetricReader {

  private final MetricReader delegate;
  private final Runnable onShutdown;

  /** Wraps {@code delegate}; {@code onShutdown} runs once its shutdown has completed. */
  public ReleasingMetricReader(MetricReader delegate, Runnable onShutdown) {
    this.delegate = delegate;
    this.onShutdown = onShutdown;
  }

  @Override
  public void register(CollectionRegistration registration) {
    delegate.register(
        SandboxSeriesProducer.reusingPointsOf(registration, delegate.getMemoryMode()));
  }

  @Override
  public CompletableResultCode forceFlush() {
    return delegate.forceFlush();
  }

  @Override
  public CompletableResultCode shutdown() {
    CompletableResultCode result = delegate.shutdown();
    result.whenComplete(onShutdown);
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
  public String toString() {
    return delegate.toString();
  }
}
