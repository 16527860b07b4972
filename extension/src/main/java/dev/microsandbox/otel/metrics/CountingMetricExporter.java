package dev.microsandbox.otel.metrics;

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
 * successful export, each stamped with its own sample time. Its position in the shared buffer moves
 * only when an export succeeds, so a failed export's samples go out with the next one; what the
 * buffer evicted before this exporter sent it is counted as dropped collections.
 *
 * <p>Where no {@link SandboxSumProducer} could be registered (a declarative configuration file), it
 * adds the sandbox counters of the collection's registry pass itself ({@code sums}). For a delegate
 * that prefers delta temporality it turns them into deltas ({@link DeltaSums}).
 */
final class CountingMetricExporter implements MetricExporter {

  private static final Logger LOGGER = Logger.getLogger(CountingMetricExporter.class.getName());

  private final MetricExporter delegate;
  private final TimeSource clock;
  private final Function<Resource, Collection<MetricData>> sums; // null: a producer adds them
  private final String name;
  private final ExportStats.Exporter outcomes;
  private final DeltaSums deltas; // null: the delegate takes the counters cumulative
  private SampleBuffer buffer; // null: export what the SDK collected, unchanged
  private volatile boolean failing;
  private long position; // the first buffered pass this exporter has not sent yet
  private long pendingEnd = -1;
  private boolean drainFailureLogged;
  private boolean deltaFailureLogged;

  CountingMetricExporter(MetricExporter delegate, ExportStats stats, TimeSource clock) {
    this(delegate, stats, clock, null);
  }

  /**
   * @param sums the counters of the latest registry pass for a resource, when no producer adds them
   *     to the collection; null otherwise
   */
  CountingMetricExporter(
      MetricExporter delegate,
      ExportStats stats,
      TimeSource clock,
      Function<Resource, Collection<MetricData>> sums) {
    this.delegate = delegate;
    this.clock = clock;
    this.sums = sums;
    this.name = delegate.getClass().getSimpleName();
    this.outcomes = stats.of(name);
    this.deltas = DeltaSums.wanted(delegate) ? new DeltaSums() : null;
  }

  /** From now on, exports carry what {@code buffer} holds from its current head on. */
  synchronized void attach(SampleBuffer buffer) {
    this.buffer = buffer;
    position = buffer.head();
    pendingEnd = -1;
    outcomes.dropped(0);
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    // An export that will deliver nothing (nobody listens) is neither a success nor a failure.
    boolean counted = !(delegate instanceof IdleExporter && ((IdleExporter) delegate).idle());
    CompletableResultCode result;
    long end;
    Collection<MetricData> batch;
    try {
      synchronized (this) {
        long from = pendingEnd >= 0 ? pendingEnd : position; // an export still in flight
        SampleBuffer.Drained drained = buffer == null ? null : withBuffered(metrics, from);
        batch =
            drained != null
                ? swapped(metrics, drained)
                : buffer == null && sums != null ? withSums(metrics) : metrics;
        if (deltas != null) {
          batch = asDeltas(batch);
        }
        end = drained == null ? -1 : drained.end;
        if (drained != null) {
          pendingEnd = end;
          if (drained.dropped > 0) { // evicted, gone for good: counted once, never retried
            outcomes.dropped(drained.dropped);
            position = Math.max(position, from + drained.dropped);
          }
        }
      }
      result = delegate.export(batch);
    } catch (RuntimeException e) {
      outcomes.failed();
      forgetPending();
      throw e;
    }
    result.whenComplete(
        () -> {
          synchronized (this) {
            if (result.isSuccess() && end >= 0) {
              position = Math.max(position, end);
            }
            pendingEnd = -1;
          }
          if (!counted) {
            return;
          }
          if (result.isSuccess()) {
            outcomes.succeeded(clock.wallMillis());
            if (failing) {
              failing = false;
              LOGGER.info("microsandbox metrics exporter recovered after failed exports");
            }
          } else {
            outcomes.failed();
            failing = true;
            LOGGER.log(Level.FINE, "microsandbox metrics export failed");
          }
        });
    return result;
  }

  /** {@code batch} with the sandbox counters as deltas; unchanged (logged once) if that fails. */
  private Collection<MetricData> asDeltas(Collection<MetricData> batch) {
    try {
      return deltas.apply(batch, delegate);
    } catch (RuntimeException e) {
      if (!deltaFailureLogged) {
        deltaFailureLogged = true;
        LOGGER.log(
            Level.WARNING,
            "microsandbox metrics: turning the sandbox counters into deltas"
                + " failed; this export carries them cumulative",
            e);
      }
      return batch;
    }
  }

  /** The collection and the counters of its registry pass. */
  private Collection<MetricData> withSums(Collection<MetricData> metrics) {
    Collection<MetricData> added = sums.apply(resourceOf(metrics));
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

  /** The buffered samples from {@code from}; null (export the collection as is) if that fails. */
  private SampleBuffer.Drained withBuffered(Collection<MetricData> metrics, long from) {
    try {
      return buffer.drain(from, resourceOf(metrics), SandboxMetrics.SCOPE_INFO);
    } catch (RuntimeException | LinkageError e) {
      if (!drainFailureLogged) {
        drainFailureLogged = true;
        LOGGER.log(
            Level.WARNING,
            "microsandbox metrics: reading the sample buffer failed; this"
                + " export carries the latest samples only",
            e);
      }
      return null;
    }
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
    return delegate.shutdown();
  }

  @Override
  public String toString() {
    return "CountingMetricExporter{" + delegate + '}';
  }
}
