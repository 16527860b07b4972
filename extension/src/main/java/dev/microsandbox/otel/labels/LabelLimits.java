package dev.microsandbox.otel.labels;

/**
 * How much of a sandbox's labels becomes attributes: at most {@link #maxLabels()} labels (the first
 * by key), each value at most {@link #maxValueLength()} characters. Whoever sets a sandbox's labels
 * sets the size of every point it is on, so without a bound one 1 MiB label would make every export
 * megabytes and 3,000 labels a request no collector takes. They follow the SDK's {@code
 * OTEL_ATTRIBUTE_COUNT_LIMIT} and {@code OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT} where those are set.
 * Immutable.
 */
public final class LabelLimits {

  /** Labels per sandbox when {@code OTEL_ATTRIBUTE_COUNT_LIMIT} is not set. */
  public static final int DEFAULT_MAX_LABELS = 32;

  /** Characters per label value when {@code OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT} is not set. */
  public static final int DEFAULT_MAX_VALUE_LENGTH = 256;

  /** The defaults. */
  public static final LabelLimits DEFAULTS =
      new LabelLimits(DEFAULT_MAX_LABELS, DEFAULT_MAX_VALUE_LENGTH);

  private final int maxLabels;
  private final int maxValueLength;

  /**
   * @param maxLabels labels kept per sandbox, at least 0
   * @param maxValueLength characters kept of each value, at least 1
   */
  public LabelLimits(int maxLabels, int maxValueLength) {
    if (maxLabels < 0 || maxValueLength < 1) {
      throw new IllegalArgumentException(maxLabels + " labels of " + maxValueLength + " chars");
    }
    this.maxLabels = maxLabels;
    this.maxValueLength = maxValueLength;
  }

  /** Labels kept per sandbox. */
  public int maxLabels() {
    return maxLabels;
  }

  /** Characters kept of each label value. */
  public int maxValueLength() {
    return maxValueLength;
  }

  /** {@code value} cut to the limit, never inside a surrogate pair. */
  String cut(String value) {
    if (value.length() <= maxValueLength) {
      return value;
    }
    int end = maxValueLength;
    if (Character.isHighSurrogate(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(0, end);
  }
}
