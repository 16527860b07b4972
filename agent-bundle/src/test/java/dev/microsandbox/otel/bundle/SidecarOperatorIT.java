package dev.microsandbox.otel.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.microsandbox.otel.bundle.BundleIT.Form;
import dev.microsandbox.otel.e2e.AgentJvm;
import dev.microsandbox.otel.e2e.E2e;
import dev.microsandbox.otel.e2e.LiveRegistry;
import dev.microsandbox.otel.e2e.Otlp;
import dev.microsandbox.otel.e2e.OtlpReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What an operator replacing msb-metrics reads from the sidecar, in both forms: the start-up line
 * with what is in force, one line per collector outage and its end, its log level and JSON lines,
 * its help; and what it leaves out (the SDK's own metrics, secrets).
 */
class SidecarOperatorIT {

  @TempDir Path home;
  @TempDir Path logs;

  static final String SECRET = "s3cret-token";

  @ParameterizedTest(name = "{0}")
  @EnumSource(Form.class)
  void theStartLineSaysWhereEverythingGoesAndNoSdkMetricOrSecretGoesOut(Form form)
      throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(901, 9010, "told");
      Map<String, String> env =
          BundleIT.withEvents(
              home, receiver, "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20" + SECRET);
      try (AgentJvm jvm =
          AgentJvm.start(
              E2e.JAVA_HOME, form.agent(), env, logs.resolve(form.name()), BundleIT.SIDECAR)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> BundleIT.stdout(jvm).contains("msb-otel sidecar running"),
            () -> BundleIT.stdout(jvm) + BundleIT.stderr(jvm));
        String banner =
            BundleIT.stdout(jvm)
                .lines()
                .filter(l -> l.startsWith("msb-otel sidecar running"))
                .findFirst()
                .orElseThrow();
        for (String part :
            List.of(
                form == Form.LEAN ? ", lean form): " : ", agent form): ",
                "metrics to otlp (OTLP http/protobuf to " + receiver.endpoint() + "/v1/metrics)",
                "run events on, OTLP http/protobuf to " + receiver.endpoint() + "/v1/logs",
                "every 1000 ms",
                "sampling every 1000 ms, buffering 60 collections per exporter",
                "registry /dev/shm/msb-met-")) {
          assertTrue(banner.contains(part), "'" + part + "' in: " + banner);
        }
        registry.start(905, 9050, "late"); // a run that starts: an event, so logs are sent
        E2e.await( // several exports: the SDK's counters would be in all but the first
            Duration.ofSeconds(60),
            () -> receiver.received().size() >= 4 && !receiver.receivedLogs().isEmpty(),
            () -> receiver.received().size() + " exports, logs " + receiver.receivedLogs().size());
        Set<String> names =
            Otlp.points(receiver.received().stream().map(OtlpReceiver.Received::request).toList())
                .stream()
                .map(p -> p.metric().getName())
                .collect(Collectors.toSet());
        assertTrue(names.contains("microsandbox.cpu.utilization"), names.toString());
        assertEquals(
            Set.of(),
            names.stream().filter(n -> !n.startsWith("microsandbox.")).collect(Collectors.toSet()),
            "only our series: none of the SDK's own (otlp.exporter.*, processedLogs, queueSize)");
        assertFalse(
            (BundleIT.stdout(jvm) + BundleIT.stderr(jvm)).contains(SECRET), "no secret printed");
        assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
      }
    }
  }

  static final Pattern FAILING =
      Pattern.compile(
          "microsandbox metrics: exports to OTLP http/protobuf to (\\S+) fail: (.+?); the samples"
              + " wait in the outage buffer");

  static final Pattern RECOVERED =
      Pattern.compile(
          "microsandbox metrics exporter recovered: exports to OTLP http/protobuf to (\\S+)"
              + " succeed again after (\\d+) failed over \\d+ s");

  @ParameterizedTest(name = "{0}")
  @EnumSource(Form.class)
  void anUnreachableCollectorIsOneLineNamingItAndItsCauseAndItsReturnAnother(Form form)
      throws Exception {
    int port = E2e.freePort();
    String endpoint = "http://127.0.0.1:" + port;
    try (LiveRegistry registry = new LiveRegistry(home, 8)) {
      registry.start(902, 9020, "patient");
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(null, home, "http/protobuf", endpoint),
              "OTEL_METRIC_EXPORT_INTERVAL",
              "500");
      try (AgentJvm jvm =
          AgentJvm.start(
              E2e.JAVA_HOME, form.agent(), env, logs.resolve(form.name()), BundleIT.SIDECAR)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> FAILING.matcher(BundleIT.stderr(jvm)).find(),
            () -> BundleIT.stderr(jvm));
        Matcher failing = FAILING.matcher(BundleIT.stderr(jvm));
        assertTrue(failing.find());
        assertEquals(endpoint + "/v1/metrics", failing.group(1));
        assertTrue(
            failing.group(2).startsWith("cannot connect: nothing listens there")
                && failing.group(2).contains("java.net.ConnectException"),
            failing.group(2));
        try (OtlpReceiver receiver = OtlpReceiver.http(port)) {
          E2e.await(
              Duration.ofSeconds(60),
              () -> RECOVERED.matcher(BundleIT.stderr(jvm)).find(),
              () -> BundleIT.stderr(jvm));
          String stderr = BundleIT.stderr(jvm);
          Matcher recovered = RECOVERED.matcher(stderr);
          assertTrue(recovered.find());
          assertTrue(Integer.parseInt(recovered.group(2)) >= 1, recovered.group());
          assertEquals(
              1, FAILING.matcher(stderr).results().count(), "once per episode:\n" + stderr);
          if (form == Form.LEAN) {
            assertFalse(
                stderr.contains("Failed to export") || stderr.contains("Exporter failed"),
                "the SDK's lines of every failure are left out:\n" + stderr);
          }
          assertFalse(receiver.received().isEmpty());
        }
        assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
      }
    }
  }

  @Test
  void theLeanFormLogsJsonLinesAtTheLevelItIsGiven() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8)) {
      registry.start(903, 9030, "json");
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(null, home, "http/protobuf", "http://127.0.0.1:" + E2e.freePort()),
              "OTEL_MICROSANDBOX_LOG_FORMAT",
              "json",
              "OTEL_MICROSANDBOX_LOG_LEVEL",
              "debug");
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, null, env, logs, BundleIT.SIDECAR)) {
        E2e.await( // an outage: a warning, and at debug the SDK's own record with its trace
            Duration.ofSeconds(60),
            () -> BundleIT.stderr(jvm).contains("Failed to export"),
            () -> BundleIT.stderr(jvm));
        assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
        ObjectMapper json = new ObjectMapper();
        Set<String> levels = new java.util.TreeSet<>();
        for (String line : BundleIT.stderr(jvm).split("\n")) {
          JsonNode record = json.readTree(line); // every line one object
          levels.add(record.get("level").asText());
          assertTrue(record.get("fields").has("message"), line);
          assertTrue(record.has("timestamp") && record.has("target"), line);
        }
        assertTrue(levels.containsAll(List.of("INFO", "WARN", "ERROR")), levels.toString());
      }
      Map<String, String> quiet =
          E2e.with(
              E2e.otlpEnv(null, home, "http/protobuf", "http://127.0.0.1:" + E2e.freePort()),
              "OTEL_MICROSANDBOX_LOG_LEVEL",
              "warn");
      try (AgentJvm jvm =
          AgentJvm.start(E2e.JAVA_HOME, null, quiet, logs.resolve("warn"), BundleIT.SIDECAR)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> FAILING.matcher(BundleIT.stderr(jvm)).find(),
            () -> BundleIT.stderr(jvm));
        assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
        assertFalse(
            BundleIT.stderr(jvm).contains("] INFO "),
            "at warn, no info line:\n" + BundleIT.stderr(jvm));
      }
    }
  }

  @Test
  void underTheAgentTheLogSettingsSayWhereTheLogIsSet() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      registry.start(904, 9040, "agent-log");
      Map<String, String> env =
          E2e.with(
              E2e.otlpEnv(null, home, "http/protobuf", receiver.endpoint()),
              "OTEL_MICROSANDBOX_LOG_FORMAT",
              "json",
              "OTEL_JAVAAGENT_DEBUG",
              "true");
      try (AgentJvm jvm =
          AgentJvm.start(E2e.JAVA_HOME, BundleIT.BUNDLE, env, logs, BundleIT.SIDECAR)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> BundleIT.stdout(jvm).contains("msb-otel sidecar running"),
            () -> BundleIT.stdout(jvm) + BundleIT.stderr(jvm));
        String stderr = BundleIT.stderr(jvm);
        assertTrue(
            stderr.contains(
                "under -javaagent the agent writes this process's log, so"
                    + " OTEL_MICROSANDBOX_LOG_FORMAT does not apply"),
            stderr);
        assertTrue(stderr.contains(" DEBUG "), "the agent's debug switch is the agent form's");
        assertEquals(143, jvm.terminate(Duration.ofSeconds(30)));
      }
    }
  }

  @Test
  void sidecarHelpListsTheSettingsAndWhereTheRestAre() throws Exception {
    Process help =
        new ProcessBuilder(
                E2e.JAVA_HOME.resolve("bin/java").toString(),
                "-jar",
                BundleIT.BUNDLE.toString(),
                "sidecar",
                "--help")
            .redirectErrorStream(true)
            .start();
    String out = new String(help.getInputStream().readAllBytes());
    assertEquals(0, help.waitFor(), out);
    for (String part :
        List.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            "OTEL_MICROSANDBOX_LOG_FORMAT",
            "docs/configuration.md",
            "docs/comparison.md")) {
      assertTrue(out.contains(part), part + " in:\n" + out);
    }
  }
}
