package dev.microsandbox.otel.userevents;

import io.opentelemetry.api.metrics.Meter;
import java.util.ArrayList;
import java.util.List;
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

  /** Events written. */
  static long events() {
    return EVENTS.get();
  }

  /** Points dropped for exceeding the largest event. */
  static long droppedPoints() {
    return DROPPED.get();
  }

  /** Writes the kernel refused. */
  static long writeErrors() {
    return ERRORS.get();
  }

  /** The exporter's health series: events written, points dropped, writes refused. */
  public static final String EVENTS_METRIC = "microsandbox.collector.user_events.events";

  public static final String POINTS_DROPPED_METRIC =
      "microsandbox.collector.user_events.points.dropped";
  public static final String WRITE_ERRORS_METRIC =
      "microsandbox.collector.user_events.write_errors";

  /** Every health series name, for the documentation test. */
  public static final List<String> METRICS =
      List.of(EVENTS_METRIC, POINTS_DROPPED_METRIC, WRITE_ERRORS_METRIC);

  /**
   * The collector's {@code user_events} series on {@code meter}, when an exporter is configured in
   * this JVM (none otherwise); closing them unregisters them.
   */
  public static List<AutoCloseable> registerInstruments(Meter meter) {
    List<AutoCloseable> instruments = new ArrayList<>();
    if (!inUse) {
      return instruments;
    }
    instruments.add(
        meter
            .counterBuilder(EVENTS_METRIC)
            .setUnit("{event}")
            .setDescription("user_events events written since start")
            .buildWithCallback(m -> m.record(events())));
    instruments.add(
        meter
            .counterBuilder(POINTS_DROPPED_METRIC)
            .setUnit("{point}")
            .setDescription("Points too large for one user_events event (over 65,360 bytes)")
            .buildWithCallback(m -> m.record(droppedPoints())));
    instruments.add(
        meter
            .counterBuilder(WRITE_ERRORS_METRIC)
            .setUnit("{event}")
            .setDescription("user_events writes the kernel refused")
            .buildWithCallback(m -> m.record(writeErrors())));
    return instruments;
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
