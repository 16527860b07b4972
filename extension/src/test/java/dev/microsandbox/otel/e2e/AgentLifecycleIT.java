package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sandbox runs' starts and stops as log records through an application's own logs pipeline, from
 * three runtimes in processes of their own ({@link RunScenario}), received by a real OTLP receiver:
 * on the pinned agent (the event-name field) and on 2.0.0 (the {@code event.name} attribute), and
 * under a declarative file's logger provider on the newest; and, with events off, nothing in the
 * pipeline while the stops counter still counts.
 */
class AgentLifecycleIT {

  @TempDir Path home;
  @TempDir Path logs;

  Map<String, String> env(OtlpReceiver receiver, String... more) {
    return E2e.with(
        E2e.with(
            E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", receiver.endpoint()),
            "OTEL_LOGS_EXPORTER",
            "otlp",
            "OTEL_BLRP_SCHEDULE_DELAY",
            "200",
            "OTEL_SERVICE_NAME",
            "lifecycle-app",
            "OTEL_METRIC_EXPORT_INTERVAL",
            "1000",
            // every run is seen however short, as the README recommends for events
            "OTEL_MICROSANDBOX_COLLECT_INTERVAL",
            "200ms"),
        more);
  }

  @ParameterizedTest(name = "agent {0}")
  @ValueSource(strings = {"pinned", "2.0.0"})
  void eachRunsStartAndStopGoThroughTheApplicationsLogsPipeline(String agent) throws Exception {
    AgentCompatibilityIT.assumeStartsOnTheJdkUnderTest(AgentJvm.agent(agent));
    try (RunScenario runs = new RunScenario(home, logs);
        OtlpReceiver receiver = OtlpReceiver.http();
        AgentJvm jvm =
            AgentJvm.start(
                E2e.JAVA_HOME,
                AgentJvm.agent(agent),
                env(receiver, "OTEL_MICROSANDBOX_EVENTS", "true"),
                logs.resolve(agent))) {
      runs.play(receiver);
      // The event-name field is in the API from 1.50 (agent 2.20.1 has it, 2.15.0 not, 2.0.0 not).
      runs.assertEvents(receiver, agent.equals("pinned"), "lifecycle-app");
      assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
    }
  }

  @Test
  void underADeclarativeFileTheEventsGoThroughItsLoggerProvider() throws Exception {
    try (RunScenario runs = new RunScenario(home, logs);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      Path yaml =
          new DeclarativeYaml()
              .otlp(receiver.endpoint(), 1000)
              .otlpLogs(receiver.endpoint(), 200)
              .set("home", home.toString())
              .set("collect_interval", "200ms")
              .setRaw("events", "true")
              .write(logs);
      try (AgentJvm jvm =
          AgentJvm.start(
              E2e.JAVA_HOME,
              AgentJvm.agent("newest"),
              AgentDeclarativeIT.fileEnv(yaml),
              logs.resolve("declarative"))) {
        runs.play(receiver);
        runs.assertEvents(receiver, true, "declared-app");
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
      }
    }
  }

  @Test
  void withEventsOffNothingGoesIntoTheLogsPipelineAndStopsAreStillCounted() throws Exception {
    try (RunScenario runs = new RunScenario(home, logs);
        OtlpReceiver receiver = OtlpReceiver.http();
        AgentJvm jvm =
            AgentJvm.start(
                E2e.JAVA_HOME, AgentJvm.agentJar(), env(receiver), logs.resolve("off"))) {
      runs.play(receiver);
      E2e.await(
          Duration.ofSeconds(120),
          () -> {
            Map<String, Double> stops = RunScenario.stopsCounter(receiver);
            return stops.get("exited") == 1.0 && stops.get("owner_dead") == 1.0;
          },
          () -> "stops: " + RunScenario.stopsCounter(receiver));
      assertEquals(0, jvm.stop(Duration.ofSeconds(30))); // flushes whatever the logs hold
      assertTrue(RunScenario.events(receiver).isEmpty(), RunScenario.events(receiver).toString());
    }
  }

  @Test
  void aWallClockStepEitherWayStopsNoRunAndDropsNoSandbox() throws Exception {
    try (ClockStep clock = new ClockStep(home, logs);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      Map<String, String> env =
          new java.util.HashMap<>(
              env(
                  receiver,
                  "OTEL_MICROSANDBOX_EVENTS",
                  "true",
                  "OTEL_MICROSANDBOX_COLLECT_INTERVAL",
                  ClockStep.COLLECT_INTERVAL,
                  "OTEL_METRIC_EXPORT_INTERVAL",
                  ClockStep.EXPORT_INTERVAL));
      env.putAll(clock.env());
      try (AgentJvm jvm =
          AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs.resolve("app"))) {
        clock.playAndAssert(receiver);
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
      }
    }
  }
}
