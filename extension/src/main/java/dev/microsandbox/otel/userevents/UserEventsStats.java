package dev.microsandbox.otel.userevents;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the {@code user_events} exporters of this JVM did, for the collector's own metrics: events
 * written, points dropped because they were too large for one event, writes that failed.
 */
public final class UserEventsStats {

  private static final AtomicLong EVENTS = new AtomicLong();
  private static final AtomicLong DROPPED = new AtomicLong();
  private static final AtomicLong ERRORS = new AtomicLong();
  private static volatile boolean inUse;

  private UserEventsStats() {}

  /** Whether a {@code user_events} exporter was configured in this JVM. */
  public static boolean inUse() {
    return inUse;
  }

  /** Events written. */
  public static long events() {
    return EVENTS.get();
  }

  /** Points dropped for exceeding the largest event. */
  public static long droppedPoints() {
    return DROPPED.get();
  }

  /** Writes the kernel refused. */
  public static long writeErrors() {
    return ERRORS.get();
  }

  static void configured() {
    inUse = true;
  }

  static void add(EventBatcher.Outcome outcome) {
    EVENTS.addAndGet(outcome.events - outcome.failedWrites);
    DROPPED.addAndGet(outcome.droppedPoints);
    ERRORS.addAndGet(outcome.failedWrites);
  }
}
