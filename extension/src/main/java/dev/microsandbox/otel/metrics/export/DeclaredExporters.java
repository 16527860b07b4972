package dev.microsandbox.otel.metrics.export;

import dev.microsandbox.otel.userevents.UserEventsMetricExporter;
import io.opentelemetry.exporter.logging.LoggingMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.export.MetricExporter;

/**
 * What the extension learns of the pipeline a declarative configuration file declares: whether it
 * has a pull reader, and copies of its push exporters. The SDK closes an exporter its customizer
 * replaces (it expects a rebuilt one, not a wrapper around the original), so the counting wrapper
 * must hold a copy with the same configuration: built again through the exporter's own public
 * builder, or, for {@code user_events}, the same registered tracepoint.
 */
public final class DeclaredExporters {

  private DeclaredExporters() {}

  /**
   * Whether the configuration {@code model} declares a pull reader (Prometheus), or its shape is
   * not known. Read by name: the model's classes moved to another package between agent versions,
   * while their property getters kept their names.
   */
  public static boolean hasPullReader(Object model) {
    try {
      Object meterProvider = getter(model, "getMeterProvider");
      Object readers = meterProvider == null ? null : getter(meterProvider, "getReaders");
      if (readers == null) {
        return false;
      }
      for (Object reader : (Iterable<?>) readers) {
        if (getter(reader, "getPull") != null) {
          return true;
        }
      }
      return false;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return true; // unknown: keep the instruments a pull reader needs
    }
  }

  private static Object getter(Object target, String name) throws ReflectiveOperationException {
    return target.getClass().getMethod(name).invoke(target);
  }

  /** A working copy of {@code exporter}, or null for a kind this does not know. */
  public static MetricExporter copyOf(MetricExporter exporter) {
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
