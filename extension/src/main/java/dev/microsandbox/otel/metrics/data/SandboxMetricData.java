package dev.microsandbox.otel.metrics.data;

import dev.microsandbox.otel.metrics.series.SandboxSeries;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Collection;
import java.util.List;

/**
 * One sandbox metric built here rather than by the SDK's aggregation, with points that carry their
 * own times: every buffered sample of a gauge (each stamped with its sample time), or the counters
 * and up-down counters of the semantic conventions, whose points start when their sandbox's run
 * started ({@code started_at}), which the SDK's asynchronous instruments cannot express. Plain
 * implementations of the SDK's public data interfaces, so every exporter (OTLP in both memory
 * modes, Prometheus, console) handles them as the SDK's own. Sums are cumulative.
 */
public final class SandboxMetricData implements MetricData {

  private final Resource resource;
  private final InstrumentationScopeInfo scope;
  private final SandboxSeries series;
  private final Data<?> data;

  /**
   * @param series the (first) series of the metric: its name, kind, unit and description
   * @param points the points, not copied
   */
  public SandboxMetricData(
      Resource resource,
      InstrumentationScopeInfo scope,
      SandboxSeries series,
      PointColumns points) {
    this(resource, scope, series, points, AggregationTemporality.CUMULATIVE);
  }

  private SandboxMetricData(
      Resource resource,
      InstrumentationScopeInfo scope,
      SandboxSeries series,
      PointColumns points,
      AggregationTemporality temporality) {
    this.resource = resource;
    this.scope = scope;
    this.series = series;
    this.data =
        series.isSum()
            ? new Sum<>(points, series.kind == SandboxSeries.Kind.COUNTER, temporality)
            : new Gauge<>(points);
  }

  /** Whether this is a counter (monotonic) or an up-down counter, with cumulative points. */
  public boolean isCumulativeSum() {
    return series.isSum()
        && ((SumData<?>) data).getAggregationTemporality() == AggregationTemporality.CUMULATIVE;
  }

  /** Whether this is a counter, rather than an up-down counter or a gauge. */
  public boolean isMonotonic() {
    return series.kind == SandboxSeries.Kind.COUNTER;
  }

  /** The same metric with delta {@code points}: what a delta-preferring exporter gets. */
  public SandboxMetricData asDelta(PointColumns points) {
    return new SandboxMetricData(resource, scope, series, points, AggregationTemporality.DELTA);
  }

  @Override
  public Resource getResource() {
    return resource;
  }

  @Override
  public InstrumentationScopeInfo getInstrumentationScopeInfo() {
    return scope;
  }

  @Override
  public String getName() {
    return series.metricName;
  }

  @Override
  public String getDescription() {
    return series.description;
  }

  @Override
  public String getUnit() {
    return series.unit;
  }

  @Override
  public MetricDataType getType() {
    if (series.isSum()) {
      return series.isDouble ? MetricDataType.DOUBLE_SUM : MetricDataType.LONG_SUM;
    }
    return series.isDouble ? MetricDataType.DOUBLE_GAUGE : MetricDataType.LONG_GAUGE;
  }

  @Override
  public Data<?> getData() {
    return data;
  }

  // The typed accessors are answered here rather than by MetricData's default methods: before SDK
  // 1.54 (agent 2.20) those cast getData() to the SDK's internal Immutable*Data classes, which
  // made every export of the application fail with a ClassCastException.

  @Override
  public GaugeData<DoublePointData> getDoubleGaugeData() {
    return typed(MetricDataType.DOUBLE_GAUGE, EMPTY_GAUGE);
  }

  @Override
  public GaugeData<LongPointData> getLongGaugeData() {
    return typed(MetricDataType.LONG_GAUGE, EMPTY_GAUGE);
  }

  @Override
  public SumData<DoublePointData> getDoubleSumData() {
    return typed(MetricDataType.DOUBLE_SUM, EMPTY_SUM);
  }

  @Override
  public SumData<LongPointData> getLongSumData() {
    return typed(MetricDataType.LONG_SUM, EMPTY_SUM);
  }

  /** This metric's data when it is of {@code type}; {@code empty} otherwise. */
  @SuppressWarnings("unchecked")
  private <D extends Data<?>> D typed(MetricDataType type, Data<?> empty) {
    return (D) (getType() == type ? data : empty);
  }

  @Override
  public String toString() {
    return "SandboxMetricData{" + series.metricName + ", " + data.getPoints().size() + " points}";
  }

  private static final Gauge<PointData> EMPTY_GAUGE = new Gauge<>(List.of());
  private static final Sum<PointData> EMPTY_SUM =
      new Sum<>(List.of(), false, AggregationTemporality.CUMULATIVE);

  /** Gauge data over a fixed collection of points. */
  private static final class Gauge<T extends PointData> implements GaugeData<T> {
    private final Collection<T> points;

    @SuppressWarnings("unchecked")
    Gauge(Collection<? extends PointData> points) {
      this.points = (Collection<T>) points; // read-only lists
    }

    @Override
    public Collection<T> getPoints() {
      return points;
    }
  }

  /** Sum data over a fixed collection of points. */
  private static final class Sum<T extends PointData> implements SumData<T> {
    private final Collection<T> points;
    private final boolean monotonic;
    private final AggregationTemporality temporality;

    @SuppressWarnings("unchecked")
    Sum(
        Collection<? extends PointData> points,
        boolean monotonic,
        AggregationTemporality temporality) {
      this.points = (Collection<T>) points; // read-only lists
      this.monotonic = monotonic;
      this.temporality = temporality;
    }

    @Override
    public Collection<T> getPoints() {
      return points;
    }

    @Override
    public boolean isMonotonic() {
      return monotonic;
    }

    @Override
    public AggregationTemporality getAggregationTemporality() {
      return temporality;
    }
  }
}
