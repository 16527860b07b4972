package dev.microsandbox.otel.metrics;

import dev.microsandbox.otel.registry.SandboxSample;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds the SDK's metric data from sandbox samples: points of some series, grouped into one {@link
 * SandboxMetricData} per metric (the buffered samples of a request, or the latest pass's counters).
 * Each point starts at its sandbox's start ({@code started_at}, at most its own time) and is
 * stamped with its sample's time ({@code sampled_at}). After {@link #clear} the point objects are
 * set again in place, so a reader in the reusable-data memory mode (which exports one collection
 * before the next) gets its counters without allocating a point per sandbox. Not thread-safe.
 */
final class MetricDataBuilder {

  private final SandboxSeries[] series;
  private final int[] metricOf; // by index into series
  private final SandboxSeries[] metricSeries; // the first series of each metric
  private final SandboxMetricData.Point[][] points;
  private final int[] counts;

  /** Points of {@code series} (in {@link SandboxSeries} order, so one metric's are adjacent). */
  MetricDataBuilder(SandboxSeries[] series) {
    this.series = series;
    this.metricOf = new int[series.length];
    List<SandboxSeries> metrics = new ArrayList<>();
    for (int i = 0; i < series.length; i++) {
      if (metrics.isEmpty()
          || !metrics.get(metrics.size() - 1).metricName.equals(series[i].metricName)) {
        metrics.add(series[i]);
      }
      metricOf[i] = metrics.size() - 1;
    }
    metricSeries = metrics.toArray(new SandboxSeries[0]);
    points = new SandboxMetricData.Point[metricSeries.length][16];
    counts = new int[metricSeries.length];
  }

  /** Forgets every point; their objects are reused by the next {@link #add}s. */
  void clear() {
    Arrays.fill(counts, 0);
  }

  /** One point per series that {@code sample} has a value for, with its attributes. */
  void add(SandboxSample sample, SeriesAttributes attributes) {
    long epochNanos = sample.sampledAtMs() * 1_000_000L;
    long startNanos = Math.min(sample.startedAtMs() * 1_000_000L, epochNanos);
    for (int i = 0; i < series.length; i++) {
      SandboxSeries s = series[i];
      if (s.presentIn(sample)) {
        next(metricOf[i], s.isDouble).set(startNanos, epochNanos, attributes.of(s), s, sample);
      }
    }
  }

  private SandboxMetricData.Point next(int metric, boolean isDouble) {
    SandboxMetricData.Point[] array = points[metric];
    int count = counts[metric];
    if (count == array.length) {
      array = points[metric] = Arrays.copyOf(array, count * 2);
    }
    SandboxMetricData.Point point = array[count];
    if (point == null) {
      point =
          array[count] =
              isDouble ? new SandboxMetricData.DoublePoint() : new SandboxMetricData.LongPoint();
    }
    counts[metric] = count + 1;
    return point;
  }

  /** One metric per metric with at least one point, in series order; adds them to {@code into}. */
  void addMetrics(Resource resource, InstrumentationScopeInfo scope, List<MetricData> into) {
    for (int m = 0; m < metricSeries.length; m++) {
      if (counts[m] > 0) {
        into.add(
            new SandboxMetricData(
                resource, scope, metricSeries[m], new View(points[m], counts[m])));
      }
    }
  }

  /** The first {@code size} points of an array, without copying. */
  private static final class View extends AbstractList<PointData> {
    private final PointData[] points;
    private final int size;

    View(PointData[] points, int size) {
      this.points = points;
      this.size = size;
    }

    @Override
    public PointData get(int index) {
      if (index >= size) {
        throw new IndexOutOfBoundsException(index + " >= " + size);
      }
      return points[index];
    }

    @Override
    public int size() {
      return size;
    }
  }
}
