package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code snapshot --watch} as a user runs it: {@code java -jar} on a packaged jar (only what the
 * jar carries on its class path), over a registry where a runtime runs throughout and a second one
 * starts a run and ends it. The watch must print the table or JSON of every pass, a start and a
 * stop line for the second run, and keep going.
 */
public final class SnapshotWatch {

  private static final ObjectMapper JSON = new ObjectMapper();

  private SnapshotWatch() {}

  /** Plays the runs against {@code java -jar jar snapshot --watch}; {@code dir} for its files. */
  public static void assertTellsOfRunsThatComeAndGo(Path jar, boolean json, Path dir)
      throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    Path registry = RegistryLocation.registryFile(home.toString());
    Files.deleteIfExists(registry);
    RegistryWriter.openOrCreate(registry, 64).close();
    List<String> command =
        new ArrayList<>(
            List.of(
                "-jar",
                jar.toString(),
                "snapshot",
                "--msb-home",
                home.toString(),
                "--watch",
                "200ms"));
    if (json) {
      command.addAll(List.of("--format", "json"));
    }
    try (AgentJvm first = writer(registry, dir, "first", 1);
        AgentJvm watch = startedAfterRunOne(first, dir, command)) {
      awaitLine(watch, json ? l -> isSample(l, "run-1") : l -> l.startsWith("run-1  id=1  "));
      try (AgentJvm second = writer(registry, dir, "second", 2)) {
        awaitLine(
            watch,
            json
                ? l -> isEvent(l, "microsandbox.sandbox.start", "run-2", null)
                : l -> l.startsWith("# ") && l.endsWith(" sandbox run-2 (id 2, run 2) started"));
        assertEquals(0, second.stop(Duration.ofSeconds(30)), () -> output(second));
      }
      awaitLine(
          watch,
          json
              ? l -> isEvent(l, "microsandbox.sandbox.stop", "run-2", "exited")
              : l ->
                  l.startsWith("# ") && l.contains(" sandbox run-2 (id 2, run 2) stopped: exited"));
      int lines = watch.stdout().split("\n").length;
      E2e.await( // passes go on after the stop
          Duration.ofSeconds(60),
          () -> output(watch).split("\n").length > lines + 2,
          () -> output(watch));
      assertTrue(watch.alive(), () -> "the watch ended: " + output(watch));
      assertEquals("", watch.stderr(), "nothing on stderr");
      assertFalse(
          watch
              .stdout()
              .lines()
              .anyMatch(l -> l.contains("run-1 (id 1") || isEvent(l, null, "run-1", null)),
          "run 1 was there before the watch: no start or stop line for it");
    } finally {
      Files.deleteIfExists(registry);
    }
  }

  /**
   * The watch, started once run 1 is in the registry: the writer prints each sample before it
   * publishes it, so its second sample line means the first is there.
   */
  private static AgentJvm startedAfterRunOne(AgentJvm first, Path dir, List<String> command)
      throws IOException {
    E2e.await(
        Duration.ofSeconds(60),
        () -> output(first).lines().filter(l -> l.startsWith("sample 1 ")).count() >= 2,
        () -> output(first));
    return AgentJvm.start(
        E2e.JAVA_HOME, null, Map.of(), Files.createDirectories(dir.resolve("watch")), command);
  }

  private static AgentJvm writer(Path registry, Path dir, String name, int sandbox)
      throws IOException {
    return AgentJvm.start(
        E2e.JAVA_HOME,
        null,
        Map.of(),
        Files.createDirectories(dir.resolve("writer-" + name)),
        WriterProcess.command(registry, sandbox, sandbox));
  }

  /** Waits for a line {@code line} accepts; fails at once if the watch has ended. */
  private static void awaitLine(AgentJvm watch, Predicate<String> line) {
    E2e.await(
        Duration.ofSeconds(60),
        () -> {
          boolean ended = !watch.alive(); // read before the output: all of it is then there
          if (output(watch).lines().anyMatch(line)) {
            return true;
          }
          if (ended) {
            throw new AssertionError("the watch ended:\n" + output(watch));
          }
          return false;
        },
        () -> "the watch printed:\n" + output(watch));
  }

  private static boolean isSample(String line, String name) {
    JsonNode node = parse(line);
    return node != null && !node.has("event") && name.equals(node.path("name").asText());
  }

  /** Whether {@code line} is the JSON of an event (any, where null) of {@code name}'s run. */
  private static boolean isEvent(String line, String event, String name, String reason) {
    JsonNode node = parse(line);
    return node != null
        && node.has("event")
        && (event == null || event.equals(node.path("event").asText()))
        && name.equals(node.path("name").asText())
        && (reason == null || reason.equals(node.path("reason").asText()));
  }

  private static JsonNode parse(String line) {
    try {
      return line.startsWith("{") ? JSON.readTree(line) : null;
    } catch (IOException e) {
      throw new AssertionError("not one JSON object: " + line, e);
    }
  }

  private static String output(AgentJvm jvm) {
    try {
      return jvm.stdout() + jvm.stderr();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
