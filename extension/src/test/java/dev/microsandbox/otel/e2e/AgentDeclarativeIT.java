package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent configured the newer way, by a declarative configuration file alone ({@code
 * otel.config.file}): the extension reads its settings from the file's instrumentation node,
 * variables filling in where the file is silent; the file's push exporters carry export health, the
 * outage buffer and both instrument sets; a bad value in the file gets one line, and a misspelt key
 * a warning naming the right one.
 */
class AgentDeclarativeIT {

  @TempDir Path home;
  @TempDir Path logs;

  /** The environment of a JVM configured by {@code yaml} alone, plus {@code more}. */
  static Map<String, String> fileEnv(Path yaml, String... more) {
    return E2e.with(
        Map.of(
            "OTEL_JAVAAGENT_EXTENSIONS",
            AgentJvm.extensionJar().toString(),
            "OTEL_CONFIG_FILE",
            yaml.toString()),
        more);
  }

  @ParameterizedTest(name = "agent {0}")
  @ValueSource(strings = {"pinned", "newest"})
  void theFileAloneConfiguresEverything(String agent) throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(601, 6010, "api-1");
      registry.start(602, 6020, "scratch-1");
      Path yaml =
          new DeclarativeYaml()
              .otlp(receiver.endpoint(), 1000)
              .userEvents(1000, 4000)
              .set("home", home.toString())
              .set("instruments", "both")
              .set("collect_interval", "1s")
              .set("sandboxes_exclude", "scratch-*")
              .set("lables_exclude", "user.id")
              .setRaw("max_buffered", "120")
              .setRaw("owner_check", "true")
              .write(logs.resolve(agent));
      // The file wins over a variable; a variable applies where the file is silent.
      Map<String, String> env =
          fileEnv(
              yaml,
              "OTEL_MICROSANDBOX_INSTRUMENTS",
              "msb",
              "OTEL_MICROSANDBOX_EMIT_RUN_ID",
              "true");
      try (AgentJvm jvm =
          AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agent(agent), env, logs.resolve(agent))) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> AgentFaultsIT.latest(receiver, "microsandbox.collector.exports.success") >= 2,
            () -> AgentFaultsIT.stderr(jvm));
        List<Otlp.Point> points = Otlp.points(AgentOtlpIT.requests(receiver));
        String stderr = jvm.stderr();
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
        // Export health by exporter: the idle user_events exporter's exports count as neither.
        assertEquals(
            0.0,
            AgentFaultsIT.latest(
                receiver, "microsandbox.collector.exports.success", "UserEventsMetricExporter"));
        assertEquals(
            0.0,
            AgentFaultsIT.latest(
                receiver, "microsandbox.collector.exports.failure", "UserEventsMetricExporter"));
        assertFalse(
            stderr.contains("Ignoring value for key"),
            "our reading of the file's values" + " makes the SDK warn about no type:\n" + stderr);

        assertEquals(
            Set.of("api-1"), values(points, "microsandbox.cpu.utilization", "sandbox.name"));
        assertEquals(Set.of("api-1"), values(points, "container.cpu.time", "container.name"));
        assertEquals(
            Set.of("6010"),
            values(points, "microsandbox.cpu.utilization", "sandbox.run_id"),
            "the variable applies where the file is silent");
        long started = registry.sample(601).startedAtMs() * 1_000_000L;
        points.stream()
            .filter(p -> p.metric().getName().equals("container.cpu.time"))
            .forEach(p -> assertEquals(started, p.point().getStartTimeUnixNano()));
        assertTrue(
            points.stream().anyMatch(p -> p.metric().getName().startsWith("jvm.")),
            "the application's own metrics");
        assertEquals(
            Set.of("declared-app"),
            points.stream().map(p -> p.resource().get("service.name")).collect(Collectors.toSet()));

        assertTrue(stderr.contains("microsandbox metrics on (application mode"), stderr);
        assertTrue(
            stderr.contains(
                "instrumentation/development.java.microsandbox.lables_exclude"
                    + " is not a setting of the microsandbox extension and is ignored; did you mean"
                    + " labels_exclude?"),
            stderr);
        // The user_events exporter resolves by name; on this host it says once why it is idle.
        assertEquals(1, stderr.split("user_events exporter does nothing", -1).length - 1, stderr);
        assertFalse(stderr.contains("\tat "), stderr);
      }
    }
  }

  @Test
  void aBadValueInTheFileGetsOneLineAndTheApplicationExportsOn() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(611, 1, "api-2");
      Path yaml =
          new DeclarativeYaml()
              .otlp(receiver.endpoint(), 500)
              .set("home", home.toString())
              .set("collect_interval", "5")
              .write(logs);
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), fileEnv(yaml), logs)) {
        // With a file the extension reads its settings only once the agent has installed, which
        // takes seconds on a slow machine: wait for the line itself, not for exports.
        String line =
            "microsandbox metrics are off:"
                + " instrumentation/development.java.microsandbox.collect_interval = '5': must"
                + " be off or at least 10ms";
        E2e.await(
            Duration.ofSeconds(60),
            () -> receiver.received().size() >= 2 && AgentFaultsIT.stderr(jvm).contains(line),
            () -> "the application's own metrics are exported\n" + AgentFaultsIT.stderr(jvm));
        String stderr = jvm.stderr();
        assertEquals(1, stderr.split("microsandbox metrics are off", -1).length - 1, stderr);
        assertTrue(AgentSemconvIT.sandboxPoints(receiver).isEmpty());
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
      }
    }
  }

  /** The outage buffer under a file, as AgentSamplingIT checks it under variables. */
  @Test
  void anOutageLosesNothingTheBufferHolds() throws Exception {
    int port = E2e.freePort();
    try (LiveRegistry registry = new LiveRegistry(home, 8)) {
      registry.timeDerivedFigures();
      registry.refreshEvery(50);
      registry.start(621, 6210, "outage");
      // The file's OTLP exporter retries (about 8 s per failed export): 300 collections at 200 ms
      // hold the minute this outage may last.
      Path yaml =
          new DeclarativeYaml()
              .otlp("http://127.0.0.1:" + port, 2000)
              .set("home", home.toString())
              .set("collect_interval", "200ms")
              .set("max_buffered", "300")
              .write(logs);
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), fileEnv(yaml), logs)) {
        long lastBefore;
        try (OtlpReceiver before = OtlpReceiver.http(port)) {
          E2e.await(
              Duration.ofSeconds(60),
              () -> E2e.requestsAbout(before, "outage").size() >= 2,
              () -> AgentFaultsIT.stderr(jvm));
          lastBefore = AgentSamplingIT.receivedTimes(before, "outage").last();
        }
        int failuresBefore = AgentSamplingIT.failures(jvm);
        E2e.await(
            Duration.ofSeconds(30),
            () -> AgentSamplingIT.failures(jvm) >= failuresBefore + 2,
            () -> AgentFaultsIT.stderr(jvm));
        try (OtlpReceiver after = OtlpReceiver.http(port)) {
          E2e.await(
              Duration.ofSeconds(30),
              () -> E2e.requestsAbout(after, "outage").size() >= 2,
              () -> AgentFaultsIT.stderr(jvm));
          TreeSet<Long> times = AgentSamplingIT.receivedTimes(after, "outage");
          assertTrue(times.first() > lastBefore, "nothing sent before is sent again");
          assertTrue(
              times.first() - lastBefore <= 300,
              "the samples continue where they stopped: " + (times.first() - lastBefore) + " ms");
          assertTrue(
              AgentFaultsIT.latest(after, "microsandbox.collector.exports.failure") >= 2,
              "the failed exports are counted");
        }
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
      }
    }
  }

  private static Set<String> values(List<Otlp.Point> points, String metric, String key) {
    return points.stream()
        .filter(p -> p.metric().getName().equals(metric))
        .map(p -> p.attributes().get(key))
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
