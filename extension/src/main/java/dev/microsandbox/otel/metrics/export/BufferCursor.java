package dev.microsandbox.otel.metrics.export;

import dev.microsandbox.otel.metrics.data.MetricDataBuilder;
import dev.microsandbox.otel.metrics.instruments.ExportStats;
import dev.microsandbox.otel.metrics.sampling.SampleBuffer;
import dev.microsandbox.otel.metrics.series.MetricsScope;
import dev.microsandbox.otel.support.FailureLog;
import io.opentelemetry.sdk.resources.Resource;
import java.util.logging.Logger;

/**
 * One exporter's place in the shared outage buffer: the first pass it has not sent, the end of the
 * request in flight, and its reader number. The position moves only when a request succeeds, so a
 * failed request's samples go out with the next export; what the buffer evicted before this
 * exporter sent it is counted as dropped collections, once.
 */
final class BufferCursor {

  private static final Logger LOGGER = Logger.getLogger(BufferCursor.class.getName());

  private final ExportStats.Exporter outcomes;
  private final boolean
      reusesPoints; // a reusable-data delegate: one set of points, request after request
  private SampleBuffer buffer; // null: not attached
  private int reader; // this exporter's number in the buffer
  private long position; // the first buffered pass this exporter has not sent yet
  private long pendingEnd = -1; // the end of the request in flight; -1: none
  private MetricDataBuilder reusedPoints; // null until the first request
  private final FailureLog drainFailures =
      new FailureLog(
          LOGGER,
          "microsandbox metrics: reading the sample buffer failed; this export carries the"
              + " latest samples only");

  BufferCursor(ExportStats.Exporter outcomes, boolean reusesPoints) {
    this.outcomes = outcomes;
    this.reusesPoints = reusesPoints;
  }

  /** From now on, exports start at {@code buffer}'s current head. */
  synchronized void attach(SampleBuffer buffer) {
    if (buffer == this.buffer) {
      return; // attached already: a second registration would hold its passes back for good
    }
    this.buffer = buffer;
    reader = buffer.register();
    reusedPoints = null;
    position = buffer.head();
    pendingEnd = -1;
    outcomes.dropped(0);
  }

  /** The buffer exports draw on, or null. */
  synchronized SampleBuffer attached() {
    return buffer;
  }

  /** Whether an export up to {@code until} has nothing left to send after its first request. */
  synchronized boolean exhausted(long until) {
    return (pendingEnd >= 0 ? pendingEnd : position) >= until;
  }

  /**
   * The next request's samples from {@code source}, up to {@code until}, now in flight; null if the
   * buffer cannot be read (logged once).
   */
  synchronized SampleBuffer.Drained next(SampleBuffer source, long until, Resource resource) {
    long from = pendingEnd >= 0 ? pendingEnd : position; // an export still in flight
    SampleBuffer.Drained drained;
    try {
      drained = source.drain(from, until, pointsFor(source), resource, MetricsScope.INFO);
    } catch (Throwable e) {
      drainFailures.failed(e);
      return null;
    }
    if (drained.dropped > 0) { // evicted, gone for good: counted once, never retried
      outcomes.dropped(drained.dropped);
      position = Math.max(position, drained.start);
    }
    pendingEnd = drained.end;
    return drained;
  }

  /** Records a finished request of {@code source} that ended at {@code end}. */
  synchronized void done(SampleBuffer source, boolean success, long end) {
    if (success && end >= 0) {
      position = Math.max(position, end);
      if (source == buffer) { // not attached anew meanwhile
        source.sent(reader, position);
      }
    }
    pendingEnd = -1;
  }

  /** No request is in flight any more (one failed to start). */
  synchronized void forgetPending() {
    pendingEnd = -1;
  }

  /** Sends no more: holds none of the buffer's passes back. */
  synchronized void detach() {
    if (buffer != null) {
      buffer.unregister(reader);
    }
  }

  private MetricDataBuilder pointsFor(SampleBuffer source) {
    if (!reusesPoints) {
      return source.newPoints();
    }
    if (reusedPoints == null) {
      reusedPoints = source.newPoints();
    }
    return reusedPoints;
  }
}
