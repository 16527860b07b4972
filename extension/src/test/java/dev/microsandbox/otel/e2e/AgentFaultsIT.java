package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What goes wrong in production: the backend goes away, the registry is recreated. */
class AgentFaultsIT {

  @TempDir Path home;
  @TempDir Path logs;

  static double latest(OtlpReceiver receiver, String metric) {
    return latest(receiver, metric, "OtlpHttpMetricExporter");
  }

  /** The last value received of {@code metric}'s series for {@code exporter}, or -1. */
  static double latest(OtlpReceiver receiver, String metric, String exporter) {
    return Otlp.points(AgentOtlpIT.requests(receiver)).stream()
        .filter(p -> p.metric().getName().equals(metric))
        .filter(
            p ->
                !p.attributes().containsKey("exporter")
                    || exporter.equals(p.attributes().get("exporter")))
        .reduce((a, b) -> b)
        .map(Otlp.Point::value)
        .orElse(-1.0);
  }

  static String stderr(AgentJvm jvm) {
    try {
      return jvm.stderr();
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  void receiverDownThenBackExportsRecoverAndTheAppNeverNotices() throws Exception {
    int port = E2e.freePort();
    try (LiveRegistry registry = new LiveRegistry(home, 8)) {
      registry.start(401, 4010, "outage");
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(
                  AgentJvm.extensionJar(), home, "http/protobuf", "http://127.0.0.1:" + port),
              "OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED",
              "true",
              "OTEL_INSTRUMENTATION_COMMON_DEFAULT_ENABLED",
              "false");
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> stderr(jvm).contains("Failed to export metrics"),
            () -> stderr(jvm));
        E2e.await(
            Duration.ofSeconds(30),
            () -> stderr(jvm).split("Failed to export metrics", -1).length > 3,
            () -> stderr(jvm)); // a few more failed exports
        assertTrue(jvm.alive(), "the application keeps running while the backend is down");
        try (OtlpReceiver receiver = OtlpReceiver.http(port)) {
          E2e.await(
              Duration.ofSeconds(30),
              () -> latest(receiver, "microsandbox.collector.exports.success") > 0,
              () -> stderr(jvm));
          assertTrue(
              latest(receiver, "microsandbox.collector.exports.failure") >= 2,
              "failures during the outage are counted");
          double success = latest(receiver, "microsandbox.collector.exports.success");
          E2e.await(
              Duration.ofSeconds(10),
              () -> latest(receiver, "microsandbox.collector.exports.success") > success,
              () -> "stuck");
          assertTrue(
              latest(receiver, "microsandbox.collector.last_success_timestamp")
                  > System.currentTimeMillis() / 1000.0 - 60);
          E2e.await( // logged as the first success completes, maybe after it was counted
              Duration.ofSeconds(10),
              () -> stderr(jvm).contains("exporter recovered"),
              () -> stderr(jvm));
          assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
        }
      }
    }
  }

  @Test
  void registryDeletedAndRecreatedWhileRunning() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(501, 5010, "before");
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", receiver.endpoint()),
              "OTEL_INSTRUMENTATION_COMMON_DEFAULT_ENABLED",
              "false");
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> names(lastRequest(receiver)).contains("before"),
            () -> stderr(jvm));
        registry.delete();
        E2e.await(
            Duration.ofSeconds(20),
            () -> {
              List<Otlp.Point> last = lastRequest(receiver);
              return names(last).isEmpty()
                  && last.stream()
                      .anyMatch(
                          p ->
                              p.metric().getName().equals("microsandbox.collector.sandboxes")
                                  && p.value() == 0);
            },
            () -> names(lastRequest(receiver)).toString());
        registry.recreate(32);
        registry.start(502, 5020, "after");
        E2e.await(
            Duration.ofSeconds(20),
            () -> names(lastRequest(receiver)).equals(List.of("after")),
            () -> names(lastRequest(receiver)) + "\n" + stderr(jvm));
        assertTrue(jvm.alive());
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
        assertTrue(stderr(jvm).contains("attached microsandbox registry"), stderr(jvm));
      }
    }
  }

  @Test
  void anInvalidSettingSaysWhichOnceAndTheRestOfTheAgentWorks() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(901, 9010, "misconfigured");
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", receiver.endpoint()),
              "OTEL_MICROSANDBOX_MAX_SAMPLE_AGE",
              "soon");
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs)) {
        E2e.await(
            Duration.ofSeconds(60),
            () ->
                Otlp.points(AgentOtlpIT.requests(receiver)).stream()
                    .anyMatch(p -> p.metric().getName().startsWith("jvm.")),
            () -> stderr(jvm));
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
        List<String> lines =
            stderr(jvm)
                .lines()
                .filter(l -> l.contains("OTEL_MICROSANDBOX_MAX_SAMPLE_AGE"))
                .toList();
        assertEquals(1, lines.size(), stderr(jvm));
        assertTrue(
            lines.get(0).contains("'soon'")
                && lines.get(0).contains("microsandbox metrics are off"),
            lines.get(0));
        assertTrue(
            Otlp.points(AgentOtlpIT.requests(receiver)).stream()
                .noneMatch(p -> p.metric().getName().startsWith("microsandbox.")),
            "the extension is off");
      }
    }
  }

  static List<Otlp.Point> lastRequest(OtlpReceiver receiver) {
    List<OtlpReceiver.Received> all = receiver.received();
    return all.isEmpty() ? List.of() : Otlp.points(List.of(all.get(all.size() - 1).request()));
  }

  static List<String> names(List<Otlp.Point> points) {
    return points.stream()
        .filter(p -> p.metric().getName().equals("microsandbox.memory.usage"))
        .map(p -> p.attributes().get("sandbox.name"))
        .distinct()
        .toList();
  }
}
