package dev.microsandbox.otel.metrics.instruments;

import dev.microsandbox.otel.bench.BenchRegistry;
import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.metrics.export.SandboxSeriesProducer;
import dev.microsandbox.otel.metrics.settings.MicrosandboxSettings;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.support.TimeSource;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * A real collection of the sandbox gauges for benchmarks outside this package (the {@code
 * user_events} encoding), so that the metrics classes stay package-private.
 */
public final class BenchCollection {

  private BenchCollection() {}

  /**
   * One collection of the 11 gauges of msb-metrics over the {@code sandboxes} active sandboxes of
   * {@code registry}, through the real SDK, without the collector's own metrics.
   */
  public static List<MetricData> msbGauges(BenchRegistry registry, int sandboxes) throws Exception {
    MicrosandboxSettings settings =
        MicrosandboxSettings.from(
            DefaultConfigProperties.createFromMap(
                Map.of(
                    MicrosandboxSettings.METRICS_EXCLUDE,
                    "microsandbox.cpu.time,microsandbox.memory.available,"
                        + "microsandbox.memory.host_resident")),
            Map.of());
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    AtomicReference<SandboxMetrics> produced = new AtomicReference<>();
    try (SdkMeterProvider provider =
            SdkMeterProvider.builder()
                .registerMetricReader(reader)
                .registerMetricProducer(new SandboxSeriesProducer(produced::get))
                .build();
        SandboxMetrics sandboxMetrics =
            new SandboxMetrics(
                provider,
                new RegistryReader(
                    registry.file, RegistryReader.Options.DEFAULTS, TimeSource.SYSTEM),
                LabelSource.NONE,
                settings.attributes(),
                new ExportStats(),
                true)) {
      produced.set(sandboxMetrics);
      return reader.collectAllMetrics().stream()
          .filter(m -> m.getData().getPoints().size() == sandboxes)
          .collect(Collectors.toList());
    }
  }
}
