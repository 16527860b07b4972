package dev.microsandbox.otel.metrics.instruments;

import dev.microsandbox.otel.bench.BenchRegistry;
import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.metrics.export.ReleasingMetricReader;
import dev.microsandbox.otel.metrics.export.SandboxSeriesProducer;
import dev.microsandbox.otel.metrics.settings.MicrosandboxSettings;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.support.TimeSource;
import io.opentelemetry.exporter.internal.otlp.metrics.LowAllocationMetricsRequestMarshaler;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collection;
import java.util.Map;
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
 * One whole collection through the real SDK, wired as the agent wires it (the series producer
 * registered, the reader wrapped): registry pass, every sandbox series and the health callbacks for
 * {@code sandboxes} active sandboxes (1000 unless {@code -p sandboxes=...}), read by an in-memory
 * reader in the memory mode the agent's OTLP exporter uses, for each instrument set; and the same
 * collection marshalled as the OTLP request the agent's exporter sends. Targets at 1000: at most 2
 * ms and 64 KiB allocated per collection; at 4000, at most 4.5 times the cost at 1000.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CollectionBenchmark {

  /** OTEL_MICROSANDBOX_INSTRUMENTS. */
  @Param({"msb", "semconv", "both"})
  public String instruments;

  /** Active sandboxes in the registry. */
  @Param({"1000"})
  public int sandboxes;

  private final OutputStream discard = OutputStream.nullOutputStream();
  private final LowAllocationMetricsRequestMarshaler marshaler =
      new LowAllocationMetricsRequestMarshaler();

  private BenchRegistry registry;
  private SdkMeterProvider provider;
  private InMemoryMetricReader metricReader;
  private SandboxMetrics metrics;

  @Setup(Level.Trial)
  public void setUp() throws IOException, MicrosandboxSettings.Invalid {
    registry = new BenchRegistry(sandboxes);
    MicrosandboxSettings settings =
        MicrosandboxSettings.from(
            DefaultConfigProperties.createFromMap(
                Map.of(MicrosandboxSettings.INSTRUMENTS, instruments)),
            Map.of());
    metricReader = InMemoryMetricReader.builder().setMemoryMode(MemoryMode.REUSABLE_DATA).build();
    provider =
        SdkMeterProvider.builder()
            .registerMetricReader(new ReleasingMetricReader(metricReader, () -> {}))
            .registerMetricProducer(new SandboxSeriesProducer(() -> metrics))
            .build();
    metrics =
        new SandboxMetrics(
            provider,
            new RegistryReader(registry.file, RegistryReader.Options.DEFAULTS, TimeSource.SYSTEM),
            labels(),
            settings.attributes(),
            new ExportStats(),
            true);
  }

  /** The label source under test; {@link LabeledCollectionBenchmark} swaps in the catalog. */
  LabelSource labels() throws IOException {
    return LabelSource.NONE;
  }

  /** Identity attributes, plus labels where the subclass adds them. */
  int expectedAttributes() {
    return 2;
  }

  @Setup(Level.Iteration)
  public void freshSamples() throws InterruptedException {
    registry.refresh();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (attributesOfFirstPoint() != expectedAttributes() && System.nanoTime() < deadline) {
      Thread.sleep(100); // labels: the catalog's first answer may come after the first collection
    }
    var usage =
        metricReader.collectAllMetrics().stream()
            .filter(m -> m.getName().equals("microsandbox.memory.limit"))
            .findFirst()
            .orElseThrow();
    if (usage.getData().getPoints().size() != sandboxes) {
      throw new IllegalStateException(
          "expected "
              + sandboxes
              + " sandboxes per collection, got "
              + usage.getData().getPoints().size());
    }
    long counterPoints =
        metricReader.collectAllMetrics().stream()
            .filter(m -> m.getName().equals("container.network.io"))
            .mapToLong(m -> m.getData().getPoints().size())
            .sum();
    if (counterPoints != (instruments.equals("msb") ? 0 : 2L * sandboxes)) {
      throw new IllegalStateException(
          "expected the counters of every sandbox, got " + counterPoints);
    }
    int attributes = usage.getData().getPoints().iterator().next().getAttributes().size();
    if (attributes != expectedAttributes()) {
      throw new IllegalStateException(
          "expected " + expectedAttributes() + " attributes, got " + attributes);
    }
  }

  private int attributesOfFirstPoint() {
    return metricReader.collectAllMetrics().stream()
        .filter(m -> m.getName().equals("microsandbox.memory.limit"))
        .findFirst()
        .map(m -> m.getData().getPoints().iterator().next().getAttributes().size())
        .orElse(0);
  }

  @Benchmark
  public Collection<MetricData> collect() {
    return metricReader.collectAllMetrics();
  }

  /** The collection and its OTLP request, as the agent's exporter marshals it by default. */
  @Benchmark
  public int collectAndMarshal() throws IOException {
    marshaler.initialize(metricReader.collectAllMetrics());
    try {
      marshaler.writeBinaryTo(discard);
      return marshaler.getBinarySerializedSize();
    } finally {
      marshaler.reset();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    metrics.close();
    provider.close();
    registry.close();
  }
}
