package dev.microsandbox.otel.bench;

import dev.microsandbox.otel.registry.RegistryAccess;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.support.TimeSource;
import java.io.IOException;
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
 * One full registry pass: 1024 slots, 1000 active sandboxes decoded with the default guards (owner
 * probe, 30 s maximum sample age), through each reader: {@code ffm} (a mapping, Java 22+), {@code
 * native} (libc's mmap, the macOS reader, Java 22+) and {@code buffer} (the positional reads Java
 * 11–21 use, which map nothing). Target: 0 bytes allocated per scan; the time is compared between
 * the readers in one window (docs/performance).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RegistryScanBenchmark {

  /** Which reader; {@code ffm} and {@code native} need the 22+ JDK the benchmarks run on. */
  @Param({"ffm", "native", "buffer"})
  public String access;

  private BenchRegistry registry;
  private RegistryReader reader;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    registry = new BenchRegistry(1000);
    reader =
        new RegistryReader(
            registry.file,
            RegistryReader.Options.DEFAULTS.with(RegistryAccess.parse(access)),
            TimeSource.SYSTEM);
  }

  @Setup(Level.Iteration)
  public void freshSamples() {
    registry.refresh();
    int seen = reader.read(false).size();
    if (seen != 1000) {
      throw new IllegalStateException("expected 1000 active sandboxes, read " + seen);
    }
  }

  @Benchmark
  public int scan1000Active() {
    RegistrySnapshot snapshot = reader.read(false);
    return snapshot.size();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    reader.close();
    registry.close();
  }
}
