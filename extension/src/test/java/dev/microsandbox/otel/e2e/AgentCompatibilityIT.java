package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The extension in the agents users run: the real agent jars from Maven Central, from the last 1.x
 * and the first 2.x to the newest release, each in one short JVM in the fullest mode (both
 * instrument sets, sampling every second with the outage buffer, OTLP every second). The
 * application's own metrics must flow in every export, every sandbox must be in both sets from the
 * second export on, and nothing of ours may add a stack trace or an error line to its log.
 */
class AgentCompatibilityIT {

  /** The agents the build fetches (besides the pinned one); "newest" is whatever Central serves. */
  static final List<String> FETCHED =
      List.of("1.33.6", "2.0.0", "2.5.0", "2.10.0", "2.15.0", "2.20.1", "2.25.0", "newest");

  private static final String[] SANDBOXES = {"alpha", "bravo", "charlie"};

  @TempDir Path home;
  @TempDir Path logs;

  static Stream<String> agents() {
    return Stream.concat(FETCHED.stream(), Stream.of("pinned"));
  }

  @Test
  void theBuildFetchedEveryAgentOfTheMatrix() {
    for (String agent : FETCHED) {
      assertTrue(Files.isRegularFile(AgentJvm.agent(agent)), AgentJvm.agent(agent) + " missing");
    }
  }

  /**
   * Skips (with the reason) an agent that cannot start on the JDK under test; its version
   * otherwise.
   */
  static String assumeStartsOnTheJdkUnderTest(Path jar) throws java.io.IOException {
    String version = AgentJvm.version(jar);
    assumeFalse(
        E2e.feature(E2e.JAVA_HOME) >= 25 && AgentJvm.older(version, "2.10"),
        "agent "
            + version
            + " itself does not start on Java "
            + E2e.feature(E2e.JAVA_HOME)
            + " (its class injection is refused: InaccessibleObjectException), with or without the"
            + " extension; it is tested on the pre-22 JDK run");
    return version;
  }

  @ParameterizedTest(name = "agent {0}")
  @MethodSource("agents")
  void fullestModeInEveryAgent(String agent) throws Exception {
    Path jar = AgentJvm.agent(agent);
    String version = assumeStartsOnTheJdkUnderTest(jar);
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      for (int i = 0; i < SANDBOXES.length; i++) {
        registry.start(501 + i, 1, SANDBOXES[i]);
      }
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", receiver.endpoint()),
              "OTEL_METRIC_EXPORT_INTERVAL",
              "1000",
              "OTEL_MICROSANDBOX_INSTRUMENTS",
              "both",
              "OTEL_MICROSANDBOX_COLLECT_INTERVAL",
              "1s");
      List<ExportMetricsServiceRequest> requests;
      String stderr;
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, jar, env, logs)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> withSandboxes(receiver) >= 3,
            () ->
                "agent "
                    + version
                    + ": "
                    + receiver.received().size()
                    + " exports\n"
                    + AgentFaultsIT.stderr(jvm));
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
        requests =
            receiver.received().stream()
                .map(OtlpReceiver.Received::request)
                .collect(Collectors.toList());
        stderr = jvm.stderr();
      }
      assertTrue(stderr.contains("microsandbox metrics on (application mode"), stderr);
      assertFalse(stderr.contains("\tat "), "a stack trace in the log:\n" + stderr);
      assertFalse(
          stderr
              .lines()
              .anyMatch(
                  l ->
                      l.contains("dev.microsandbox")
                          && (l.contains(" ERROR ") || l.contains(" SEVERE "))),
          stderr);
      // Every export but the shutdown flush: the application's own JVM metrics.
      for (int i = 0; i < requests.size() - 1; i++) {
        assertTrue(
            names(requests.get(i)).stream().anyMatch(AgentCompatibilityIT::isJvmMetric),
            "export " + i + " lacks the application's JVM metrics: " + names(requests.get(i)));
      }
      // From the second export on (but the flush): every sandbox, in both sets. Sampling and
      // exporting both every second, an export may come before the next pass: it then carries no
      // buffered sample at all (they go with the next one), which is no missing sandbox.
      int withSamples = 0;
      for (int i = 1; i < requests.size() - 1; i++) {
        List<Otlp.Point> points = Otlp.points(List.of(requests.get(i)));
        if (sandboxesIn(points, "microsandbox.cpu.utilization", "sandbox.name").isEmpty()
            && sandboxesIn(points, "container.cpu.time", "container.name").isEmpty()) {
          continue;
        }
        withSamples++;
        assertEquals(
            Set.of(SANDBOXES),
            sandboxesIn(points, "microsandbox.cpu.utilization", "sandbox.name"),
            "export " + i);
        assertEquals(
            Set.of(SANDBOXES),
            sandboxesIn(points, "container.cpu.time", "container.name"),
            "export " + i);
        long started = registry.sample(501).startedAtMs() * 1_000_000L;
        points.stream()
            .filter(
                p ->
                    p.metric().getName().equals("container.cpu.time")
                        && p.attributes().get("container.name").equals("alpha"))
            .forEach(
                p -> assertEquals(started, p.point().getStartTimeUnixNano(), "the run's start"));
      }
      assertTrue(withSamples >= 2, withSamples + " exports carried samples");
    }
  }

  /** Exports so far that carry sandbox points. */
  private static long withSandboxes(OtlpReceiver receiver) {
    return receiver.received().stream()
        .filter(r -> names(r.request()).stream().anyMatch(n -> n.equals("container.cpu.time")))
        .count();
  }

  private static Set<String> names(ExportMetricsServiceRequest request) {
    Set<String> names = new TreeSet<>();
    request
        .getResourceMetricsList()
        .forEach(
            rm ->
                rm.getScopeMetricsList()
                    .forEach(sm -> sm.getMetricsList().forEach(m -> names.add(m.getName()))));
    return names;
  }

  /** The JVM's runtime metrics, by their 2.x names or the 1.x agent's. */
  private static boolean isJvmMetric(String name) {
    return name.startsWith("jvm.") || name.startsWith("process.runtime.jvm.");
  }

  private static Set<String> sandboxesIn(List<Otlp.Point> points, String metric, String key) {
    return points.stream()
        .filter(p -> p.metric().getName().equals(metric))
        .map(p -> p.attributes().get(key))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void versionsCompareByMajorThenMinor() {
    assertTrue(AgentJvm.older("2.5.0", "2.10"));
    assertTrue(AgentJvm.older("1.33.6", "2.0"));
    assertFalse(AgentJvm.older("2.10.0", "2.10"));
    assertFalse(AgentJvm.older("3.0.0", "2.10"));
  }
}
