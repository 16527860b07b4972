package dev.microsandbox.otel.metrics.instruments;

import static io.opentelemetry.api.common.AttributeKey.stringKey;

import dev.microsandbox.otel.metrics.series.CollectorSeries;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The export outcomes of the wrapped exporters ({@link ExportStats}) as health series. */
final class ExportHealth {

  static final AttributeKey<String> EXPORTER = stringKey("exporter");

  private final ExportStats stats;
  private final Map<String, Attributes> exporterAttributes = new ConcurrentHashMap<>();

  private ExportHealth(ExportStats stats) {
    this.stats = stats;
  }

  /** Registers the export series on {@code meter}, their registrations added to {@code into}. */
  static void register(Meter meter, ExportStats stats, List<AutoCloseable> into) {
    ExportHealth health = new ExportHealth(stats);
    into.add(
        CollectorSeries.EXPORTS_SUCCESS
            .counter(meter)
            .buildWithCallback(
                m ->
                    stats.forEach(
                        (exporter, outcomes) ->
                            m.record(outcomes.success(), health.attributes(exporter)))));
    into.add(
        CollectorSeries.EXPORTS_FAILURE
            .counter(meter)
            .buildWithCallback(
                m ->
                    stats.forEach(
                        (exporter, outcomes) ->
                            m.record(outcomes.failure(), health.attributes(exporter)))));
    into.add(
        CollectorSeries.LAST_SUCCESS
            .gauge(meter)
            .buildWithCallback(
                m ->
                    stats.forEach(
                        (exporter, outcomes) -> {
                          long millis = outcomes.lastSuccessEpochMillis();
                          if (millis > 0) {
                            m.record(millis / 1000.0, health.attributes(exporter));
                          }
                        })));
    into.add(
        CollectorSeries.COLLECTIONS_DROPPED
            .counter(meter)
            .buildWithCallback(
                m ->
                    stats.forEach(
                        (exporter, outcomes) -> {
                          if (outcomes.buffers()) {
                            m.record(outcomes.dropped(), health.attributes(exporter));
                          }
                        })));
  }

  /** The attributes of one exporter's health series, made once per exporter. */
  private Attributes attributes(String exporter) {
    return exporterAttributes.computeIfAbsent(exporter, name -> Attributes.of(EXPORTER, name));
  }
}
