package dev.microsandbox.otel.userevents;

import io.opentelemetry.exporter.internal.otlp.metrics.LowAllocationMetricsRequestMarshaler;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.ExponentialHistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableExponentialHistogramData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableGaugeData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableHistogramData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableSumData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableSummaryData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Packs an export into {@code user_events} payloads: each one an OTLP
 * {@code ExportMetricsServiceRequest} holding the resource, the scope and one metric with as many
 * of its points as fit into the limit, encoded by the OTLP marshaling the agent's own exporter
 * uses. A point too large for the limit goes in a payload of its own; only one above the
 * tracepoint's hard limit ({@link #HARD_LIMIT}) is dropped and counted. Every other point is in
 * exactly one payload. Not thread-safe: one per exporter, whose exports the SDK serializes.
 */
final class EventBatcher {

  /** The most a {@code user_events} buffer field may carry (the Rust exporter's limit too). */
  static final int HARD_LIMIT = 65_360;

  /** Where payloads go. */
  interface Sink {
    /** Writes {@code payload[0, length)} as one event; false when the write failed. */
    boolean write(byte[] payload, int length);
  }

  /** What one export did. */
  static final class Outcome {
    int events;
    int failedWrites;
    int droppedPoints;
  }

  private final int limit;
  private final LowAllocationMetricsRequestMarshaler marshaler =
      new LowAllocationMetricsRequestMarshaler();
  private final Buffer buffer = new Buffer();
  private final List<MetricData> one = new ArrayList<>(1);

  /** @param limit the most bytes of payload per event, at most {@link #HARD_LIMIT} */
  EventBatcher(int limit) {
    this.limit = limit;
  }

  /** Packs every point of {@code metrics} into payloads and hands them to {@code sink}. */
  Outcome write(Iterable<MetricData> metrics, Sink sink) throws IOException {
    Outcome outcome = new Outcome();
    for (MetricData metric : metrics) {
      List<? extends PointData> points = pointsOf(metric);
      int n = points.size();
      int start = 0;
      int guess = n;
      while (start < n) {
        int count = Math.min(guess, n - start);
        int size = size(metric, points, start, count);
        while (size > limit && count > 1) {
          count = Math.max(1, Math.min(count - 1, (int) ((long) count * limit / size)));
          size = size(metric, points, start, count);
        }
        boolean holdsCount = true; // whether the marshaler holds exactly the points to write
        while (start + count < n && size <= limit) { // fill what the estimate left
          int bigger = size(metric, points, start, count + 1);
          if (bigger > limit) {
            holdsCount = false;
            break;
          }
          count++;
          size = bigger;
        }
        if (size > HARD_LIMIT) {
          outcome.droppedPoints++;
        } else {
          if (!holdsCount) {
            size(metric, points, start, count);
          }
          buffer.reset();
          marshaler.writeBinaryTo(buffer);
          marshaler.reset();
          outcome.events++;
          if (!sink.write(buffer.bytes(), buffer.size())) {
            outcome.failedWrites++;
          }
        }
        start += count;
        guess = count;
      }
    }
    marshaler.reset();
    return outcome;
  }

  /** The encoded size of the request with points {@code [start, start + count)}; left initialized. */
  private int size(MetricData metric, List<? extends PointData> points, int start, int count) {
    marshaler.reset();
    one.clear();
    one.add(start == 0 && count == points.size() ? metric
        : withPoints(metric, points.subList(start, start + count)));
    marshaler.initialize(one);
    return marshaler.getBinarySerializedSize();
  }

  private static List<? extends PointData> pointsOf(MetricData metric) {
    java.util.Collection<? extends PointData> points = metric.getData().getPoints();
    return points instanceof List ? (List<? extends PointData>) points : new ArrayList<>(points);
  }

  @SuppressWarnings("unchecked")
  private static MetricData withPoints(MetricData metric, List<? extends PointData> points) {
    Data<?> data = metric.getData();
    Data<?> subset;
    switch (metric.getType()) {
      case LONG_GAUGE:
      case DOUBLE_GAUGE:
        subset = ImmutableGaugeData.create((List) points);
        break;
      case LONG_SUM:
      case DOUBLE_SUM:
        SumData<?> sum = (SumData<?>) data;
        subset = ImmutableSumData.create(sum.isMonotonic(), sum.getAggregationTemporality(),
            (List) points);
        break;
      case HISTOGRAM:
        subset = ImmutableHistogramData.create(((HistogramData) data).getAggregationTemporality(),
            (List) points);
        break;
      case EXPONENTIAL_HISTOGRAM:
        subset = ImmutableExponentialHistogramData.create(
            ((ExponentialHistogramData) data).getAggregationTemporality(), (List) points);
        break;
      case SUMMARY:
        subset = ImmutableSummaryData.create((List) points);
        break;
      default:
        throw new IllegalArgumentException("unknown metric type " + metric.getType());
    }
    return new Subset(metric, subset);
  }

  /** One metric with some of its points. */
  private static final class Subset implements MetricData {
    private final MetricData metric;
    private final Data<?> data;

    Subset(MetricData metric, Data<?> data) {
      this.metric = metric;
      this.data = data;
    }

    @Override
    public io.opentelemetry.sdk.resources.Resource getResource() {
      return metric.getResource();
    }

    @Override
    public io.opentelemetry.sdk.common.InstrumentationScopeInfo getInstrumentationScopeInfo() {
      return metric.getInstrumentationScopeInfo();
    }

    @Override
    public String getName() {
      return metric.getName();
    }

    @Override
    public String getDescription() {
      return metric.getDescription();
    }

    @Override
    public String getUnit() {
      return metric.getUnit();
    }

    @Override
    public io.opentelemetry.sdk.metrics.data.MetricDataType getType() {
      return metric.getType();
    }

    @Override
    public Data<?> getData() {
      return data;
    }
  }

  /** A byte array output whose array is read in place. */
  private static final class Buffer extends ByteArrayOutputStream {
    Buffer() {
      super(8192);
    }

    byte[] bytes() {
      return buf;
    }
  }
}
