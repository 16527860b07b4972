package dev.microsandbox.otel.metrics;

import dev.microsandbox.otel.otlp.EncodedOtlpExport;
import dev.microsandbox.otel.support.DaemonThreads;
import dev.microsandbox.otel.support.FailureLog;
import dev.microsandbox.otel.support.IdleExporter;
import dev.microsandbox.otel.support.TimeSource;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Wraps each push exporter the agent autoconfigured (OTLP, console, ...) and counts the outcome of
 * every export under the exporter's name, except those an {@link IdleExporter} says deliver
 * nothing; temporality, aggregation and memory mode stay the delegate's. Logs once when exports
 * recover after failures, as {@code msb-metrics} does.
 *
 * <p>With an outage buffer ({@link #attach}), it also swaps the sandbox gauges of the collection
 * (the latest sample, one point per sandbox) for every sample buffered since this exporter's last
 * successful export, each stamped with its own sample time, in requests of bounded size. Its
 * position in the shared buffer moves only when a request succeeds, so a failed request's samples
 * go out with the next export; what the buffer evicted before this exporter sent it is counted as
 * dropped collections. The requests after an export's first start from a thread of its own (see
 * {@link #newFollowOnThread}).
 *
 * <p>Where no {@link SandboxSeriesProducer} could be registered (a declarative configuration file),
 * it adds the sandbox series of the collection's registry pass itself ({@code series}): all of them
 * where no instrument observes the gauges, else the counters. For a delegate that prefers delta
 * temporality it turns the counters into deltas ({@link DeltaSums}).
 */
final class SandboxPushExporter implements MetricExporter {

  private static final Logger LOGGER = Logger.getLogger(SandboxPushExporter.class.getName());

  /** The name of the thread that starts an export's follow-on requests. */
  static final String FOLLOW_ON_THREAD = "microsandbox-export";

  /** How long a follow-on request waits for the sender's thread to be idle, at most. */
  private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private static final long IDLE_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  private final MetricExporter delegate;
  private final EncodedOtlpExport encoded; // null: the delegate encodes every request
  private final TimeSource clock;
  private final Function<Resource, Collection<MetricData>> series; // null: a producer adds them
  private final String name;
  private final ExportStats.Exporter outcomes;
  private final DeltaSums deltas; // null: the delegate takes the counters cumulative
  private final ExecutorService followOns = newFollowOnThread();
  private SampleBuffer buffer; // null: export what the SDK collected, unchanged
  private int bufferReader; // this exporter's number in the buffer
  // A reusable-data delegate's points, request after request; null until the first.
  private MetricDataBuilder reusedPoints;
  private final String target;
  // The failure episode under way: its first failure (monotonic ms) and its failed exports so far.
  private boolean failing;
  private long failingSinceMs;
  private long failedExports;
  private long position; // the first buffered pass this exporter has not sent yet
  private long pendingEnd = -1;
  private final FailureLog drainFailures =
      new FailureLog(
          LOGGER,
          "microsandbox metrics: reading the sample buffer failed; this export carries the"
              + " latest samples only");
  private final FailureLog deltaFailures =
      new FailureLog(
          LOGGER,
          "microsandbox metrics: turning the sandbox counters into deltas failed; this export"
              + " carries them cumulative");

  SandboxPushExporter(MetricExporter delegate, ExportStats stats, TimeSource clock) {
    this(delegate, stats, clock, null, delegate.getClass().getSimpleName());
  }

  /**
   * @param series the sandbox series of the latest registry pass for a resource, when no producer
   *     adds them to the collection; null otherwise
   * @param target where the delegate sends, secrets left out, for the lines of a failure episode
   */
  SandboxPushExporter(
      MetricExporter delegate,
      ExportStats stats,
      TimeSource clock,
      Function<Resource, Collection<MetricData>> series,
      String target) {
    this.delegate = delegate;
    this.encoded = EncodedOtlpExport.of(delegate);
    this.clock = clock;
    this.series = series;
    this.target = target;
    this.name = delegate.getClass().getSimpleName();
    this.outcomes = stats.of(name);
    this.deltas = DeltaSums.wanted(delegate) ? new DeltaSums() : null;
  }

  /**
   * Where the requests after an export's first start: one daemon thread of ours, started on demand
   * and ended after a minute idle. Started from the completion of the request before, on the
   * sender's thread, the next would find that thread still busy, and a pooled sender (the JDK HTTP
   * sender's) would start another and keep a request-sized buffer on each.
   */
  private static ExecutorService newFollowOnThread() {
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            1,
            1,
            1,
            TimeUnit.MINUTES,
            new LinkedBlockingQueue<>(),
            DaemonThreads.named(FOLLOW_ON_THREAD));
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  /** From now on, exports carry what {@code buffer} holds from its current head on. */
  synchronized void attach(SampleBuffer buffer) {
    if (buffer == this.buffer) {
      return; // attached already: a second registration would hold its passes back for good
    }
    this.buffer = buffer;
    bufferReader = buffer.register();
    reusedPoints = null;
    position = buffer.head();
    pendingEnd = -1;
    outcomes.dropped(0);
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    // An export that will deliver nothing (nobody listens) is neither a success nor a failure.
    boolean counted = !(delegate instanceof IdleExporter && ((IdleExporter) delegate).idle());
    CompletableResultCode result;
    try {
      SampleBuffer attached;
      synchronized (this) {
        attached = buffer;
      }
      if (attached == null) {
        Collection<MetricData> batch = series != null ? withSeries(metrics) : metrics;
        result = send(deltas == null ? batch : asDeltas(batch, false));
      } else {
        result = new BufferedExport(attached, metrics).start();
      }
    } catch (RuntimeException e) {
      if (counted) {
        outcomes.failed();
      }
      forgetPending();
      throw e;
    }
    result.whenComplete(
        () -> {
          if (!counted) {
            return;
          }
          if (result.isSuccess()) {
            outcomes.succeeded(clock.wallMillis());
          } else {
            outcomes.failed();
          }
          episode(result);
        });
    return result;
  }

  /**
   * Says a failure episode once at its start (where the exports go, and why the first failed) and
   * once at its end, as {@code msb-metrics} says "metrics exporter recovered": the SDK's exporter
   * logs every failed export, and a collector that is down for an hour is one story, not 360.
   */
  private synchronized void episode(CompletableResultCode result) {
    long now = clock.monotonicMillis();
    if (result.isSuccess()) {
      if (failing) {
        failing = false;
        LOGGER.info(
            "microsandbox metrics exporter recovered: exports to "
                + target
                + " succeed again after "
                + failedExports
                + " failed over "
                + (now - failingSinceMs) / 1000
                + " s");
      }
      return;
    }
    if (!failing) {
      failing = true;
      failingSinceMs = now;
      failedExports = 0;
      LOGGER.warning(
          "microsandbox metrics: exports to "
              + target
              + " fail: "
              + ExportFailures.cause(result)
              + (buffer != null
                  ? "; the samples wait in the outage buffer for the first export that succeeds"
                  : "; retried at each export")
              + ". Said once until they succeed again");
    }
    failedExports++;
    LOGGER.log(Level.FINE, "microsandbox metrics export failed");
  }

  /**
   * One export with an outage buffer: the collection without its one-point sandbox gauges, and
   * every sample buffered since this exporter's last success, sent as requests of at most {@link
   * SampleBuffer#MAX_SAMPLES_PER_REQUEST} samples one after the other (each once the one before
   * succeeded), up to the passes buffered when the export began. The collection's other metrics go
   * with the first request. A failed request ends the export as failed; its samples and the rest go
   * with the next export.
   */
  private final class BufferedExport {
    private final SampleBuffer source;
    private final Collection<MetricData> collection;
    private final Resource resource;
    private final long until;
    private final CompletableResultCode result = new CompletableResultCode();
    private boolean first = true;
    private long requestEnd; // the position after the request being prepared; -1: no buffer

    BufferedExport(SampleBuffer source, Collection<MetricData> collection) {
      this.source = source;
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
          sent = send(batch);
        } catch (RuntimeException e) {
          forgetPending();
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
                  continueOnFollowOnThread(Thread.currentThread());
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
      synchronized (SandboxPushExporter.this) {
        long from = pendingEnd >= 0 ? pendingEnd : position; // an export still in flight
        if (!first && from >= until) {
          return null;
        }
        SampleBuffer.Drained drained = drain(from);
        boolean wasFirst = first;
        first = false;
        if (drained == null) {
          requestEnd = -1;
          return wasFirst ? collection : null;
        }
        if (drained.dropped > 0) { // evicted, gone for good: counted once, never retried
          outcomes.dropped(drained.dropped);
          position = Math.max(position, drained.start);
        }
        pendingEnd = drained.end;
        requestEnd = drained.end;
        Collection<MetricData> batch = wasFirst ? swapped(collection, drained) : drained.metrics;
        return deltas == null ? batch : asDeltas(batch, !wasFirst);
      }
    }

    /**
     * Sends the next requests on the follow-on thread, once {@code completer} (the thread that
     * completed the request before) is idle again; the export fails if that cannot be.
     */
    private void continueOnFollowOnThread(Thread completer) {
      try {
        followOns.execute(
            () -> {
              try {
                awaitIdle(completer);
                sendWhileSynchronous();
              } catch (Throwable e) { // an export left pending would hold the reader's next back
                abandon();
              }
            });
      } catch (RejectedExecutionException e) { // shut down meanwhile
        abandon();
      }
    }

    /** Ends the export as failed; its unsent samples go with the next. */
    private void abandon() {
      forgetPending();
      result.fail();
    }

    /**
     * Waits, briefly, until {@code thread} is parked: a pooled sender's thread that finished the
     * request before waits for the next, which then reuses it and the buffers it keeps. (A request
     * that completed before its callback was registered ran the callback on this thread: there is
     * nothing to wait for.)
     */
    private void awaitIdle(Thread thread) {
      if (thread == Thread.currentThread()) {
        return;
      }
      long deadline = System.nanoTime() + IDLE_WAIT_NANOS;
      while (thread.getState() == Thread.State.RUNNABLE && System.nanoTime() < deadline) {
        LockSupport.parkNanos(IDLE_POLL_NANOS);
      }
    }

    /** Records a finished request; whether the export goes on with the next. */
    private boolean requestDone(CompletableResultCode sent, long end) {
      synchronized (SandboxPushExporter.this) {
        if (sent.isSuccess() && end >= 0) {
          position = Math.max(position, end);
          if (source == buffer) { // not attached anew meanwhile
            source.sent(bufferReader, position);
          }
        }
        pendingEnd = -1;
      }
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

    /** The buffered samples from {@code from}; null if the buffer cannot be read (logged once). */
    private SampleBuffer.Drained drain(long from) {
      try {
        return source.drain(from, until, pointsFor(source), resource, SandboxMetrics.SCOPE_INFO);
      } catch (Throwable e) {
        drainFailures.failed(e);
        return null;
      }
    }
  }

  /**
   * Sends one request: encoded by us through the delegate's own transport where the delegate is an
   * OTLP protobuf exporter and the request is all number series ({@link EncodedOtlpExport}), else
   * by the delegate.
   */
  private CompletableResultCode send(Collection<MetricData> batch) {
    CompletableResultCode sent = encoded == null ? null : encoded.export(batch);
    return sent != null ? sent : delegate.export(batch);
  }

  /**
   * Where a request's points go: for a delegate in the reusable-data memory mode, which is done
   * with a request once it completes, the same points every request; otherwise new ones.
   */
  private MetricDataBuilder pointsFor(SampleBuffer source) {
    if (delegate.getMemoryMode() != MemoryMode.REUSABLE_DATA) {
      return source.newPoints();
    }
    if (reusedPoints == null) {
      reusedPoints = source.newPoints();
    }
    return reusedPoints;
  }

  /** {@code batch} with the sandbox counters as deltas; unchanged (logged once) if that fails. */
  private Collection<MetricData> asDeltas(Collection<MetricData> batch, boolean continuing) {
    try {
      return deltas.apply(batch, delegate, continuing);
    } catch (Throwable e) {
      deltaFailures.failed(e);
      return batch;
    }
  }

  /** The collection and the sandbox series of its registry pass. */
  private Collection<MetricData> withSeries(Collection<MetricData> metrics) {
    Collection<MetricData> added = series.apply(resourceOf(metrics));
    if (added.isEmpty()) {
      return metrics;
    }
    List<MetricData> batch = new ArrayList<>(metrics.size() + added.size());
    batch.addAll(metrics);
    batch.addAll(added);
    return batch;
  }

  private static Resource resourceOf(Collection<MetricData> metrics) {
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
    return metric.getInstrumentationScopeInfo().getName().equals(SandboxMetrics.SCOPE)
        && SandboxSeries.isSeriesName(metric.getName());
  }

  private synchronized void forgetPending() {
    pendingEnd = -1;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return delegate.getAggregationTemporality(instrumentType);
  }

  @Override
  public Aggregation getDefaultAggregation(InstrumentType instrumentType) {
    return delegate.getDefaultAggregation(instrumentType);
  }

  @Override
  public MemoryMode getMemoryMode() {
    return delegate.getMemoryMode();
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    synchronized (this) {
      if (buffer != null) {
        buffer.unregister(bufferReader); // sends no more: holds nothing back
      }
    }
    followOns.shutdown();
    return delegate.shutdown();
  }

  @Override
  public String toString() {
    return "SandboxPushExporter{" + delegate + '}';
  }
}
