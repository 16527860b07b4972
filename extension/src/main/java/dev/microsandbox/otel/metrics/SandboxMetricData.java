package dev.microsandbox.otel.metrics;

import dev.microsandbox.otel.registry.SandboxSample;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.DoubleExemplarData;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.LongExemplarData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * One sandbox metric built here rather than by the SDK's aggregation, with points that carry their
 * own times: every buffered sample of a gauge (each stamped with its sample time), or the counters
 * and up-down counters of the semantic conventions, whose points start when their sandbox's run
 * started ({@code started_at}), which the SDK's asynchronous instruments cannot express. Plain
 * implementations of the SDK's public data interfaces, so every exporter (OTLP in both memory
 * modes, Prometheus, console) handles them as the SDK's own. Sums are cumulative.
 */
final class SandboxMetricData implements MetricData {

  private final Resource resource;
  private final InstrumentationScopeInfo scope;
  private final SandboxSeries series;
  private final Data<?> data;

  /**
   * @param series the (first) series of the metric: its name, kind, unit and description
   * @param points the points, not copied
   */
  SandboxMetricData(
      Resource resource,
      InstrumentationScopeInfo scope,
      SandboxSeries series,
      Collection<? extends PointData> points) {
    this(resource, scope, series, points, AggregationTemporality.CUMULATIVE);
  }

  private SandboxMetricData(
      Resource resource,
      InstrumentationScopeInfo scope,
      SandboxSeries series,
      Collection<? extends PointData> points,
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
  boolean isCumulativeSum() {
    return series.isSum()
        && ((SumData<?>) data).getAggregationTemporality() == AggregationTemporality.CUMULATIVE;
  }

  /** Whether this is a counter, rather than an up-down counter or a gauge. */
  boolean isMonotonic() {
    return series.kind == SandboxSeries.Kind.COUNTER;
  }

  /** The same metric with delta {@code points}: what a delta-preferring exporter gets. */
  SandboxMetricData asDelta(Collection<? extends PointData> points) {
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
      this.points = (Collection<T>) Collections.unmodifiableCollection(points);
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
      this.points = (Collection<T>) Collections.unmodifiableCollection(points);
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

  /**
   * What every point has: its sandbox's start, its sample's time, its attributes. Set again in
   * place when {@link MetricDataBuilder} reuses it for a reader in the reusable-data memory mode.
   */
  abstract static class Point implements PointData {
    private long startEpochNanos;
    private long epochNanos;
    private Attributes attributes;

    final void set(
        long startEpochNanos,
        long epochNanos,
        Attributes attributes,
        SandboxSeries series,
        SandboxSample sample) {
      setTimes(startEpochNanos, epochNanos, attributes);
      setValue(series, sample);
    }

    final void setTimes(long startEpochNanos, long epochNanos, Attributes attributes) {
      this.startEpochNanos = startEpochNanos;
      this.epochNanos = epochNanos;
      // A reused point lives in the old generation, and so do a sandbox's attributes: storing
      // the same reference again would still dirty a card for G1 to refine, 14,000 times an
      // export at 1,000 sandboxes. It changes only with the sandbox's identity or labels.
      if (this.attributes != attributes) {
        this.attributes = attributes;
      }
    }

    abstract void setValue(SandboxSeries series, SandboxSample sample);

    @Override
    public long getStartEpochNanos() {
      return startEpochNanos;
    }

    @Override
    public long getEpochNanos() {
      return epochNanos;
    }

    @Override
    public Attributes getAttributes() {
      return attributes;
    }
  }

  /** A long point with the given times, attributes and value. */
  static LongPoint longPoint(
      long startEpochNanos, long epochNanos, Attributes attributes, long value) {
    LongPoint point = new LongPoint();
    point.setTimes(startEpochNanos, epochNanos, attributes);
    point.value = value;
    return point;
  }

  /** A double point with the given times, attributes and value. */
  static DoublePoint doublePoint(
      long startEpochNanos, long epochNanos, Attributes attributes, double value) {
    DoublePoint point = new DoublePoint();
    point.setTimes(startEpochNanos, epochNanos, attributes);
    point.value = value;
    return point;
  }

  /** A long point. */
  static final class LongPoint extends Point implements LongPointData {
    private long value;

    @Override
    void setValue(SandboxSeries series, SandboxSample sample) {
      value = series.longValue(sample);
    }

    @Override
    public long getValue() {
      return value;
    }

    @Override
    public List<LongExemplarData> getExemplars() {
      return Collections.emptyList();
    }
  }

  /** A double point. */
  static final class DoublePoint extends Point implements DoublePointData {
    private double value;

    @Override
    void setValue(SandboxSeries series, SandboxSample sample) {
      value = series.doubleValue(sample);
    }

    @Override
    public double getValue() {
      return value;
    }

    @Override
    public List<DoubleExemplarData> getExemplars() {
      return Collections.emptyList();
    }
  }
}
