package dev.microsandbox.otel.userevents;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.internal.otlp.metrics.LowAllocationMetricsRequestMarshaler;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.ExponentialHistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableDoublePointData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableExponentialHistogramData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableGaugeData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableHistogramData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableMetricData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableSumData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableSummaryData;
import io.opentelemetry.sdk.resources.Resource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Packs an export into {@code user_events} payloads: each one an OTLP {@code
 * ExportMetricsServiceRequest} holding the resource, the scope and one metric with as many of its
 * points as fit into the limit, encoded by the OTLP marshaling the agent's own exporter uses. A
 * point too large for the limit goes in a payload of its own; only one above the tracepoint's hard
 * limit ({@link #HARD_LIMIT}) is dropped and counted. Every other point is in exactly one payload.
 * Not thread-safe: one per exporter, whose exports the SDK serializes.
 */
final class EventBatcher {

  /** The most a {@code user_events} buffer field may carry (the Rust exporter's limit too). */
  static final int HARD_LIMIT = 65_360;

  /** Where payloads go. */
  interface Sink {
    /** The event was written. */
    int WRITTEN = 0;

    /** The write failed. */
    int FAILED = 1;

    /** Nobody listens any more: the event and the rest of the export are not written. */
    int DETACHED = 2;

    /** Writes {@code payload[0, length)} as one event; {@link #WRITTEN} or why not. */
    int write(byte[] payload, int length);
  }

  /** What one export did. */
  static final class Outcome {
    /** Events written or attempted (failed writes included). */
    int events;

    int failedWrites;
    int droppedPoints;

    /** Whether the export stopped early because the tracer detached. */
    boolean detached;
  }

  private final int limit;

  /** Holds the request of the event being packed. */
  private final LowAllocationMetricsRequestMarshaler marshaler =
      new LowAllocationMetricsRequestMarshaler();

  /** Sizes headers and single points, leaving {@link #marshaler}'s request alone. */
  private final LowAllocationMetricsRequestMarshaler probe =
      new LowAllocationMetricsRequestMarshaler();

  private final Buffer buffer = new Buffer();
  private final List<MetricData> one = new ArrayList<>(1);

  /** Points in the last event sized, and the bytes they took beyond the request's header. */
  private int lastPoints;

  private int lastBytes;

  /**
   * @param limit the most bytes of payload per event, at most {@link #HARD_LIMIT}
   */
  EventBatcher(int limit) {
    this.limit = limit;
  }

  /**
   * A batcher whose encoding has been tried once on a one-point metric: the agent's marshaler and
   * data classes are internal, so a different agent may lack them or have them in another shape.
   *
   * @throws LinkageError or RuntimeException when this agent's classes do not fit
   */
  static EventBatcher checked(int limit) throws IOException {
    EventBatcher batcher = new EventBatcher(limit);
    MetricData probe =
        ImmutableMetricData.createDoubleGauge(
            Resource.empty(),
            InstrumentationScopeInfo.create("probe"),
            "probe",
            "",
            "",
            ImmutableGaugeData.create(
                List.of(ImmutableDoublePointData.create(0, 0, Attributes.empty(), 0))));
    Outcome outcome =
        batcher.write(List.of(probe), (payload, length) -> length > 0 ? Sink.WRITTEN : Sink.FAILED);
    if (outcome.events != 1 || outcome.failedWrites != 0) {
      throw new IllegalStateException("the probe metric encoded to " + outcome.events + " events");
    }
    return batcher;
  }

  /** Packs every point of {@code metrics} into payloads and hands them to {@code sink}. */
  Outcome write(Iterable<MetricData> metrics, Sink sink) throws IOException {
    Outcome outcome = new Outcome();
    try {
      for (MetricData metric : metrics) {
        List<? extends PointData> points = pointsOf(metric);
        Headers headers =
            new Headers(
                size(marshaler, metric, points, 0, 0, false),
                size(probe, metric, points, 0, 0, true));
        for (int start = 0; start < points.size(); ) {
          int count = pack(metric, points, start, headers);
          if (marshaler.getBinarySerializedSize() > HARD_LIMIT) {
            outcome.droppedPoints++; // count is 1 here: only a single point is ever over the limit
          } else {
            buffer.reset();
            marshaler.writeBinaryTo(buffer);
            int written = sink.write(buffer.bytes(), buffer.size());
            if (written == Sink.DETACHED) {
              outcome.detached = true;
              return outcome;
            }
            outcome.events++;
            if (written == Sink.FAILED) {
              outcome.failedWrites++;
            }
          }
          start += count;
        }
      }
    } finally {
      marshaler.reset();
      probe.reset();
    }
    return outcome;
  }

  /**
   * Sizes of one metric's request without points: as sent, and bare (no resource, scope or names),
   * the frame in which single points are sized cheaply.
   */
  private static final class Headers {
    final int full;
    final int bare;

    Headers(int full, int bare) {
      this.full = full;
      this.bare = bare;
    }
  }

  /**
   * Finds the most points from {@code start} that fit into the limit (at least one) and leaves
   * {@link #marshaler} initialized with exactly them. Every sizing of a candidate costs a pass over
   * its points, so the search guesses from the bytes points took in the last event and keeps the
   * bounds it has learnt: {@code fit} points are known to fit, {@code tooMany} are known not to. A
   * guess that fits and whose next point, sized alone, surely cannot fit any more ends the search
   * without sizing one point more: the usual event costs one sizing pass and one write.
   */
  private int pack(
      MetricData metric, List<? extends PointData> points, int start, Headers headers) {
    int remaining = points.size() - start;
    int fit = 0;
    int fitSize = headers.full;
    int tooMany = remaining + 1;
    if (lastPoints == 0) {
      lastPoints = 1;
      lastBytes = alone(metric, points, start, headers);
    }
    int guess = Math.min(remaining, Math.max(1, pointsIn(limit - headers.full)));
    int held;
    while (true) {
      int size = size(marshaler, metric, points, start, guess, false);
      held = guess;
      lastPoints = guess;
      lastBytes = Math.max(1, size - headers.full);
      if (size <= limit) {
        fit = guess;
        fitSize = size;
      } else {
        tooMany = guess;
      }
      if (tooMany == fit + 1
          || fit > 0
              && fit < remaining
              && fitSize + alone(metric, points, start + fit, headers) > limit) {
        break;
      }
      guess = Math.max(fit + 1, Math.min(tooMany - 1, fit + pointsIn(limit - fitSize)));
    }
    int count = Math.max(1, fit); // a single point over the limit goes alone
    if (held != count) {
      size(marshaler, metric, points, start, count, false);
    }
    return count;
  }

  /** How many points like those of the last event fit into {@code bytes}. */
  private int pointsIn(int bytes) {
    return bytes <= 0 ? 0 : (int) ((long) bytes * lastPoints / lastBytes);
  }

  /**
   * At least the bytes point {@code index} adds to any request of its metric: what it adds to the
   * bare request, less what the four enclosing length prefixes (resource metrics, scope metrics,
   * metric, data) may have grown by there: nothing while the whole stays under 128 bytes, one byte
   * each under 16 384, two beyond.
   */
  private int alone(
      MetricData metric, List<? extends PointData> points, int index, Headers headers) {
    int size = size(probe, metric, points, index, 1, true);
    int prefixGrowth = size < 128 ? 0 : size < 16_384 ? 4 : 8;
    return size - headers.bare - prefixGrowth;
  }

  /**
   * Initializes {@code target} with the request holding points {@code [start, start + count)} of
   * {@code metric}, bare or as sent, and returns its encoded size.
   */
  private int size(
      LowAllocationMetricsRequestMarshaler target,
      MetricData metric,
      List<? extends PointData> points,
      int start,
      int count,
      boolean bare) {
    target.reset();
    one.clear();
    one.add(
        !bare && start == 0 && count == points.size()
            ? metric
            : new Subset(metric, withPoints(metric, points.subList(start, start + count)), bare));
    target.initialize(one);
    return target.getBinarySerializedSize();
  }

  private static List<? extends PointData> pointsOf(MetricData metric) {
    Collection<? extends PointData> points = metric.getData().getPoints();
    return points instanceof List ? (List<? extends PointData>) points : new ArrayList<>(points);
  }

  /** The data of {@code metric}, with only {@code points}. */
  @SuppressWarnings("unchecked")
  private static Data<?> withPoints(MetricData metric, List<? extends PointData> points) {
    Data<?> data = metric.getData();
    switch (metric.getType()) {
      case LONG_GAUGE:
      case DOUBLE_GAUGE:
        return ImmutableGaugeData.create((List) points);
      case LONG_SUM:
      case DOUBLE_SUM:
        SumData<?> sum = (SumData<?>) data;
        return ImmutableSumData.create(
            sum.isMonotonic(), sum.getAggregationTemporality(), (List) points);
      case HISTOGRAM:
        return ImmutableHistogramData.create(
            ((HistogramData) data).getAggregationTemporality(), (List) points);
      case EXPONENTIAL_HISTOGRAM:
        return ImmutableExponentialHistogramData.create(
            ((ExponentialHistogramData) data).getAggregationTemporality(), (List) points);
      case SUMMARY:
        return ImmutableSummaryData.create((List) points);
      default:
        throw new IllegalArgumentException("unknown metric type " + metric.getType());
    }
  }

  /** One metric with some of its points; bare: without resource, scope and names. */
  private static final class Subset implements MetricData {
    private final MetricData metric;
    private final Data<?> data;
    private final boolean bare;

    Subset(MetricData metric, Data<?> data, boolean bare) {
      this.metric = metric;
      this.data = data;
      this.bare = bare;
    }

    @Override
    public Resource getResource() {
      return bare ? Resource.empty() : metric.getResource();
    }

    @Override
    public InstrumentationScopeInfo getInstrumentationScopeInfo() {
      return bare ? InstrumentationScopeInfo.empty() : metric.getInstrumentationScopeInfo();
    }

    @Override
    public String getName() {
      return bare ? "" : metric.getName();
    }

    @Override
    public String getDescription() {
      return bare ? "" : metric.getDescription();
    }

    @Override
    public String getUnit() {
      return bare ? "" : metric.getUnit();
    }

    @Override
    public MetricDataType getType() {
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
