package dev.microsandbox.otel.metrics.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.metrics.series.InstrumentSet;
import dev.microsandbox.otel.metrics.series.MetricsScope;
import dev.microsandbox.otel.metrics.series.SandboxAttributes;
import dev.microsandbox.otel.metrics.series.SandboxFilter;
import dev.microsandbox.otel.metrics.series.SeriesSelection;
import dev.microsandbox.otel.otlp.MetricsRequestEncoder;
import dev.microsandbox.otel.otlp.NumberColumns;
import dev.microsandbox.otel.otlp.ProtoOutput;
import dev.microsandbox.otel.registry.SandboxSample;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.internal.marshal.Marshaler;
import io.opentelemetry.exporter.internal.otlp.metrics.LowAllocationMetricsRequestMarshaler;
import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.resources.Resource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sandbox points as columns: our encoder reads the columns and must write what the SDK's
 * marshalers write from the same points read as objects; the objects show the columns.
 */
class PointColumnsTest {

  static final long T0 = 1_800_000_000_000L;
  static final SeriesSelection BOTH = new SeriesSelection(InstrumentSet.BOTH, false, List.of());

  private final SandboxAttributes attributes =
      new SandboxAttributes(true, true, BOTH, SandboxFilter.ALL);
  private final MetricDataBuilder builder = new MetricDataBuilder(BOTH.enabled());
  private final MetricsRequestEncoder encoder = new MetricsRequestEncoder();

  @Test
  void sandboxSeriesReadFromColumnsEncodeByteForByteAsTheSdksMarshalersEncodeThem()
      throws IOException {
    for (long at : new long[] {T0, T0 + 1_000}) { // the second fills the reset columns again
      List<MetricData> metrics = fill(at);
      assertTrue(metrics.size() > 20, "every series of both sets: " + metrics.size());
      for (MetricData metric : metrics) {
        assertTrue(metric.getData().getPoints() instanceof NumberColumns, metric.getName());
      }
      ProtoOutput out = new ProtoOutput(64);
      assertTrue(encoder.encode(metrics, out));
      byte[] ours = Arrays.copyOf(out.array(), out.length());
      assertArrayEquals(bytes(MetricsRequestMarshaler.create(metrics)), ours, "immutable-data");
      LowAllocationMetricsRequestMarshaler reusable = new LowAllocationMetricsRequestMarshaler();
      reusable.initialize(metrics);
      assertArrayEquals(bytes(reusable), ours, "reusable-data");
    }
  }

  @Test
  void pointObjectsShowTheColumnsAndAreSetAgainAfterAReset() {
    PointColumns longs = new PointColumns(false);
    Attributes alpha = Attributes.builder().put("sandbox.name", "alpha").build();
    longs.addLong(1, 2, alpha, -7);
    PointData first = longs.get(0);
    assertEquals(List.of(1L, 2L, alpha, -7L), fields(first));
    assertThrows(IndexOutOfBoundsException.class, () -> longs.get(1));
    assertThrows(UnsupportedOperationException.class, () -> longs.add(first), "read-only");

    longs.reset();
    assertEquals(0, longs.size());
    longs.addLong(3, 4, Attributes.empty(), Long.MIN_VALUE);
    assertSame(first, longs.get(0), "the same object, set again");
    assertEquals(List.of(3L, 4L, Attributes.empty(), Long.MIN_VALUE), fields(first));

    PointColumns doubles = new PointColumns(true);
    for (int i = 0; i < 40; i++) { // past the arrays' first size
      doubles.addDouble(i, i + 1, alpha, i == 39 ? -0.0 : i / 4.0);
    }
    assertEquals(40, doubles.size());
    assertEquals(List.of(10L, 11L, alpha, 2.5), fields(doubles.get(10)));
    assertEquals(
        Double.doubleToRawLongBits(-0.0),
        Double.doubleToRawLongBits(((DoublePointData) doubles.get(39)).getValue()));
  }

  private static List<Object> fields(PointData point) {
    return List.of(
        point.getStartEpochNanos(),
        point.getEpochNanos(),
        point.getAttributes(),
        point instanceof LongPointData
            ? (Object) ((LongPointData) point).getValue()
            : (Object) ((DoublePointData) point).getValue());
  }

  /** Twenty sandboxes with every figure set, at {@code at}; the builder's metrics. */
  private List<MetricData> fill(long at) {
    builder.clear();
    for (int i = 0; i < 20; i++) {
      long k = at - T0 + i;
      SandboxSample sample =
          new SandboxSample()
              .identity(i + 1, 100 + i, 4000 + i, "sandbox-" + i)
              .times(T0 - 60_000 - i, at + i)
              .flags(~0)
              .cpu(12.5f + i, k * 1_000_000L)
              .memory(1L << 30, k + 1, 2 * k, 3 * k)
              .io(k, 2 * k, 3 * k, 4 * k)
              .upper(5 * k, 6 * k, 7 * k);
      builder.add(sample, attributes.ifReported(sample, Map.of("team", "t" + i % 3)));
    }
    List<MetricData> metrics = new ArrayList<>();
    builder.addMetrics(Resource.getDefault(), MetricsScope.INFO, metrics);
    return metrics;
  }

  private static byte[] bytes(Marshaler marshaler) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    marshaler.writeBinaryTo(out);
    return out.toByteArray();
  }
}
