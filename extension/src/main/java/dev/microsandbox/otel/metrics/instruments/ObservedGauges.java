package dev.microsandbox.otel.metrics.instruments;

import dev.microsandbox.otel.metrics.series.SandboxSeries;
import dev.microsandbox.otel.metrics.series.SeriesAttributes;
import dev.microsandbox.otel.registry.SandboxSample;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.metrics.ObservableMeasurement;
import java.util.List;

/**
 * The sandbox gauges as observable instruments, for where they cannot be metric data (a declarative
 * file with a pull reader, or an exporter the extension cannot wrap): one measurement per gauge,
 * recorded from the latest pass in the batch callback.
 */
final class ObservedGauges {

  private final SandboxSeries[] gauges;
  private final ObservableDoubleMeasurement[] doubles =
      new ObservableDoubleMeasurement[SandboxSeries.all().length];
  private final ObservableLongMeasurement[] longs =
      new ObservableLongMeasurement[SandboxSeries.all().length];

  /**
   * Builds an observer for each of {@code gauges} on {@code meter}, added to {@code inCallback}.
   */
  ObservedGauges(Meter meter, SandboxSeries[] gauges, List<ObservableMeasurement> inCallback) {
    this.gauges = gauges;
    for (SandboxSeries gauge : gauges) {
      int k = gauge.ordinal();
      if (gauge.isDouble) {
        doubles[k] =
            meter
                .gaugeBuilder(gauge.metricName)
                .setUnit(gauge.unit)
                .setDescription(gauge.description)
                .buildObserver();
        inCallback.add(doubles[k]);
      } else {
        longs[k] =
            meter
                .gaugeBuilder(gauge.metricName)
                .ofLongs()
                .setUnit(gauge.unit)
                .setDescription(gauge.description)
                .buildObserver();
        inCallback.add(longs[k]);
      }
    }
  }

  /** Whether any gauge is observed here. */
  boolean any() {
    return gauges.length > 0;
  }

  /** Records one sandbox's sample in every observed gauge it has a value for. */
  void record(SandboxSample s, SeriesAttributes a) {
    for (SandboxSeries gauge : gauges) {
      if (!gauge.presentIn(s)) {
        continue;
      }
      if (gauge.isDouble) {
        doubles[gauge.ordinal()].record(gauge.doubleValue(s), a.of(gauge));
      } else {
        longs[gauge.ordinal()].record(gauge.longValue(s), a.of(gauge));
      }
    }
  }
}
