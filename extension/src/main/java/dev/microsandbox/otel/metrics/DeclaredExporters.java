package dev.microsandbox.otel.metrics;

import dev.microsandbox.otel.userevents.UserEventsMetricExporter;
import io.opentelemetry.exporter.logging.LoggingMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.export.MetricExporter;

/**
 * Copies of the push exporters a declarative configuration file can declare. The SDK closes an
 * exporter its customizer replaces (it expects a rebuilt one, not a wrapper around the original),
 * so the counting wrapper must hold a copy with the same configuration: built again through the
 * exporter's own public builder, or, for {@code user_events}, the same registered tracepoint.
 */
final class DeclaredExporters {

  private DeclaredExporters() {}

  /** A working copy of {@code exporter}, or null for a kind this does not know. */
  static MetricExporter copyOf(MetricExporter exporter) {
    if (exporter instanceof OtlpHttpMetricExporter) {
      return ((OtlpHttpMetricExporter) exporter).toBuilder().build();
    }
    if (exporter instanceof OtlpGrpcMetricExporter) {
      return ((OtlpGrpcMetricExporter) exporter).toBuilder().build();
    }
    if (exporter instanceof LoggingMetricExporter) {
      return LoggingMetricExporter.create(
          exporter.getAggregationTemporality(InstrumentType.COUNTER));
    }
    if (exporter instanceof UserEventsMetricExporter) {
      return ((UserEventsMetricExporter) exporter).takeOver();
    }
    return null;
  }
}
