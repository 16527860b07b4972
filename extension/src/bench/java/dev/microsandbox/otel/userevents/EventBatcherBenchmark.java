package dev.microsandbox.otel.userevents;

import dev.microsandbox.otel.bench.BenchRegistry;
import dev.microsandbox.otel.metrics.instruments.BenchCollection;
import io.opentelemetry.exporter.internal.otlp.metrics.LowAllocationMetricsRequestMarshaler;
import io.opentelemetry.sdk.metrics.data.MetricData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code user_events} export of 1000 sandboxes × the 11 gauges of msb-metrics (11 000 points,
 * collected once through the real SDK from a real registry) encoded and batched into a sink that
 * only counts: at the default limit, at the hard limit, and one point per event (limit 1: every
 * point goes alone, as the Rust exporter writes them). Target at the default limit: at most 2 ms
 * per export and 64 B allocated per point. The baseline is the same export encoded as one OTLP
 * request by the same marshaler, which is what the agent's OTLP exporter spends on it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EventBatcherBenchmark {

  /** Points per export: 1000 sandboxes × 11 gauges. */
  static final int POINTS = 11_000;

  /** The export: what one collection of the 11 gauges of 1000 sandboxes hands an exporter. */
  @State(Scope.Benchmark)
  public static class Export {
    Collection<MetricData> metrics;

    @Setup(Level.Trial)
    public void collect() throws Exception {
      try (BenchRegistry registry = new BenchRegistry(1000)) {
        metrics = BenchCollection.msbGauges(registry, 1000);
      }
      if (metrics.size() * 1000 != POINTS) {
        throw new IllegalStateException(
            "expected 11 gauges × 1000 sandboxes, got " + metrics.size());
      }
    }
  }

  /** A batcher at one limit, writing into a sink that counts. */
  @State(Scope.Thread)
  public static class Batching {
    /** OTEL_EXPORTER_USER_EVENTS_MAX_EVENT_BYTES; 1 = one point per event. */
    @Param({"4000", "65360", "1"})
    public int maxEventBytes;

    EventBatcher batcher;
    final CountingSink sink = new CountingSink();

    @Setup(Level.Trial)
    public void create() {
      batcher = new EventBatcher(maxEventBytes);
    }

    /** Prints what one export produced, for the README's event counts. */
    @TearDown(Level.Trial)
    public void report(Export export) throws IOException {
      CountingSink one = new CountingSink();
      batcher.write(export.metrics, one);
      System.out.printf(
          "%nmaxEventBytes=%d: %d events per export, %d bytes of payload%n",
          maxEventBytes, one.events, one.bytes);
    }
  }

  /** Counts events and bytes, writes nothing. */
  static final class CountingSink implements EventBatcher.Sink {
    long events;
    long bytes;

    @Override
    public int write(byte[] payload, int length) {
      events++;
      bytes += length;
      return WRITTEN;
    }
  }

  /** The marshaler and output of the baseline. */
  @State(Scope.Thread)
  public static class OneRequest {
    final LowAllocationMetricsRequestMarshaler marshaler =
        new LowAllocationMetricsRequestMarshaler();
    final ByteArrayOutputStream output = new ByteArrayOutputStream(2 << 20);
  }

  @Benchmark
  public int batchedExport(Export export, Batching batching) throws IOException {
    return batching.batcher.write(export.metrics, batching.sink).events;
  }

  @Benchmark
  public int baselineOneOtlpRequest(Export export, OneRequest request) throws IOException {
    request.marshaler.reset();
    request.marshaler.initialize(export.metrics);
    request.output.reset();
    request.marshaler.writeBinaryTo(request.output);
    return request.output.size();
  }
}
