package dev.microsandbox.otel.metrics.series;

import java.util.Locale;

/** Which instruments report the sandboxes ({@code OTEL_MICROSANDBOX_INSTRUMENTS}). */
public enum InstrumentSet {
  /** {@code msb-metrics}' {@code microsandbox.*} gauges: the drop-in, and the default. */
  MSB,
  /** OpenTelemetry's container semantic conventions, plus what they do not cover. */
  SEMCONV,
  /** Both, each family with its own identity attributes. */
  BOTH;

  /** The set {@code value} names, or null when it names none. */
  public static InstrumentSet parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Whether this set reports the series of {@code family}. */
  boolean includes(SandboxSeries.Family family) {
    switch (family) {
      case MSB:
        return this != SEMCONV;
      case SEMCONV:
        return this != MSB;
      case INFO:
        return false; // by the label placement, not the set (SeriesSelection)
      default:
        return true;
    }
  }
}
