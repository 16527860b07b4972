package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Three sandbox runtimes in processes of their own sharing one registry, as msb's do: one running
 * throughout (sandboxes 1 and 2, there before the collector's first pass), one started later that
 * exits normally (sandbox 3, its slot freed), one started later and SIGKILLed (sandbox 4, its slot
 * left active). What a collector must tell of them: starts for 3 and 4 only, a stop for 3 as exited
 * and for 4 as owner_dead, with totals equal to one of the killed writer's own samples.
 */
public final class RunScenario implements AutoCloseable {

  /** The scope of every event. */
  public static final String SCOPE = "microsandbox-metrics-collector";

  private final Path logs;
  private final Path registry;
  private final AgentJvm throughout;
  private AgentJvm exits;
  private AgentJvm killed;

  /** Creates the registry of {@code home} and starts the runtime that runs throughout. */
  public RunScenario(Path home, Path logs) throws Exception {
    this.logs = logs;
    this.registry = RegistryLocation.registryFile(home.toString());
    Files.deleteIfExists(registry);
    RegistryWriter.openOrCreate(registry, 64).close();
    throughout = writer("throughout", 1, 1, 2);
    // Sandboxes 1 and 2 must be there before the collector starts, or its first pass may fall
    // between them and tell of a start for 2. A second sample of the last one comes after both
    // have started.
    E2e.await(
        Duration.ofSeconds(60),
        () -> output(throughout).lines().filter(l -> l.startsWith("sample 2 ")).count() >= 2,
        () -> "the runtime that runs throughout: " + output(throughout));
  }

  private static String output(AgentJvm jvm) {
    try {
      return jvm.stdout() + jvm.stderr();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private AgentJvm writer(String name, int runId, int... sandboxes) throws Exception {
    return AgentJvm.start(
        E2e.JAVA_HOME,
        null,
        Map.of(),
        Files.createDirectories(logs.resolve("writer-" + name)),
        WriterProcess.command(registry, runId, sandboxes));
  }

  /**
   * Plays the runs against a collector exporting to {@code receiver}: once its first pass is out
   * (sandboxes 1 and 2 exported), starts the two later runtimes; once they are exported, ends one
   * normally (its slots freed) and the other by SIGKILL.
   */
  public void play(OtlpReceiver receiver) throws Exception {
    awaitExported(receiver, "run-1", "run-2");
    exits = writer("exits", 3, 3);
    killed = writer("killed", 4, 4);
    awaitExported(receiver, "run-3", "run-4");
    assertEquals(0, exits.stop(Duration.ofSeconds(30)));
    assertTrue(exits.stdout().contains("released"), exits.stdout());
    killed.kill();
  }

  /**
   * Waits until every sandbox of {@code sandboxes} (by name) is in a metrics export: the collector
   * has seen their runs.
   */
  static void awaitExported(OtlpReceiver receiver, String... sandboxes) {
    Set<String> wanted = Set.of(sandboxes);
    E2e.await(
        Duration.ofSeconds(120),
        () -> exported(receiver).containsAll(wanted),
        () -> "sandboxes exported: " + exported(receiver) + ", wanted " + wanted);
  }

  private static Set<String> exported(OtlpReceiver receiver) {
    return Otlp.points(AgentOtlpIT.requests(receiver)).stream()
        .map(p -> p.attributes().get("sandbox.name"))
        .filter(name -> name != null)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The sandbox start and stop events received so far, from the extension's scope. */
  public static List<Otlp.LogEvent> events(OtlpReceiver receiver) {
    return Otlp.logEvents(receiver.receivedLogs()).stream()
        .filter(e -> e.scope().equals(SCOPE))
        .collect(Collectors.toList());
  }

  /**
   * Waits for both stops, then checks every event: the right runs, reasons, totals and identity,
   * each once (after {@code moreExports} further metric exports), the event name where {@code
   * nameInField} says, the resource {@code serviceName}'s; and the stops counter.
   */
  public void assertEvents(OtlpReceiver receiver, boolean nameInField, String serviceName)
      throws Exception {
    E2e.await(
        Duration.ofSeconds(120),
        () -> events(receiver).stream().filter(e -> e.eventName().endsWith(".stop")).count() >= 2,
        () -> "events: " + summary(events(receiver)));
    int exportsNow = AgentOtlpIT.requests(receiver).size();
    E2e.await( // a few more passes and exports: nothing is told twice
        Duration.ofSeconds(60),
        () -> AgentOtlpIT.requests(receiver).size() >= exportsNow + 3,
        () -> "exports: " + AgentOtlpIT.requests(receiver).size());
    List<Otlp.LogEvent> events = events(receiver);
    assertEquals(
        List.of(
            "microsandbox.sandbox.start run-3",
            "microsandbox.sandbox.start run-4",
            "microsandbox.sandbox.stop run-3 exited",
            "microsandbox.sandbox.stop run-4 owner_dead"),
        summary(events),
        "starts only for the runs after the first pass, one stop each");
    for (Otlp.LogEvent e : events) {
      assertEquals(nameInField, e.nameInField(), e.eventName() + " in the field or attribute");
      assertEquals(serviceName, e.resource().get("service.name"), "the pipeline's own resource");
      String id = e.attributes().get("sandbox.id");
      assertEquals(id, e.attributes().get("sandbox.run_id"), "run id = sandbox id here");
      assertEquals("run-" + id, e.attributes().get("sandbox.name"));
    }
    Otlp.LogEvent dead = stopOf(events, "4");
    assertEquals("WARN", dead.record().getSeverityText(), "a crash is a warning: " + dead.record());
    assertTotalsAreASampleOf(dead, killed.stdout());
    assertTotalsAreASampleOf(stopOf(events, "3"), exits.stdout());
    Map<String, Double> stops = stopsCounter(receiver);
    assertEquals(1.0, stops.get("exited"), stops.toString());
    assertEquals(1.0, stops.get("owner_dead"), stops.toString());
    assertEquals(0.0, stops.get("stalled"), stops.toString());
    assertEquals(0.0, stops.get("replaced"), stops.toString());
    assertTrue(throughout.alive(), "the runtime that runs throughout");
  }

  /** The stops counter of the latest export, by reason. */
  public static Map<String, Double> stopsCounter(OtlpReceiver receiver) {
    List<Otlp.Point> points =
        Otlp.points(AgentOtlpIT.requests(receiver)).stream()
            .filter(p -> p.metric().getName().equals("microsandbox.sandbox.stops"))
            .collect(Collectors.toList());
    assertFalse(points.isEmpty(), "no microsandbox.sandbox.stops exported");
    long latest = points.get(points.size() - 1).point().getTimeUnixNano();
    Map<String, Double> byReason = new TreeMap<>();
    points.stream()
        .filter(p -> p.point().getTimeUnixNano() == latest)
        .forEach(p -> byReason.put(p.attributes().get("microsandbox.stop.reason"), p.value()));
    return byReason;
  }

  private static Otlp.LogEvent stopOf(List<Otlp.LogEvent> events, String sandboxId) {
    return events.stream()
        .filter(e -> e.eventName().endsWith(".stop"))
        .filter(e -> sandboxId.equals(e.attributes().get("sandbox.id")))
        .findFirst()
        .orElseThrow();
  }

  private static List<String> summary(List<Otlp.LogEvent> events) {
    return events.stream()
        .map(
            e ->
                e.eventName()
                    + " "
                    + e.attributes().get("sandbox.name")
                    + (e.eventName().endsWith(".stop")
                        ? " " + e.attributes().get("microsandbox.stop.reason")
                        : ""))
        .sorted()
        .collect(Collectors.toList());
  }

  /**
   * The stop's totals are those of one sample the writer printed (the last the collector saw), its
   * memory peak at least that sample's and at most the writer's largest, its time that sample's.
   */
  static void assertTotalsAreASampleOf(Otlp.LogEvent stop, String writerOutput) {
    Map<String, String> a = stop.attributes();
    long[] largestMemory = {0};
    List<long[]> samples =
        writerOutput
            .lines()
            .filter(l -> l.startsWith("sample " + a.get("sandbox.id") + " "))
            .map(l -> Arrays.stream(l.substring(7).split(" ")).mapToLong(Long::parseLong).toArray())
            .peek(s -> largestMemory[0] = Math.max(largestMemory[0], s[5]))
            .collect(Collectors.toList());
    // id run started sampled vcpu memory read written rx tx
    long[] match =
        samples.stream()
            .filter(s -> TimeUnit.MILLISECONDS.toNanos(s[3]) == stop.record().getTimeUnixNano())
            .findFirst()
            .orElseThrow(() -> new AssertionError("no sample of its time: " + a));
    assertEquals(Double.toString((match[3] - match[2]) / 1e3), a.get("microsandbox.run.duration"));
    assertEquals(Double.toString(match[4] / 1e9), a.get("microsandbox.run.cpu.time"));
    assertEquals(Long.toString(match[6]), a.get("microsandbox.run.disk.bytes_read"));
    assertEquals(Long.toString(match[7]), a.get("microsandbox.run.disk.bytes_written"));
    assertEquals(Long.toString(match[8]), a.get("microsandbox.run.network.bytes_received"));
    assertEquals(Long.toString(match[9]), a.get("microsandbox.run.network.bytes_sent"));
    long peak = Long.parseLong(a.get("microsandbox.run.memory.peak"));
    assertTrue(peak >= match[5] && peak <= largestMemory[0], "memory peak " + peak);
  }

  /** Ends the runtimes and removes their registry from {@code /dev/shm}. */
  @Override
  public void close() throws java.io.IOException {
    throughout.close();
    if (exits != null) {
      exits.close();
    }
    if (killed != null) {
      killed.close();
    }
    Files.deleteIfExists(registry);
  }
}
