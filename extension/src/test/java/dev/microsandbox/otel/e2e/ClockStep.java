package dev.microsandbox.otel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A host whose wall clock steps while sandboxes run: a runtime in a process of its own samples 8
 * sandboxes, and it and the collector share one wall clock (Debian's libfaketime, one offset file
 * both read, the monotonic clocks untouched), which steps +45 s, back, -45 s and back, each for a
 * few exports: the sample before a step then looks 45 s old, or 45 s ahead, to the wall clock. What
 * a collector must show: every export carries all 8 sandboxes, no run stops, and no stops counter
 * moves.
 */
public final class ClockStep implements AutoCloseable {

  /** Debian's {@code faketime} package's library for multi-threaded programs. */
  public static final Path LIBFAKETIME =
      Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1");

  static final int SANDBOXES = 8;

  /** Exports each step lasts (one a second): a stall would show in the first. */
  static final int EXPORTS_PER_STEP = 5;

  private final Path offset;
  private final Path registry;
  private final AgentJvm runtime;

  /**
   * Creates the registry of {@code home} and starts the runtime on the shared clock; skipped where
   * libfaketime is missing, except in CI, which installs it.
   */
  public ClockStep(Path home, Path logs) throws Exception {
    assumeTrue(
        Files.exists(LIBFAKETIME) || System.getenv("CI") != null,
        "no " + LIBFAKETIME + ": apt-get install faketime (.ci/run does)");
    assertTrue(Files.exists(LIBFAKETIME), "CI must have Debian's faketime package");
    offset = Files.writeString(Files.createDirectories(logs).resolve("clock-offset"), "+0\n");
    registry = RegistryLocation.registryFile(home.toString());
    Files.deleteIfExists(registry);
    RegistryWriter.openOrCreate(registry, 64).close();
    int[] ids = new int[SANDBOXES];
    for (int i = 0; i < SANDBOXES; i++) {
      ids[i] = i + 1;
    }
    runtime =
        AgentJvm.start(
            E2e.JAVA_HOME,
            null,
            env(),
            Files.createDirectories(logs.resolve("runtime")),
            periodOfOneSecond(WriterProcess.command(registry, 1, ids)));
    E2e.await(
        Duration.ofSeconds(60), () -> output().contains("sample " + SANDBOXES + " "), this::output);
  }

  /**
   * The runtime samples every second, as msb does, and the collector (at {@link #COLLECT_INTERVAL})
   * several times between two samples: a pass then surely falls between a step and the next sample,
   * and sees the last one under the stepped clock.
   */
  private static List<String> periodOfOneSecond(List<String> command) {
    List<String> withPeriod = new java.util.ArrayList<>(command);
    withPeriod.add(0, "-D" + WriterProcess.PERIOD_PROPERTY + "=1000");
    return withPeriod;
  }

  /** How often the collector must read the registry: several passes a sample. */
  public static final String COLLECT_INTERVAL = "200ms";

  /**
   * How often the collector exports (ms): two of the runtime's sampling periods. The outage buffer
   * carries each sample once, so an export carries every sandbox only if a whole round of the
   * runtime's samples fell in its interval; at one period a slow second leaves one out.
   */
  public static final String EXPORT_INTERVAL = "2000";

  /**
   * The shared clock for a process: add to its environment. The offset file is read again at most
   * once a second (reading it at every clock call costs the JVMs a core), and libfaketime's
   * monotonic fix is off: with it, every timed wait of the JVM spins (an agent's start took 15 s of
   * two busy cores instead of 2 s).
   */
  public Map<String, String> env() {
    return Map.of(
        "LD_PRELOAD",
        LIBFAKETIME.toString(),
        "FAKETIME_TIMESTAMP_FILE",
        offset.toString(),
        "FAKETIME_CACHE_DURATION",
        "1",
        "FAKETIME_DONT_FAKE_MONOTONIC",
        "1",
        "FAKETIME_FORCE_MONOTONIC_FIX",
        "0",
        "FAKETIME_DISABLE_SHM",
        "1");
  }

  /**
   * Once the collector exporting to {@code receiver} has exported every sandbox, steps the clock
   * +45 s, back, -45 s and back, each for {@link #EXPORTS_PER_STEP} exports; then checks every
   * export since the first full one, and the events and stops counter.
   */
  public void playAndAssert(OtlpReceiver receiver) throws IOException {
    E2e.await(
        Duration.ofSeconds(120),
        () -> sandboxes(receiver, receiver.received().size() - 1).size() == SANDBOXES,
        () -> "sandboxes exported: " + sandboxes(receiver, receiver.received().size() - 1));
    int first = receiver.received().size() - 1;
    for (String step : List.of("+45s", "+0", "-45s", "+0")) {
      Files.writeString(offset, step + "\n");
      int from = receiver.received().size();
      E2e.await(
          Duration.ofSeconds(120),
          () -> receiver.received().size() >= from + EXPORTS_PER_STEP,
          () -> "exports at " + step + ": " + (receiver.received().size() - from));
    }
    int last = receiver.received().size();
    for (int i = first; i < last; i++) {
      assertEquals(
          SANDBOXES,
          sandboxes(receiver, i).size(),
          "export " + (i - first) + " of " + (last - first) + " carries every sandbox");
    }
    assertEquals(List.of(), RunScenario.events(receiver), "no run started or stopped");
    Map<String, Double> stops = RunScenario.stopsCounter(receiver);
    assertTrue(stops.values().stream().allMatch(v -> v == 0.0), "stops counter: " + stops);
    assertTrue(runtime.alive(), "the runtime ran throughout");
  }

  /** The sandbox names of request {@code index}. */
  static Set<String> sandboxes(OtlpReceiver receiver, int index) {
    List<OtlpReceiver.Received> all = receiver.received();
    if (index < 0 || index >= all.size()) {
      return Set.of();
    }
    return Otlp.points(List.of(all.get(index).request())).stream()
        .map(p -> p.attributes().get("sandbox.name"))
        .filter(name -> name != null)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private String output() {
    try {
      return runtime.stdout() + runtime.stderr();
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** Ends the runtime and removes its registry from {@code /dev/shm}. */
  @Override
  public void close() throws IOException {
    runtime.close();
    Files.deleteIfExists(registry);
  }
}
