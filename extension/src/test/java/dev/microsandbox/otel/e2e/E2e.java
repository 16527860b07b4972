package dev.microsandbox.otel.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Shared pieces of the end-to-end tests. */
public final class E2e {

  /** The JDK the build runs tests on (22+, from the toolchain). */
  public static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));
  /** The eleven sandbox metrics of msb-metrics. */
  public static final java.util.Set<String> SANDBOX_METRICS = java.util.Set.of(
      "microsandbox.cpu.utilization", "microsandbox.memory.usage", "microsandbox.memory.limit",
      "microsandbox.disk.bytes_read", "microsandbox.disk.bytes_written",
      "microsandbox.network.bytes_received", "microsandbox.network.bytes_sent",
      "microsandbox.upper.used", "microsandbox.upper.free", "microsandbox.upper.host_allocated",
      "microsandbox.uptime");

  private E2e() {}

  /** Environment for an agent exporting OTLP every 500 ms, for the registry of {@code home}. */
  public static Map<String, String> otlpEnv(Path extension, Path home, String protocol, String endpoint) {
    Map<String, String> env = new HashMap<>();
    if (extension != null) {
      env.put("OTEL_JAVAAGENT_EXTENSIONS", extension.toAbsolutePath().toString());
    }
    env.put("MSB_HOME", home.toString());
    env.put("OTEL_METRICS_EXPORTER", "otlp");
    env.put("OTEL_TRACES_EXPORTER", "none");
    env.put("OTEL_LOGS_EXPORTER", "none");
    env.put("OTEL_EXPORTER_OTLP_PROTOCOL", protocol);
    env.put("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint);
    env.put("OTEL_METRIC_EXPORT_INTERVAL", "500");
    return env;
  }

  /** Waits up to {@code timeout} for {@code condition}; fails with {@code state} otherwise. */
  public static void await(Duration timeout, BooleanSupplier condition, Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout + ": " + state.get());
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  /** A mutable copy of {@code env} with {@code more} added. */
  public static Map<String, String> with(Map<String, String> env, String... more) {
    Map<String, String> copy = new HashMap<>(env);
    for (int i = 0; i < more.length; i += 2) {
      copy.put(more[i], more[i + 1]);
    }
    return copy;
  }
}
