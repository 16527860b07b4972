package dev.microsandbox.otel.metrics.data;

import dev.microsandbox.otel.metrics.series.SandboxSeries;
import dev.microsandbox.otel.metrics.series.SeriesAttributes;
import dev.microsandbox.otel.registry.SandboxSample;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the SDK's metric data from sandbox samples: points of some series, grouped into one {@link
 * SandboxMetricData} per metric (the buffered samples of a request, or the latest pass's counters).
 * Each point starts at its sandbox's start ({@code started_at}, at most its own time) and is
 * stamped with its sample's time ({@code sampled_at}). Points are held as columns ({@link
 * PointColumns}); after {@link #clear} their arrays are filled again, so a reader in the
 * reusable-data memory mode (which exports one collection before the next) gets its points without
 * allocating per sandbox. Not thread-safe.
 */
public final class MetricDataBuilder {

  private final SandboxSeries[] series;
  private final int[] metricOf; // by index into series
  private final SandboxSeries[] metricSeries; // the first series of each metric
  private final PointColumns[] points; // by metric

  /** Points of {@code series} (in {@link SandboxSeries} order, so one metric's are adjacent). */
  public MetricDataBuilder(SandboxSeries[] series) {
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
    points = new PointColumns[metricSeries.length];
    for (int m = 0; m < points.length; m++) {
      points[m] = new PointColumns(metricSeries[m].isDouble);
    }
  }

  /** Forgets every point; their arrays are reused by the next {@link #add}s. */
  public void clear() {
    for (PointColumns metric : points) {
      metric.reset();
    }
  }

  /** One point per series that {@code sample} has a value for, with its attributes. */
  public void add(SandboxSample sample, SeriesAttributes attributes) {
    long epochNanos = sample.sampledAtMs() * 1_000_000L;
    long startNanos = Math.min(sample.startedAtMs() * 1_000_000L, epochNanos);
    for (int i = 0; i < series.length; i++) {
      SandboxSeries s = series[i];
      if (!s.presentIn(sample)) {
        continue;
      }
      PointColumns metric = points[metricOf[i]];
      if (s.isDouble) {
        metric.addDouble(startNanos, epochNanos, attributes.of(s), s.doubleValue(sample));
      } else {
        metric.addLong(startNanos, epochNanos, attributes.of(s), s.longValue(sample));
      }
    }
  }

  /** One metric per metric with at least one point, in series order; adds them to {@code into}. */
  public void addMetrics(Resource resource, InstrumentationScopeInfo scope, List<MetricData> into) {
    for (int m = 0; m < metricSeries.length; m++) {
      if (points[m].size() > 0) {
        into.add(new SandboxMetricData(resource, scope, metricSeries[m], points[m]));
      }
    }
  }
}
