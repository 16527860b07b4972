package dev.microsandbox.otel.userevents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.internal.otlp.metrics.LowAllocationMetricsRequestMarshaler;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableGaugeData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableLongPointData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableMetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Batching at the edges, every payload decoded with the official proto classes: each point lands in
 * exactly one event, no event above the limit except a single point that is larger on its own.
 */
class EventBatcherTest {

  static final Resource RESOURCE =
      Resource.getDefault()
          .merge(Resource.create(Attributes.builder().put("service.name", "batch-test").build()));
  static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("test-scope");

  /** What the sink received, decoded. */
  static final class Decoding implements EventBatcher.Sink {
    final List<Integer> sizes = new ArrayList<>();
    final Map<Long, Integer> seen = new TreeMap<>(); // point value -> times seen
    final List<List<Long>> events = new ArrayList<>(); // the point values of each event

    @Override
    public int write(byte[] payload, int length) {
      sizes.add(length);
      try {
        ExportMetricsServiceRequest request =
            ExportMetricsServiceRequest.parseFrom(Arrays.copyOf(payload, length));
        assertEquals(1, request.getResourceMetricsCount());
        assertEquals(
            "batch-test",
            request.getResourceMetrics(0).getResource().getAttributesList().stream()
                .filter(kv -> kv.getKey().equals("service.name"))
                .findFirst()
                .orElseThrow()
                .getValue()
                .getStringValue());
        assertEquals(1, request.getResourceMetrics(0).getScopeMetricsCount());
        assertEquals(
            1,
            request.getResourceMetrics(0).getScopeMetrics(0).getMetricsCount(),
            "one metric per event");
        List<Long> values = new ArrayList<>();
        for (NumberDataPoint p :
            request
                .getResourceMetrics(0)
                .getScopeMetrics(0)
                .getMetrics(0)
                .getGauge()
                .getDataPointsList()) {
          seen.merge(p.getAsInt(), 1, Integer::sum);
          values.add(p.getAsInt());
        }
        events.add(values);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
      return WRITTEN;
    }
  }

  static MetricData gauge(int points, int attributeChars) {
    List<LongPointData> list = new ArrayList<>();
    for (int i = 0; i < points; i++) {
      list.add(
          ImmutableLongPointData.create(
              1_000,
              2_000,
              Attributes.builder()
                  .put("sandbox.name", "sandbox-" + i + "x".repeat(attributeChars))
                  .build(),
              i));
    }
    return ImmutableMetricData.createLongGauge(
        RESOURCE, SCOPE, "g", "d", "By", ImmutableGaugeData.create(list));
  }

  static int encodedSize(MetricData metric) {
    LowAllocationMetricsRequestMarshaler marshaler = new LowAllocationMetricsRequestMarshaler();
    marshaler.initialize(List.of(metric));
    return marshaler.getBinarySerializedSize();
  }

  static Decoding write(int limit, MetricData... metrics) throws Exception {
    Decoding sink = new Decoding();
    EventBatcher.Outcome outcome = new EventBatcher(limit).write(List.of(metrics), sink);
    assertEquals(sink.sizes.size(), outcome.events);
    return sink;
  }

  static void everyPointOnce(Decoding sink, int points) {
    assertEquals(points, sink.seen.size(), "every point arrived");
    sink.seen.forEach((value, times) -> assertEquals(1, times, "point " + value));
  }

  @Test
  void pointsExactlyFillingTheLimitGoInOneEvent() throws Exception {
    MetricData metric = gauge(40, 10);
    Decoding sink = write(encodedSize(metric), metric);
    assertEquals(List.of(encodedSize(metric)), sink.sizes);
    everyPointOnce(sink, 40);
  }

  @Test
  void oneByteOverTakesTwoEvents() throws Exception {
    MetricData metric = gauge(40, 10);
    int limit = encodedSize(metric) - 1;
    Decoding sink = write(limit, metric);
    assertEquals(2, sink.sizes.size());
    sink.sizes.forEach(size -> assertTrue(size <= limit, size + " > " + limit));
    assertTrue(sink.sizes.get(0) > limit - 200, "the first event is filled: " + sink.sizes);
    everyPointOnce(sink, 40);
  }

  @Test
  void aPointLargerThanTheLimitGoesAloneAndOneAboveTheHardLimitIsDropped() throws Exception {
    List<LongPointData> points = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      int chars = i == 3 ? 5_000 : i == 7 ? 70_000 : 10;
      points.add(
          ImmutableLongPointData.create(
              1, 2, Attributes.builder().put("sandbox.name", "x".repeat(chars)).build(), i));
    }
    MetricData metric =
        ImmutableMetricData.createLongGauge(
            RESOURCE, SCOPE, "g", "d", "By", ImmutableGaugeData.create(points));
    Decoding sink = new Decoding();
    EventBatcher.Outcome outcome = new EventBatcher(4000).write(List.of(metric), sink);
    assertEquals(1, outcome.droppedPoints, "the 70 000-byte point");
    assertEquals(9, sink.seen.size());
    assertTrue(sink.seen.containsKey(3L) && !sink.seen.containsKey(7L));
    assertEquals(
        1,
        sink.sizes.stream().filter(size -> size > 4000).count(),
        "only the oversized point's own event is above the limit: " + sink.sizes);
    sink.seen.forEach((value, times) -> assertEquals(1, times));
  }

  @Test
  void tenThousandPointsOfSeveralMetrics() throws Exception {
    MetricData big = gauge(10_000, 0);
    MetricData small =
        ImmutableMetricData.createLongGauge(
            RESOURCE,
            SCOPE,
            "other",
            "d",
            "By",
            ImmutableGaugeData.create(
                List.of(ImmutableLongPointData.create(1, 2, Attributes.empty(), -1))));
    Decoding sink = write(4000, big, small);
    everyPointOnce(sink, 10_001);
    sink.sizes.forEach(size -> assertTrue(size <= 4000, size + " > 4000"));
    int total = sink.sizes.stream().mapToInt(Integer::intValue).sum();
    assertTrue(
        sink.sizes.size() <= total / 3600 + 2,
        "events are packed: " + sink.sizes.size() + " events for " + total + " bytes");
  }

  @Test
  void everyEventHoldsAsManyPointsAsFit() throws Exception {
    Random random = new Random(42);
    List<LongPointData> points = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) { // names from 1 to 400 characters: no two events alike
      points.add(
          ImmutableLongPointData.create(
              1,
              2,
              Attributes.builder()
                  .put("sandbox.name", "s".repeat(1 + random.nextInt(random.nextInt(400) + 1)))
                  .build(),
              i));
    }
    MetricData metric =
        ImmutableMetricData.createLongGauge(
            RESOURCE, SCOPE, "g", "d", "By", ImmutableGaugeData.create(points));
    for (int limit : new int[] {1_000, 4_000, 20_000, EventBatcher.HARD_LIMIT}) {
      Decoding sink = write(limit, metric);
      everyPointOnce(sink, points.size());
      for (List<Long> event : sink.events.subList(0, sink.events.size() - 1)) {
        int first = event.get(0).intValue();
        int next = event.get(event.size() - 1).intValue() + 1;
        assertEquals(event.size(), next - first, "an event holds consecutive points");
        MetricData withNext =
            ImmutableMetricData.createLongGauge(
                RESOURCE,
                SCOPE,
                "g",
                "d",
                "By",
                ImmutableGaugeData.create(points.subList(first, next + 1)));
        assertTrue(
            encodedSize(withNext) > limit,
            "limit "
                + limit
                + ": the point after "
                + event.size()
                + " points from "
                + first
                + " would have fit too");
      }
    }
  }
}
