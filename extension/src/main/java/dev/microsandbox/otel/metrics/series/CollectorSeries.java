package dev.microsandbox.otel.metrics.series;

import io.opentelemetry.api.metrics.DoubleGaugeBuilder;
import io.opentelemetry.api.metrics.LongCounterBuilder;
import io.opentelemetry.api.metrics.Meter;

/**
 * The collector's own health series: what the last registry pass saw and how the exports went.
 * Defined once, as {@link SandboxSeries} is for the sandboxes' series, for the instruments and the
 * documentation test alike.
 */
public enum CollectorSeries {
  SANDBOXES(
      Kind.LONG_GAUGE,
      "microsandbox.collector.sandboxes",
      "{sandbox}",
      "Sandboxes exported by the last collection"),
  SLOTS_SKIPPED(
      Kind.LONG_GAUGE,
      "microsandbox.collector.slots.skipped",
      "{slot}",
      "Active slots the last collection left out, by reason"),
  REGISTRY_ERRORS(
      Kind.COUNTER,
      "microsandbox.collector.registry.errors",
      "{collection}",
      "Collections that found the registry unreadable, by error type"),
  STOPS(
      Kind.COUNTER,
      SeriesSelection.STOPS_METRIC,
      "{run}",
      "Sandbox runs seen to stop, by reason: exited, owner_dead (crashed or killed),"
          + " stalled (no fresh sample), replaced (a newer run took over)"),
  EXPORTS_SUCCESS(
      Kind.COUNTER,
      "microsandbox.collector.exports.success",
      "{export}",
      "Successful metric exports since start, by exporter"),
  EXPORTS_FAILURE(
      Kind.COUNTER,
      "microsandbox.collector.exports.failure",
      "{export}",
      "Failed metric exports since start, by exporter"),
  LAST_SUCCESS(
      Kind.DOUBLE_GAUGE,
      "microsandbox.collector.last_success_timestamp",
      "s",
      "Unix time of the exporter's last successful metric export"),
  COLLECTIONS_DROPPED(
      Kind.COUNTER,
      "microsandbox.collector.collections.dropped",
      "{collection}",
      "Buffered collections evicted before this exporter sent them");

  /** The instrument each is reported by. */
  public enum Kind {
    LONG_GAUGE,
    DOUBLE_GAUGE,
    COUNTER
  }

  /** The instrument it is reported by. */
  public final Kind kind;

  /** The metric's name, as exported. */
  public final String metricName;

  /** The metric's unit (UCUM). */
  public final String unit;

  /** The metric's description. */
  public final String description;

  CollectorSeries(Kind kind, String metricName, String unit, String description) {
    this.kind = kind;
    this.metricName = metricName;
    this.unit = unit;
    this.description = description;
  }

  /** A counter of this series on {@code meter}, with its unit and description. */
  public LongCounterBuilder counter(Meter meter) {
    return meter.counterBuilder(metricName).setUnit(unit).setDescription(description);
  }

  /** A double gauge of this series on {@code meter}, with its unit and description. */
  public DoubleGaugeBuilder gauge(Meter meter) {
    return meter.gaugeBuilder(metricName).setUnit(unit).setDescription(description);
  }
}
