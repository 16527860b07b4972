package dev.microsandbox.otel.metrics.export;

import dev.microsandbox.otel.metrics.instruments.ExportStats;
import dev.microsandbox.otel.metrics.sampling.SampleBuffer;
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
import java.util.Collection;
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
 * dropped collections ({@link BufferCursor}, {@link BufferedExport}).
 *
 * <p>Where no {@link SandboxSeriesProducer} could be registered (a declarative configuration file),
 * it adds the sandbox series of the collection's registry pass itself ({@link SeriesAddition}): all
 * of them where no instrument observes the gauges, else the counters. For a delegate that prefers
 * delta temporality it turns the counters into deltas ({@link DeltaSums}).
 */
public final class SandboxPushExporter implements MetricExporter {

  private static final Logger LOGGER = Logger.getLogger(SandboxPushExporter.class.getName());

  private final MetricExporter delegate;
  private final RequestSender sender;
  private final TimeSource clock;
  private final SeriesAddition series; // null: a producer adds them
  private final ExportStats.Exporter outcomes;
  private final DeltaSums deltas; // null: the delegate takes the counters cumulative
  private final BufferCursor cursor;
  private final FollowOnThread followOns = new FollowOnThread();
  private final String target;
  // The failure episode under way: its first failure (monotonic ms) and its failed exports so far.
  private boolean failing;
  private long failingSinceMs;
  private long failedExports;

  /** Wraps {@code delegate}, counting its outcomes in {@code stats}; a producer adds the series. */
  public SandboxPushExporter(MetricExporter delegate, ExportStats stats, TimeSource clock) {
    this(delegate, stats, clock, null, delegate.getClass().getSimpleName());
  }

  /**
   * @param series the sandbox series of the latest registry pass for a resource, when no producer
   *     adds them to the collection; null otherwise
   * @param target where the delegate sends, secrets left out, for the lines of a failure episode
   */
  public SandboxPushExporter(
      MetricExporter delegate,
      ExportStats stats,
      TimeSource clock,
      Function<Resource, Collection<MetricData>> series,
      String target) {
    this.delegate = delegate;
    this.sender = new RequestSender(delegate);
    this.clock = clock;
    this.series = series == null ? null : new SeriesAddition(series);
    this.target = target;
    this.outcomes = stats.of(delegate.getClass().getSimpleName());
    this.deltas = DeltaSums.wanted(delegate) ? new DeltaSums() : null;
    this.cursor = new BufferCursor(outcomes, delegate.getMemoryMode() == MemoryMode.REUSABLE_DATA);
  }

  /** From now on, exports carry what {@code buffer} holds from its current head on. */
  public void attach(SampleBuffer buffer) {
    cursor.attach(buffer);
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    // An export that will deliver nothing (nobody listens) is neither a success nor a failure.
    boolean counted = !(delegate instanceof IdleExporter && ((IdleExporter) delegate).idle());
    CompletableResultCode result;
    try {
      SampleBuffer attached = cursor.attached();
      if (attached == null) {
        Collection<MetricData> batch = series != null ? series.to(metrics) : metrics;
        result = sender.send(asDelegateTakes(batch, false));
      } else {
        result =
            new BufferedExport(cursor, attached, sender, followOns, this::asDelegateTakes, metrics)
                .start();
      }
    } catch (RuntimeException e) {
      if (counted) {
        outcomes.failed();
      }
      cursor.forgetPending();
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

  /** {@code batch} with the counters as the delegate prefers them (deltas, or unchanged). */
  private Collection<MetricData> asDelegateTakes(Collection<MetricData> batch, boolean continuing) {
    return deltas == null ? batch : deltas.applyOrKeep(batch, delegate, continuing);
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
              + (cursor.attached() != null
                  ? "; the samples wait in the outage buffer for the first export that succeeds"
                  : "; retried at each export")
              + ". Said once until they succeed again");
    }
    failedExports++;
    LOGGER.log(Level.FINE, "microsandbox metrics export failed");
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
    cursor.detach();
    followOns.shutdown();
    return delegate.shutdown();
  }

  @Override
  public String toString() {
    return "SandboxPushExporter{" + delegate + '}';
  }
}
