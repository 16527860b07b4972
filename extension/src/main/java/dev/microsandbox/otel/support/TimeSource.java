package dev.microsandbox.otel.support;

/**
 * The two clocks the extension needs, kept apart on purpose: wall-clock milliseconds to compare
 * with the runtime's own Unix timestamps (sample age), and a monotonic clock for "how long since I
 * last checked", which must not stall or rush when an operator or NTP steps the wall clock.
 */
public interface TimeSource {

  /** The system clocks. */
  TimeSource SYSTEM =
      new TimeSource() {
        @Override
        public long wallMillis() {
          return System.currentTimeMillis();
        }

        @Override
        public long monotonicNanos() {
          return System.nanoTime();
        }
      };

  /** Unix time in milliseconds. */
  long wallMillis();

  /** A monotonic reading in nanoseconds, meaningful only as a difference to another one. */
  long monotonicNanos();

  /** {@link #monotonicNanos()} in milliseconds. */
  default long monotonicMillis() {
    return monotonicNanos() / 1_000_000;
  }
}
