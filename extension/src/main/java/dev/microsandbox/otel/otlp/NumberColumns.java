package dev.microsandbox.otel.otlp;

import io.opentelemetry.api.common.Attributes;

/**
 * A metric's number points held as columns, one array per field, rather than one object each. A
 * metric whose point collection implements this is read by {@link MetricsRequestEncoder} from the
 * arrays: no iterator and no interface call per point and field, which the sidecar's C1-compiled
 * code would not inline. The arrays may be longer than {@link #size}; only the first {@code size}
 * entries are points. Points carry no exemplars.
 */
public interface NumberColumns {

  /** How many points there are. */
  int size();

  /** Whether the values are doubles (their raw IEEE 754 bits) rather than longs. */
  boolean doubles();

  /** Each point's start time, in nanoseconds since the epoch (0: none). */
  long[] startEpochNanos();

  /** Each point's time, in nanoseconds since the epoch (0: none). */
  long[] epochNanos();

  /** Each point's value: a long, or a double's raw bits ({@link #doubles}). */
  long[] values();

  /** Each point's attributes. */
  Attributes[] attributes();
}
