package dev.microsandbox.otel.metrics.export;

import dev.microsandbox.otel.metrics.data.PointColumns;
import dev.microsandbox.otel.metrics.data.SandboxMetricData;
import dev.microsandbox.otel.support.FailureLog;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * The sandbox counters for one exporter that prefers delta temporality ({@code user_events}, or
 * OTLP with {@code OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta}). The registry holds
 * each run's running totals, so the counters are built cumulative, starting at their run's start;
 * here each point becomes the change since the same series' point in this exporter's last export,
 * starting where that one ended. A series' first point, and the first of a new run, is the run's
 * total so far, starting at the run's start. A sample sent before is not sent again. The SDK's own
 * delta instruments behave the same way across a failed export: its change is not repeated. Not
 * thread-safe: one per exporter, whose exports the SDK serializes.
 */
final class DeltaSums {

  private static final Logger LOGGER = Logger.getLogger(DeltaSums.class.getName());

  /** Series not seen in this many exports that carried counters are forgotten. */
  static final int FORGET_AFTER_EXPORTS = 5;

  private final Map<Key, Last> last = new HashMap<>();
  private long exports;

  private final FailureLog failures =
      new FailureLog(
          LOGGER,
          "microsandbox metrics: turning the sandbox counters into deltas failed; this export"
              + " carries them cumulative");

  /** {@code batch} with the sandbox counters as deltas; unchanged (logged once) if that fails. */
  Collection<MetricData> applyOrKeep(
      Collection<MetricData> batch, MetricExporter exporter, boolean continuing) {
    try {
      return apply(batch, exporter, continuing);
    } catch (Throwable e) {
      failures.failed(e);
      return batch;
    }
  }

  /** Whether {@code exporter} wants deltas for counters or for up-down counters. */
  static boolean wanted(MetricExporter exporter) {
    return exporter.getAggregationTemporality(InstrumentType.COUNTER)
            == AggregationTemporality.DELTA
        || exporter.getAggregationTemporality(InstrumentType.UP_DOWN_COUNTER)
            == AggregationTemporality.DELTA;
  }

  /**
   * {@code batch} with every sandbox sum {@code exporter} wants as deltas turned into them.
   *
   * @param continuing whether {@code batch} is a further request of the export whose first batch
   *     came before (an outage buffer sent in several requests): one export, not another
   */
  Collection<MetricData> apply(
      Collection<MetricData> batch, MetricExporter exporter, boolean continuing) {
    boolean counters =
        exporter.getAggregationTemporality(InstrumentType.COUNTER) == AggregationTemporality.DELTA;
    boolean upDown =
        exporter.getAggregationTemporality(InstrumentType.UP_DOWN_COUNTER)
            == AggregationTemporality.DELTA;
    List<MetricData> out = null;
    int index = 0;
    for (MetricData metric : batch) {
      if (metric instanceof SandboxMetricData
          && ((SandboxMetricData) metric).isCumulativeSum()
          && (((SandboxMetricData) metric).isMonotonic() ? counters : upDown)) {
        if (out == null) {
          out = new ArrayList<>(batch);
          exports += continuing ? 0 : 1;
        }
        out.set(index, delta((SandboxMetricData) metric));
      }
      index++;
    }
    if (out == null) {
      return batch;
    }
    last.values().removeIf(l -> exports - l.export >= FORGET_AFTER_EXPORTS);
    return out;
  }

  private SandboxMetricData delta(SandboxMetricData metric) {
    boolean doubles = metric.getType() == MetricDataType.DOUBLE_SUM;
    PointColumns points = new PointColumns(doubles);
    for (PointData point : metric.getData().getPoints()) {
      Key key = new Key(metric.getName(), point.getAttributes());
      Last previous = last.get(key);
      boolean sameRun = previous != null && previous.start == point.getStartEpochNanos();
      if (sameRun && point.getEpochNanos() <= previous.time) {
        continue; // sent before
      }
      long start = sameRun ? previous.time : point.getStartEpochNanos();
      double total =
          doubles ? ((DoublePointData) point).getValue() : ((LongPointData) point).getValue();
      double before = !sameRun ? 0 : doubles ? previous.doubleValue : previous.longValue;
      // A counter that drops within its run was reset (a writer restarted its count): as the
      // SDK's cumulative-to-delta rules have it, the change is the new total, counted from the
      // last point, never a negative delta on a monotonic sum.
      boolean reset = sameRun && metric.isMonotonic() && total < before;
      boolean fromZero = !sameRun || reset;
      if (!doubles) {
        long value = ((LongPointData) point).getValue();
        points.addLong(
            start,
            point.getEpochNanos(),
            point.getAttributes(),
            fromZero ? value : value - previous.longValue);
        last.put(
            key, new Last(point.getStartEpochNanos(), point.getEpochNanos(), value, 0, exports));
      } else {
        double value = ((DoublePointData) point).getValue();
        points.addDouble(
            start,
            point.getEpochNanos(),
            point.getAttributes(),
            fromZero ? value : value - previous.doubleValue);
        last.put(
            key, new Last(point.getStartEpochNanos(), point.getEpochNanos(), 0, value, exports));
      }
    }
    return metric.asDelta(points);
  }

  /** One series: the metric and the point's attributes (which name the sandbox). */
  private static final class Key {
    final String metric;
    final Attributes attributes;

    Key(String metric, Attributes attributes) {
      this.metric = metric;
      this.attributes = attributes;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key
          && ((Key) o).metric.equals(metric)
          && ((Key) o).attributes.equals(attributes);
    }

    @Override
    public int hashCode() {
      return Objects.hash(metric, attributes);
    }
  }

  /** A series' last point sent: its run's start, its time, its running total. */
  private static final class Last {
    final long start;
    final long time;
    final long longValue;
    final double doubleValue;
    final long export;

    Last(long start, long time, long longValue, double doubleValue, long export) {
      this.start = start;
      this.time = time;
      this.longValue = longValue;
      this.doubleValue = doubleValue;
      this.export = export;
    }
  }
}
