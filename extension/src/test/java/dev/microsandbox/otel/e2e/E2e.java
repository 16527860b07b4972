package dev.microsandbox.otel.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Shared pieces of the end-to-end tests. */
public final class E2e {

  /**
   * The JDK every forked JVM runs on: the build's 22+ JDK, or, in the second end-to-end run, the
   * pre-22 JDK ({@code msb.e2e.java.home}).
   */
  public static final Path JAVA_HOME =
      Path.of(System.getProperty("msb.e2e.java.home", System.getProperty("java.home")));

  /** Whether this run is the one that must be on a JDK older than 22 (set by the build). */
  public static final boolean EXPECT_LEGACY_JDK = Boolean.getBoolean("msb.expect.legacy.jdk");

  /**
   * The sandbox metrics of a sample with every flag: msb-metrics' eleven and the three it omits.
   */
  public static final java.util.Set<String> SANDBOX_METRICS =
      java.util.Set.of(
          "microsandbox.cpu.time",
          "microsandbox.memory.available",
          "microsandbox.memory.host_resident",
          "microsandbox.cpu.utilization",
          "microsandbox.memory.usage",
          "microsandbox.memory.limit",
          "microsandbox.disk.bytes_read",
          "microsandbox.disk.bytes_written",
          "microsandbox.network.bytes_received",
          "microsandbox.network.bytes_sent",
          "microsandbox.upper.used",
          "microsandbox.upper.free",
          "microsandbox.upper.host_allocated",
          "microsandbox.uptime");

  private E2e() {}

  /** Environment for an agent exporting OTLP every 500 ms, for the registry of {@code home}. */
  public static Map<String, String> otlpEnv(
      Path extension, Path home, String protocol, String endpoint) {
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

  /**
   * Environment for an agent serving Prometheus on {@code port} of 127.0.0.1 for the registry of
   * {@code home}, its instrumentation off, with {@code more} added.
   */
  public static Map<String, String> prometheusEnv(
      Path extension, Path home, int port, String... more) {
    return with(
        with(
            otlpEnv(extension, home, "http/protobuf", "http://127.0.0.1:1"),
            "OTEL_METRICS_EXPORTER",
            "prometheus",
            "OTEL_EXPORTER_PROMETHEUS_HOST",
            "127.0.0.1",
            "OTEL_EXPORTER_PROMETHEUS_PORT",
            Integer.toString(port),
            "OTEL_INSTRUMENTATION_COMMON_DEFAULT_ENABLED",
            "false"),
        more);
  }

  /**
   * The feature version of the JDK at {@code javaHome}, from its {@code release} file; -1 if
   * unknown.
   */
  public static int feature(Path javaHome) {
    try {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("JAVA_VERSION=\"(?:1\\.)?(\\d+)")
              .matcher(java.nio.file.Files.readString(javaHome.resolve("release")));
      return m.find() ? Integer.parseInt(m.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /** The requests received so far that carry at least one point of sandbox {@code name}. */
  public static java.util.List<
          io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest>
      requestsAbout(OtlpReceiver receiver, String name) {
    return receiver.received().stream()
        .map(OtlpReceiver.Received::request)
        .filter(
            r ->
                Otlp.points(java.util.List.of(r)).stream()
                    .anyMatch(p -> name.equals(p.attributes().get("sandbox.name"))))
        .collect(java.util.stream.Collectors.toList());
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

  /** A TCP port nobody listens on right now. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * The agent's Prometheus endpoint on {@code port}, as text; empty when it does not answer.
   * HTTP/1.1: the JDK client's default HTTP/2 upgrade attempt sometimes got an empty body from the
   * exporter's server on a reused connection.
   */
  public static String scrape(int port) {
    try {
      return HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .build()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
