package dev.microsandbox.otel.otlp;

import static io.opentelemetry.api.common.AttributeKey.booleanArrayKey;
import static io.opentelemetry.api.common.AttributeKey.doubleArrayKey;
import static io.opentelemetry.api.common.AttributeKey.longArrayKey;
import static io.opentelemetry.api.common.AttributeKey.stringArrayKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.exporter.internal.marshal.Marshaler;
import io.opentelemetry.exporter.internal.otlp.metrics.LowAllocationMetricsRequestMarshaler;
import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableGaugeData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableLongExemplarData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableLongPointData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableMetricData;
import io.opentelemetry.sdk.metrics.internal.data.ImmutableSumData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsRequestEncoderTest {

  /** Every kind of attribute value the SDK encodes, including the awkward strings. */
  static final Attributes EVERY_KIND =
      Attributes.builder()
          .put("sandbox.name", "web-1")
          .put("sandbox.id", 42L)
          .put("ok", true)
          .put("ratio", 0.25)
          .put("empty", "")
          .put("", "an empty key")
          .put("non-ascii", "k\u00e9\u4e16\ud83d\ude00")
          .put("lone surrogate", "a\ud800b")
          .put(stringArrayKey("args"), List.of("java", "", "-jar"))
          .put(longArrayKey("ports"), List.of(80L, -1L))
          .put(doubleArrayKey("weights"), List.of(0.5, -0.0))
          .put(booleanArrayKey("flags"), List.of(true, false))
          .build();

  static final Resource RESOURCE =
      Resource.getDefault()
          .merge(
              Resource.create(
                  Attributes.builder()
                      .put("service.name", "microsandbox")
                      .put(stringArrayKey("process.command_args"), List.of("java", "-jar", "x"))
                      .build(),
                  "https://opentelemetry.io/schemas/1.24.0"));

  private final MetricsRequestEncoder encoder = new MetricsRequestEncoder();

  @Test
  void oneScopeIsEncodedByteForByteAsTheSdksMarshalersEncodeIt() throws IOException {
    Collection<MetricData> metrics = collect(false, true);
    byte[] ours = encode(metrics);
    assertArrayEquals(immutableMarshaler(metrics), ours, "the immutable-data marshaler's bytes");
    assertArrayEquals(reusableMarshaler(metrics), ours, "the reusable-data marshaler's bytes");
    assertEquals(
        6,
        ExportMetricsServiceRequest.parseFrom(ours)
            .getResourceMetrics(0)
            .getScopeMetrics(0)
            .getMetricsCount());
  }

  @Test
  void severalScopesAndDeltaSumsDecodeToWhatTheSdkSends() throws IOException {
    for (boolean delta : new boolean[] {false, true}) {
      Collection<MetricData> metrics = collect(delta, false);
      ExportMetricsServiceRequest ours = ExportMetricsServiceRequest.parseFrom(encode(metrics));
      assertEquals(
          sorted(ExportMetricsServiceRequest.parseFrom(immutableMarshaler(metrics))),
          sorted(ours),
          "delta " + delta);
      assertEquals(2, ours.getResourceMetrics(0).getScopeMetricsCount());
    }
  }

  @Test
  void aRequestWithNothingIsEmpty() throws IOException {
    assertEquals(0, encode(List.of()).length);
  }

  @Test
  void declinesWhatItDoesNotEncode() {
    InMemoryMetricReader reader = InMemoryMetricReader.create();
    SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader).build();
    provider.get("s").histogramBuilder("latency").build().record(3.0);
    provider.get("s").counterBuilder("c").build().add(1);
    ProtoOutput out = new ProtoOutput(16);
    assertFalse(encoder.encode(reader.collectAllMetrics(), out), "a histogram");

    ImmutableLongPointData withExemplar =
        (ImmutableLongPointData)
            ImmutableLongPointData.create(
                1,
                2,
                Attributes.empty(),
                5,
                List.of(
                    ImmutableLongExemplarData.create(
                        Attributes.empty(), 2, SpanContext.getInvalid(), 5)));
    MetricData sum =
        ImmutableMetricData.createLongSum(
            RESOURCE,
            InstrumentationScopeInfo.create("s"),
            "c",
            "",
            "1",
            ImmutableSumData.create(
                true, AggregationTemporality.CUMULATIVE, List.of(withExemplar)));
    assertFalse(encoder.encode(List.of(sum), out), "an exemplar");
    assertTrue(encoder.encode(collect(false, true), out), "and then what it does encode");
  }

  @Test
  void keepsOnlyTheAttributeSetsRecentRequestsUsed() {
    ProtoOutput out = new ProtoOutput(16);
    for (int request = 0; request < 40; request++) {
      assertTrue(encoder.encode(List.of(gauge(request, 1000)), out));
      assertTrue(
          encoder.setsKept() <= 2 * (4096 + 1000),
          "sets kept of 40,000 made: " + encoder.setsKept());
    }
  }

  @Test
  void theBufferKeepsAnEighthMoreThanTheLargestRequestNotTwiceIt() {
    ProtoOutput out = new ProtoOutput(16);
    assertTrue(encoder.encode(List.of(gauge(0, 1000)), out));
    int first = out.length();
    assertEquals(first + first / 8, out.capacity(), "for a request of " + first + " bytes");
    assertTrue(encoder.encode(List.of(gauge(0, 1010)), out));
    assertTrue(out.length() > first, out.length() + " after " + first);
    assertEquals(first + first / 8, out.capacity(), "a request within the eighth: the same array");
    assertTrue(encoder.encode(List.of(gauge(0, 1500)), out));
    int third = out.length();
    assertEquals(third + third / 8, out.capacity(), "for a request of " + third + " bytes");
  }

  /** A gauge of {@code points} points, each with its own attribute set of request {@code tag}. */
  static MetricData gauge(int tag, int points) {
    List<LongPointData> data = new ArrayList<>();
    for (int i = 0; i < points; i++) {
      data.add(
          ImmutableLongPointData.create(
              1, 2, Attributes.builder().put("request", tag).put("i", i).build(), i));
    }
    return ImmutableMetricData.createLongGauge(
        RESOURCE,
        InstrumentationScopeInfo.create("s"),
        "g",
        "",
        "1",
        ImmutableGaugeData.create(data));
  }

  /**
   * One collection of every number instrument the SDK has, with {@link #EVERY_KIND} among their
   * attributes, from one scope or from two.
   */
  static Collection<MetricData> collect(boolean delta, boolean oneScope) {
    InMemoryMetricReader reader =
        delta ? InMemoryMetricReader.createDelta() : InMemoryMetricReader.create();
    SdkMeterProvider provider =
        SdkMeterProvider.builder().setResource(RESOURCE).registerMetricReader(reader).build();
    Meter a =
        provider
            .meterBuilder("microsandbox-metrics-collector")
            .setInstrumentationVersion("0.7.0")
            .setSchemaUrl("https://opentelemetry.io/schemas/1.24.0")
            .build();
    Meter b = oneScope ? a : provider.get("other");
    a.counterBuilder("microsandbox.collector.exports.success")
        .setDescription("Exports that succeeded")
        .setUnit("{export}")
        .build()
        .add(5, EVERY_KIND);
    a.upDownCounterBuilder("queue").ofDoubles().build().add(-2.5, Attributes.empty());
    a.gaugeBuilder("microsandbox.cpu.utilization")
        .setUnit("1")
        .buildWithCallback(
            m -> {
              m.record(1.5, EVERY_KIND);
              m.record(0.0, Attributes.builder().put("sandbox.name", "idle").build());
            });
    b.gaugeBuilder("microsandbox.memory.usage")
        .ofLongs()
        .setUnit("By")
        .buildWithCallback(
            m -> {
              m.record(Long.MAX_VALUE, EVERY_KIND);
              m.record(0, Attributes.empty());
              m.record(-1, Attributes.builder().put("sandbox.id", 7L).build());
            });
    b.gaugeBuilder("level").ofLongs().build().set(3);
    b.counterBuilder("bytes").ofDoubles().build().add(0.125, EVERY_KIND);
    return reader.collectAllMetrics();
  }

  private byte[] encode(Collection<MetricData> metrics) {
    ProtoOutput out = new ProtoOutput(16);
    assertTrue(encoder.encode(metrics, out));
    byte[] bytes = new byte[out.length()];
    System.arraycopy(out.array(), 0, bytes, 0, bytes.length);
    return bytes;
  }

  private static byte[] immutableMarshaler(Collection<MetricData> metrics) throws IOException {
    return bytes(MetricsRequestMarshaler.create(metrics));
  }

  private static byte[] reusableMarshaler(Collection<MetricData> metrics) throws IOException {
    LowAllocationMetricsRequestMarshaler marshaler = new LowAllocationMetricsRequestMarshaler();
    marshaler.initialize(metrics);
    return bytes(marshaler);
  }

  private static byte[] bytes(Marshaler marshaler) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    marshaler.writeBinaryTo(out);
    return out.toByteArray();
  }

  /** The request with its scopes and metrics in name order (the SDK groups in hash order). */
  static ExportMetricsServiceRequest sorted(ExportMetricsServiceRequest request) {
    ExportMetricsServiceRequest.Builder sorted = request.toBuilder().clearResourceMetrics();
    for (ResourceMetrics resource : request.getResourceMetricsList()) {
      List<ScopeMetrics> scopes = new ArrayList<>();
      for (ScopeMetrics scope : resource.getScopeMetricsList()) {
        List<Metric> metrics = new ArrayList<>(scope.getMetricsList());
        metrics.sort(Comparator.comparing(Metric::getName));
        scopes.add(scope.toBuilder().clearMetrics().addAllMetrics(metrics).build());
      }
      scopes.sort(Comparator.comparing(s -> s.getScope().getName()));
      sorted.addResourceMetrics(
          resource.toBuilder().clearScopeMetrics().addAllScopeMetrics(scopes));
    }
    return sorted.build();
  }
}
