package dev.microsandbox.otel.userevents;

import com.google.auto.service.AutoService;
import dev.microsandbox.otel.support.JavaRuntime;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.metrics.ConfigurableMetricExporterProvider;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.Collection;
import java.util.logging.Logger;

/**
 * {@code OTEL_METRICS_EXPORTER=user_events}, alone or in a list, through the agent's own exporter
 * SPI. Compiled for Java 8 like the other entry points: the name resolves on every JVM, so the
 * configuration is the same everywhere; below Java 11 the exporter does nothing and says so once.
 */
@AutoService(ConfigurableMetricExporterProvider.class)
public final class UserEventsExporterProvider implements ConfigurableMetricExporterProvider {

  @Override
  public MetricExporter createExporter(ConfigProperties config) {
    return JavaRuntime.supported() ? UserEventsMetricExporter.create(config) : onUnsupportedJvm();
  }

  /**
   * Below Java 11: an exporter that does nothing, after one WARN. Compiled for Java 8 here, so the
   * declarative configuration's {@link UserEventsComponentProvider} serves the same one.
   */
  static MetricExporter onUnsupportedJvm() {
    Logger.getLogger(UserEventsExporterProvider.class.getName())
        .warning(JavaRuntime.unsupportedMessage("the user_events exporter") + "; it does nothing");
    return new MetricExporter() {
      @Override
      public CompletableResultCode export(Collection<MetricData> metrics) {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public AggregationTemporality getAggregationTemporality(InstrumentType type) {
        return AggregationTemporality.DELTA;
      }
    };
  }

  @Override
  public String getName() {
    return UserEventsMetricExporter.NAME;
  }
}
