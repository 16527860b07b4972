package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 3,000 sandboxes in a 4,096-slot registry, past the SDK's cardinality limit of 2,000 series per
 * instrument: every sandbox is in every series of an application's export, by OTLP (configured by
 * variables on the pinned agent and the oldest 2.x, and by a declarative file) and by Prometheus,
 * with no overflow point and no cardinality line in the log.
 */
public class AgentScaleIT {

  public static final int SANDBOXES = 3000;
  static final int CAPACITY = 4096;
  static final String OVERFLOW = "otel.metric.overflow";

  @TempDir Path home;
  @TempDir Path logs;

  LiveRegistry fullRegistry() throws Exception {
    return fullRegistry(home);
  }

  /** The registry of {@code home}, with {@link #SANDBOXES} sandboxes named sb-1, sb-2, .... */
  public static LiveRegistry fullRegistry(Path home) throws Exception {
    LiveRegistry registry = new LiveRegistry(home, CAPACITY);
    for (int id = 1; id <= SANDBOXES; id++) {
      registry.start(id, id, "sb-" + id);
    }
    return registry;
  }

  @ParameterizedTest(name = "agent {0}")
  @ValueSource(strings = {"pinned", "2.0.0"})
  void everySandboxIsInEveryOtlpSeries(String agent) throws Exception {
    AgentCompatibilityIT.assumeStartsOnTheJdkUnderTest(AgentJvm.agent(agent));
    try (LiveRegistry registry = fullRegistry();
        OtlpReceiver receiver = OtlpReceiver.http()) {
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", receiver.endpoint()),
              "OTEL_METRIC_EXPORT_INTERVAL",
              "3000",
              "OTEL_MICROSANDBOX_INSTRUMENTS",
              "both");
      try (AgentJvm jvm =
          AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agent(agent), env, logs.resolve(agent))) {
        assertEverySandboxExported(receiver, jvm, true);
      }
    }
  }

  @Test
  void everySandboxIsInEveryOtlpSeriesUnderADeclarativeFile() throws Exception {
    try (LiveRegistry registry = fullRegistry();
        OtlpReceiver receiver = OtlpReceiver.http()) {
      Path yaml =
          new DeclarativeYaml()
              .otlp(receiver.endpoint(), 3000)
              .set("home", home.toString())
              .set("instruments", "both")
              .write(logs);
      try (AgentJvm jvm =
          AgentJvm.start(
              E2e.JAVA_HOME,
              AgentJvm.agent("newest"),
              AgentDeclarativeIT.fileEnv(yaml),
              logs.resolve("declarative"))) {
        assertEverySandboxExported(receiver, jvm, true);
      }
    }
  }

  @Test
  void everySandboxIsInEveryPrometheusSeries() throws Exception {
    int port = E2e.freePort();
    try (LiveRegistry registry = fullRegistry()) {
      Map<String, String> env =
          E2e.prometheusEnv(
              AgentJvm.extensionJar(), home, port, "OTEL_MICROSANDBOX_INSTRUMENTS", "both");
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs)) {
        AtomicReference<Map<String, Set<String>>> sandboxesByFamily = new AtomicReference<>();
        AtomicReference<String> body = new AtomicReference<>("");
        E2e.await(
            Duration.ofSeconds(120),
            () -> {
              body.set(E2e.scrape(port));
              sandboxesByFamily.set(sandboxesBySeries(body.get()));
              Set<String> usage = sandboxesByFamily.get().get("microsandbox_memory_usage_bytes");
              return usage != null && usage.size() == SANDBOXES;
            },
            () -> "microsandbox_memory_usage_bytes: " + sandboxesByFamily.get());
        String text = body.get();
        assertFalse(text.contains("otel_metric_overflow"), "an overflow series is served");
        sandboxesByFamily
            .get()
            .forEach((family, sandboxes) -> assertEquals(SANDBOXES, sandboxes.size(), family));
        assertTrue(
            sandboxesByFamily.get().keySet().containsAll(PROMETHEUS_FAMILIES),
            sandboxesByFamily.get().keySet().toString());
        String stderr = jvm.stderr();
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
        assertFalse(stderr.contains("cardinality"), stderr);
      }
    }
  }

  /** Some families of each set and kind, as Prometheus names them. */
  static final Set<String> PROMETHEUS_FAMILIES =
      Set.of(
          "microsandbox_memory_usage_bytes",
          "microsandbox_cpu_utilization",
          "microsandbox_uptime_seconds",
          "container_cpu_time_seconds_total",
          "container_memory_usage_bytes",
          "container_network_io_bytes_total");

  private static final Pattern SAMPLE =
      Pattern.compile(
          "^([a-z_]+)\\{[^}]*(?:sandbox_name|container_name)=\"(sb-\\d+)\"", Pattern.MULTILINE);

  /** The sandboxes of each series of a Prometheus scrape. */
  static Map<String, Set<String>> sandboxesBySeries(String text) {
    Map<String, Set<String>> bySeries = new TreeMap<>();
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      bySeries.computeIfAbsent(m.group(1), k -> new java.util.HashSet<>()).add(m.group(2));
    }
    return bySeries;
  }

  /**
   * Waits until the sandbox series of one request ({@code perRequest}), or of all requests so far
   * (a sidecar sends each export's buffered samples in several), have a point for every sandbox in
   * every series, then checks that none is an overflow point and that the log has no cardinality
   * line. Stops the JVM.
   */
  public static void assertEverySandboxExported(
      OtlpReceiver receiver, AgentJvm jvm, boolean perRequest) throws Exception {
    AtomicReference<Map<String, Set<String>>> seen = new AtomicReference<>(Map.of());
    E2e.await(
        Duration.ofSeconds(120),
        () -> {
          List<ExportMetricsServiceRequest> received = AgentOtlpIT.requests(receiver);
          List<List<ExportMetricsServiceRequest>> candidates =
              perRequest ? received.stream().map(List::of).toList() : List.of(received);
          for (List<ExportMetricsServiceRequest> requests : candidates) {
            seen.set(sandboxesByMetric(requests));
            if (seen.get().keySet().containsAll(E2e.SANDBOX_METRICS)
                && seen.get().values().stream().allMatch(names -> names.size() == SANDBOXES)) {
              return true;
            }
          }
          return false;
        },
        () -> {
          Map<String, Integer> counts = new TreeMap<>();
          seen.get().forEach((metric, names) -> counts.put(metric, names.size()));
          return receiver.received().size() + " requests, sandboxes by metric " + counts;
        });
    List<Otlp.Point> all = sandboxPoints(AgentOtlpIT.requests(receiver));
    assertTrue(
        all.stream().noneMatch(p -> p.attributes().containsKey(OVERFLOW)), "an overflow point");
    String stderr = jvm.stderr();
    jvm.terminate(Duration.ofSeconds(30));
    assertFalse(stderr.contains("cardinality"), stderr);
  }

  /** The sandboxes of each sandbox series of {@code requests}. */
  static Map<String, Set<String>> sandboxesByMetric(List<ExportMetricsServiceRequest> requests) {
    Map<String, Set<String>> byMetric = new TreeMap<>();
    for (Otlp.Point p : sandboxPoints(requests)) {
      String name =
          p.attributes().getOrDefault("sandbox.name", p.attributes().get("container.name"));
      byMetric.computeIfAbsent(p.metric().getName(), k -> new java.util.HashSet<>()).add(name);
    }
    return byMetric;
  }

  /** The points of {@code requests} under the extension's scope, its own health left out. */
  static List<Otlp.Point> sandboxPoints(List<ExportMetricsServiceRequest> requests) {
    return Otlp.points(requests).stream()
        .filter(Otlp::isSandboxSeries)
        .collect(Collectors.toList());
  }
}
