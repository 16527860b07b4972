package dev.microsandbox.otel.metrics;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.DoubleExemplarData;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.LongExemplarData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * One sandbox gauge with the buffered samples of many passes as its points, each stamped with its
 * own sample time: what a push exporter receives in place of the SDK's one-point-per-collection
 * gauge. Plain implementations of the SDK's public data interfaces, so every exporter (OTLP in both
 * memory modes, console) marshals them as it marshals the SDK's own.
 */
final class BufferedMetricData implements MetricData {

  private final Resource resource;
  private final InstrumentationScopeInfo scope;
  private final SandboxGauge gauge;
  private final Data<?> data;

  BufferedMetricData(Resource resource, InstrumentationScopeInfo scope, SandboxGauge gauge,
      Collection<? extends PointData> points) {
    this.resource = resource;
    this.scope = scope;
    this.gauge = gauge;
    this.data = new Gauge<>(points);
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
    return gauge.metricName;
  }

  @Override
  public String getDescription() {
    return gauge.description;
  }

  @Override
  public String getUnit() {
    return gauge.unit;
  }

  @Override
  public MetricDataType getType() {
    return gauge.isDouble ? MetricDataType.DOUBLE_GAUGE : MetricDataType.LONG_GAUGE;
  }

  @Override
  public Data<?> getData() {
    return data;
  }

  @Override
  public String toString() {
    return "BufferedMetricData{" + gauge.metricName + ", " + data.getPoints().size() + " points}";
  }

  /** Gauge data over a fixed list of points. */
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

  /** What every buffered point has: its sandbox's start, its sample's time, its attributes. */
  abstract static class Point implements PointData {
    private final long startEpochNanos;
    private final long epochNanos;
    private final Attributes attributes;

    Point(long startEpochNanos, long epochNanos, Attributes attributes) {
      this.startEpochNanos = startEpochNanos;
      this.epochNanos = epochNanos;
      this.attributes = attributes;
    }

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

  /** A long gauge point. */
  static final class LongPoint extends Point implements LongPointData {
    private final long value;

    LongPoint(long startEpochNanos, long epochNanos, Attributes attributes, long value) {
      super(startEpochNanos, epochNanos, attributes);
      this.value = value;
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

  /** A double gauge point. */
  static final class DoublePoint extends Point implements DoublePointData {
    private final double value;

    DoublePoint(long startEpochNanos, long epochNanos, Attributes attributes, double value) {
      super(startEpochNanos, epochNanos, attributes);
      this.value = value;
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
