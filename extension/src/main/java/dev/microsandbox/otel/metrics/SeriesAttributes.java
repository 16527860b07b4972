package dev.microsandbox.otel.metrics;

import io.opentelemetry.api.common.Attributes;

/**
 * One sandbox's point attributes for every series it is reported in: its identity in the family of
 * the series ({@code sandbox.*} or {@code container.*}), with the direction where the series has
 * one, with its labels unless they go on the info gauge only; and the info gauge's own. Built by
 * {@link SandboxAttributes} once per sandbox identity; immutable.
 */
final class SeriesAttributes {

  /** Indices into {@link #sets}. */
  static final int MSB = 0;

  static final int SEMCONV = 1;
  static final int INFO = 2;

  /** Then one per {@link SandboxSeries.Direction} other than NONE, from here on. */
  static final int FIRST_DIRECTION = 3;

  static final int COUNT = FIRST_DIRECTION + SandboxSeries.Direction.values().length - 1;

  private final Attributes[] sets;
  private final int[] setOfSeries;

  /**
   * @param sets the attribute sets by index (null where nothing uses one)
   * @param setOfSeries the index of each series' set, by {@link SandboxSeries} ordinal
   */
  SeriesAttributes(Attributes[] sets, int[] setOfSeries) {
    this.sets = sets;
    this.setOfSeries = setOfSeries;
  }

  /** The attributes of this sandbox's points of {@code series}. */
  Attributes of(SandboxSeries series) {
    return sets[setOfSeries[series.ordinal()]];
  }

  /** The attributes of this sandbox's info gauge point. */
  Attributes info() {
    return sets[INFO];
  }
}
