package dev.microsandbox.otel.metrics.export;

import dev.microsandbox.otel.metrics.sampling.SampleBuffer;
import dev.microsandbox.otel.metrics.series.MetricsScope;
import dev.microsandbox.otel.metrics.series.SandboxSeries;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.BiFunction;

/**
 * One export with an outage buffer: the collection without its one-point sandbox gauges, and every
 * sample buffered since this exporter's last success, sent as requests of at most {@link
 * SampleBuffer#MAX_SAMPLES_PER_REQUEST} samples one after the other (each once the one before
 * succeeded), up to the passes buffered when the export began. The collection's other metrics go
 * with the first request. A failed request ends the export as failed; its samples and the rest go
 * with the next export. The requests after the first start from the {@link FollowOnThread}.
 */
final class BufferedExport {

  private final BufferCursor cursor;
  private final SampleBuffer source;
  private final RequestSender sender;
  private final FollowOnThread followOns;
  private final BiFunction<Collection<MetricData>, Boolean, Collection<MetricData>> deltas;
  private final Collection<MetricData> collection;
  private final Resource resource;
  private final long until;
  private final CompletableResultCode result = new CompletableResultCode();
  private boolean first = true;
  private long requestEnd; // the position after the request being prepared; -1: no buffer

  /**
   * @param deltas the batch as the delegate takes it (counters as deltas where it prefers them),
   *     given whether the batch continues an export
   */
  BufferedExport(
      BufferCursor cursor,
      SampleBuffer source,
      RequestSender sender,
      FollowOnThread followOns,
      BiFunction<Collection<MetricData>, Boolean, Collection<MetricData>> deltas,
      Collection<MetricData> collection) {
    this.cursor = cursor;
    this.source = source;
    this.sender = sender;
    this.followOns = followOns;
    this.deltas = deltas;
    this.collection = collection;
    this.resource = resourceOf(collection);
    this.until = source.head();
  }

  CompletableResultCode start() {
    sendWhileSynchronous();
    return result;
  }

  /**
   * Sends requests until one is still in flight (its completion resumes here, on the follow-on
   * thread) or the export is over; a loop rather than recursion, since a synchronous delegate
   * completes each at once.
   */
  private void sendWhileSynchronous() {
    while (true) {
      boolean wasFirst = first;
      long end;
      CompletableResultCode sent;
      try {
        Collection<MetricData> batch = nextBatch();
        if (batch == null) {
          result.succeed();
          return;
        }
        end = requestEnd;
        sent = sender.send(batch);
      } catch (RuntimeException e) {
        cursor.forgetPending();
        if (wasFirst) {
          throw e;
        }
        result.fail();
        return;
      }
      if (!sent.isDone()) {
        sent.whenComplete(
            () -> {
              if (requestDone(sent, end)) {
                followOns.continueAfter(
                    Thread.currentThread(), this::sendWhileSynchronous, this::abandon);
              }
            });
        return;
      }
      if (!requestDone(sent, end)) {
        return;
      }
    }
  }

  /**
   * The next request's metrics (its end position in {@link #requestEnd}); null when the export is
   * over. The first request carries the collection (and, if the buffer cannot be read, the
   * collection unchanged: the latest samples only).
   */
  private Collection<MetricData> nextBatch() {
    boolean wasFirst = first;
    if (!wasFirst && cursor.exhausted(until)) {
      return null;
    }
    first = false;
    SampleBuffer.Drained drained = cursor.next(source, until, resource);
    if (drained == null) {
      requestEnd = -1;
      return wasFirst ? collection : null;
    }
    requestEnd = drained.end;
    return deltas.apply(wasFirst ? swapped(collection, drained) : drained.metrics, !wasFirst);
  }

  /** Ends the export as failed; its unsent samples go with the next. */
  private void abandon() {
    cursor.forgetPending();
    result.fail();
  }

  /** Records a finished request; whether the export goes on with the next. */
  private boolean requestDone(CompletableResultCode sent, long end) {
    cursor.done(source, sent.isSuccess(), end);
    if (!sent.isSuccess()) {
      ExportFailures.failAs(result, sent);
      return false;
    }
    if (end < 0) {
      result.succeed();
      return false;
    }
    return true;
  }

  static Resource resourceOf(Collection<MetricData> metrics) {
    return metrics.isEmpty() ? Resource.getDefault() : metrics.iterator().next().getResource();
  }

  /** The collection without its one-point sandbox series, plus every buffered sample as points. */
  private static Collection<MetricData> swapped(
      Collection<MetricData> metrics, SampleBuffer.Drained drained) {
    List<MetricData> batch = new ArrayList<>(metrics.size() + drained.metrics.size());
    for (MetricData metric : metrics) {
      if (!isSandboxSeries(metric)) {
        batch.add(metric);
      }
    }
    batch.addAll(drained.metrics);
    return batch;
  }

  private static boolean isSandboxSeries(MetricData metric) {
    return metric.getInstrumentationScopeInfo().getName().equals(MetricsScope.NAME)
        && SandboxSeries.isSeriesName(metric.getName());
  }
}
