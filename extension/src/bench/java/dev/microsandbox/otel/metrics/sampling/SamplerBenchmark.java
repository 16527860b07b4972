package dev.microsandbox.otel.metrics.sampling;

import dev.microsandbox.otel.bench.BenchRegistry;
import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.metrics.data.MetricDataBuilder;
import dev.microsandbox.otel.metrics.series.MetricsScope;
import dev.microsandbox.otel.metrics.series.SandboxAttributes;
import dev.microsandbox.otel.metrics.series.SeriesSelection;
import dev.microsandbox.otel.otlp.MetricsRequestEncoder;
import dev.microsandbox.otel.otlp.ProtoOutput;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.support.TimeSource;
import io.opentelemetry.exporter.internal.otlp.metrics.LowAllocationMetricsRequestMarshaler;
import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sampling on a period: one sampler pass over 1000 active sandboxes that all have a new sample,
 * copying them into the outage buffer (target: 60 µs, 0 B), with the registry writer's own cost
 * measured apart ({@code publishOnly}); and one export's worth of buffered samples, 10 collections
 * of 1000 sandboxes, turned into metric data and marshalled to OTLP protobuf in the requests the
 * exporter sends, by either of the SDK's marshalers (target: under 50 ms).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SamplerBenchmark {

  private BenchRegistry registry;
  private SandboxSampler sampler;
  private SampleBuffer buffer;
  private RegistryReader reader;
  private SampleBuffer tenCollections;
  private long sampledAt;
  private final OutputStream discard = OutputStream.nullOutputStream();
  private final MetricsRequestEncoder encoder = new MetricsRequestEncoder();
  private final ProtoOutput encoded = new ProtoOutput(64 << 10);
  private final LowAllocationMetricsRequestMarshaler lowAllocation =
      new LowAllocationMetricsRequestMarshaler();
  private MetricDataBuilder reusedPoints;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    registry = new BenchRegistry(1000);
    buffer = new SampleBuffer(60, SeriesSelection.DEFAULT.enabled());
    sampler = sampler(buffer);
    reader = new RegistryReader(registry.file, RegistryReader.Options.DEFAULTS, TimeSource.SYSTEM);
    sampledAt = System.currentTimeMillis();
    tenCollections = new SampleBuffer(10, SeriesSelection.DEFAULT.enabled());
    reusedPoints = tenCollections.newPoints();
    try (SandboxSampler filler = sampler(tenCollections)) {
      for (int i = 0; i < 10; i++) {
        registry.refresh(++sampledAt);
        filler.pass();
      }
    }
    if (tenCollections.bufferedSamples() != 10_000) {
      throw new IllegalStateException(
          "expected 10 000 buffered samples: " + tenCollections.bufferedSamples());
    }
  }

  private SandboxSampler sampler(SampleBuffer into) {
    return new SandboxSampler(
        new RegistryReader(registry.file, RegistryReader.Options.DEFAULTS, TimeSource.SYSTEM),
        LabelSource.NONE,
        new SandboxAttributes(false, false),
        into);
  }

  @Benchmark
  public long publishOnly() {
    registry.refresh(++sampledAt);
    return sampledAt;
  }

  @Benchmark
  public int publishAndRead() {
    registry.refresh(++sampledAt);
    return reader.read(false).size();
  }

  @Benchmark
  public long publishAndSample() {
    registry.refresh(++sampledAt);
    sampler.pass();
    return buffer.head();
  }

  /**
   * The export as requests of at most {@link SampleBuffer#MAX_SAMPLES_PER_REQUEST} samples, as an
   * exporter in the immutable-data memory mode gets it: new points, the SDK's immutable-data
   * marshaler.
   */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int exportTenCollectionsAsOtlp() throws IOException {
    return exportInRequests(
        tenCollections::newPoints,
        metrics -> {
          MetricsRequestMarshaler request = MetricsRequestMarshaler.create(metrics);
          request.writeBinaryTo(discard);
          return request.getBinarySerializedSize();
        });
  }

  /**
   * What the sidecar does: the export as requests of at most {@link
   * SampleBuffer#MAX_SAMPLES_PER_REQUEST} samples, one set of points reused, marshalled by the
   * reusable-data marshaler the SDK's OTLP exporters use by default.
   */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int exportTenCollectionsInRequests() throws IOException {
    return exportInRequests(
        () -> reusedPoints,
        metrics -> {
          lowAllocation.initialize(metrics);
          lowAllocation.writeBinaryTo(discard);
          int bytes = lowAllocation.getBinarySerializedSize();
          lowAllocation.reset();
          return bytes;
        });
  }

  /**
   * What the sidecar does since 2026-12-05: the same requests, one set of points reused, encoded by
   * our encoder ({@link MetricsRequestEncoder}: each attribute set once) instead of the SDK's
   * marshaler, and written out as the sender writes the body.
   */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int exportTenCollectionsEncoded() throws IOException {
    return exportInRequests(
        () -> reusedPoints,
        metrics -> {
          if (!encoder.encode(metrics, encoded)) {
            throw new IllegalStateException("declined");
          }
          discard.write(encoded.array(), 0, encoded.length());
          return encoded.length();
        });
  }

  /** The drain alone: the same requests' points, reused, not encoded. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int drainTenCollections() throws IOException {
    return exportInRequests(() -> reusedPoints, List::size);
  }

  /** One request's metrics, marshalled; its size in bytes. */
  private interface Marshal {
    int bytes(List<MetricData> metrics) throws IOException;
  }

  /** The ten buffered collections drained request by request into {@code points}, marshalled. */
  private int exportInRequests(Supplier<MetricDataBuilder> points, Marshal marshal)
      throws IOException {
    int bytes = 0;
    for (long position = 0; position < tenCollections.head(); ) {
      SampleBuffer.Drained drained =
          tenCollections.drain(
              position, Long.MAX_VALUE, points.get(), Resource.getDefault(), MetricsScope.INFO);
      bytes += marshal.bytes(drained.metrics);
      position = drained.end;
    }
    return bytes;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    sampler.close();
    registry.close();
  }
}
