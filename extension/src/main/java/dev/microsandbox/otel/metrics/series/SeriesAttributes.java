package dev.microsandbox.otel.metrics.series;

import io.opentelemetry.api.common.Attributes;

/**
 * One sandbox's point attributes for every series it is reported in: its identity in the family of
 * the series ({@code sandbox.*} or {@code container.*}), with the direction where the series has
 * one, with its labels unless they go on the info gauge only; and the info gauge's own. Built by
 * {@link SandboxAttributes} once per sandbox identity; immutable.
 */
public final class SeriesAttributes {

  /** Indices into {@link #sets}. */
  static final int MSB = 0;

  static final int SEMCONV = 1;
  static final int INFO = 2;

  /** Then one per {@link SandboxSeries.Direction} other than NONE, from here on. */
  static final int FIRST_DIRECTION = 3;

  static final int COUNT = FIRST_DIRECTION + SandboxSeries.Direction.values().length - 1;

  private final Attributes[] sets;
  private final int[] setOfSeries;
  private final int largestSetBytes;

  /**
   * @param sets the attribute sets by index (null where nothing uses one)
   * @param setOfSeries the index of each series' set, by {@link SandboxSeries} ordinal
   */
  SeriesAttributes(Attributes[] sets, int[] setOfSeries) {
    this.sets = sets;
    this.setOfSeries = setOfSeries;
    int largest = 0;
    for (Attributes set : sets) {
      largest = Math.max(largest, set == null ? 0 : encodedBytes(set));
    }
    this.largestSetBytes = largest;
  }

  /**
   * About what the largest of these sets takes in an OTLP point: each key and value with a few
   * bytes of framing. For bounding requests by size ({@code SampleBuffer.MAX_REQUEST_BYTES}).
   */
  public int largestSetBytes() {
    return largestSetBytes;
  }

  private static int encodedBytes(Attributes set) {
    int[] bytes = {0};
    set.forEach(
        (key, value) ->
            bytes[0] += 12 + utf8Length(key.getKey()) + utf8Length(String.valueOf(value)));
    return bytes[0];
  }

  private static int utf8Length(String text) {
    int bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
    }
    return bytes;
  }

  /** The attributes of this sandbox's points of {@code series}. */
  public Attributes of(SandboxSeries series) {
    return sets[setOfSeries[series.ordinal()]];
  }
}
