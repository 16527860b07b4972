package dev.microsandbox.otel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.labels.CatalogLabels;
import dev.microsandbox.otel.labels.CatalogWriter;
import dev.microsandbox.otel.labels.LabelKeys;
import dev.microsandbox.otel.registry.RegistryAbi;
import dev.microsandbox.otel.registry.RegistryAccess;
import dev.microsandbox.otel.registry.RegistryLayout;
import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.support.LogSink;
import dev.microsandbox.otel.support.TimeSource;
import dev.microsandbox.otel.testing.ReleasedMsb;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the simulator writes is a v3 registry our conformance-tested reader decodes. */
class SimulatorTest {

  @TempDir Path home;
  final ByteArrayOutputStream log = new ByteArrayOutputStream();
  final AtomicLong now = new AtomicLong(System.currentTimeMillis());

  @AfterEach
  void removeRegistry() throws Exception {
    Files.deleteIfExists(RegistryLocation.registryFile(home.toString()));
  }

  Simulator simulator(double churn) throws Exception {
    Simulator.Options options =
        Simulator.Options.parse(
            new String[] {
              "--msb-home",
              home.toString(),
              "--sandboxes",
              "6",
              "--period",
              "1s",
              "--churn",
              Double.toString(churn),
              "--capacity",
              "32",
              "--seed",
              "42"
            });
    return new Simulator(options, new PrintStream(log, true), now::get);
  }

  RegistrySnapshot read(RegistryReader reader) {
    return reader.read(false);
  }

  @Test
  void labelsEverySandboxInItsOwnCatalogThatTheExtensionReads() throws Exception {
    Path catalogFile = RegistryLocation.catalogFile(home.toString());
    try (Simulator simulator = simulator(0);
        CatalogLabels labels =
            new CatalogLabels(catalogFile, LabelKeys.ALL, Duration.ofSeconds(2));
        RegistryReader reader =
            new RegistryReader(
                RegistryLocation.registryFile(home.toString()),
                RegistryReader.Options.DEFAULTS,
                TimeSource.SYSTEM)) {
      now.addAndGet(1000);
      simulator.tick();
      RegistrySnapshot snapshot = read(reader);
      labels.refresh(snapshot);
      labels.refresh(snapshot); // the first look may still be the catalog's warm-up
      for (int i = 0; i < snapshot.size(); i++) {
        SandboxSample s = snapshot.get(i);
        assertEquals(
            Map.of(
                "tenant",
                Simulator.TENANTS[s.sandboxId() % 3],
                "user.id",
                "user-" + (s.sandboxId() % 7)),
            labels.labelsOf(s.sandboxId()),
            s.name());
      }
    }
    assertTrue(log.toString().contains("catalog " + catalogFile), log.toString());
  }

  /**
   * A host where one runtime was not yet upgraded: the simulator writes the v2 registry beside a v3
   * one for the same home, and the reader of the home reports both registries' sandboxes, each with
   * its ABI, the v2 ones without writable-layer figures.
   */
  @Test
  void aV2RegistryBesideV3IsReadAsOneHome() throws Exception {
    Simulator.Options v2 =
        Simulator.Options.parse(
            new String[] {
              "--msb-home",
              home.toString(),
              "--sandboxes",
              "3",
              "--capacity",
              "8",
              "--seed",
              "7",
              "--abi",
              "2",
              "--first-id",
              "2001",
              "--no-catalog"
            });
    Path legacy = RegistryLocation.registryFile(home.toString(), RegistryAbi.V2);
    try (Simulator current = simulator(0);
        Simulator old = new Simulator(v2, new PrintStream(log, true), now::get);
        RegistryReader reader =
            RegistryReader.open(
                RegistryLocation.registryFile(home.toString()),
                legacy,
                RegistryReader.Options.DEFAULTS,
                TimeSource.SYSTEM,
                null,
                LogSink.QUIET)) {
      now.addAndGet(1000);
      current.tick();
      old.tick();
      RegistrySnapshot snapshot = read(reader);
      Map<RegistryAbi, Integer> byAbi = new java.util.EnumMap<>(RegistryAbi.class);
      for (int i = 0; i < snapshot.size(); i++) {
        SandboxSample s = snapshot.get(i);
        byAbi.merge(s.abi(), 1, Integer::sum);
        if (s.abi() == RegistryAbi.V2) {
          assertFalse(s.has(RegistryLayout.FLAG_UPPER_USED), s.name());
        }
      }
      assertEquals(Map.of(RegistryAbi.V3, 6, RegistryAbi.V2, 3), byAbi);
    } finally {
      Files.deleteIfExists(legacy);
    }
    assertTrue(log.toString().contains("-v2 (8 slots)"), log.toString());
    assertThrows(
        IllegalArgumentException.class, () -> Simulator.Options.parse(new String[] {"--abi", "4"}));
  }

  @Test
  void neverWritesIntoACatalogItDidNotCreate() throws Exception {
    Path catalogFile = RegistryLocation.catalogFile(home.toString());
    try (CatalogWriter msb = CatalogWriter.create(catalogFile)) {
      msb.put(1, "real-sandbox", CatalogWriter.labels("owner", "msb"), null);
    }
    byte[] before = Files.readAllBytes(catalogFile);
    try (Simulator simulator = simulator(0)) {
      now.addAndGet(1000);
      simulator.tick();
    }
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(catalogFile)), "untouched");
    assertTrue(log.toString().contains("did not create; leaving it alone"), log.toString());
  }

  @Test
  void writesPlausibleGrowingFiguresThatTheReaderDecodes() throws Exception {
    try (Simulator simulator = simulator(0);
        RegistryReader reader =
            new RegistryReader(
                RegistryLocation.registryFile(home.toString()),
                // the simulated minute runs ahead of the real clock: no age guard
                new RegistryReader.Options(Duration.ZERO, true, RegistryAccess.AUTO),
                TimeSource.SYSTEM)) {
      Map<Integer, Long> diskRead = new HashMap<>();
      Set<Integer> flags = new HashSet<>();
      Map<Integer, Set<Long>> limits = new HashMap<>();
      for (int tick = 0; tick < 2 * Simulator.RESIZE_TICKS + 5; tick++) {
        now.addAndGet(1000);
        simulator.tick();
        RegistrySnapshot snapshot = read(reader);
        assertEquals(6, snapshot.size());
        for (int i = 0; i < snapshot.size(); i++) {
          SandboxSample s = snapshot.get(i);
          assertTrue(s.name().startsWith("sim-"), s.name());
          assertTrue(s.cpuPercent() >= 0 && s.cpuPercent() < 400, "cpu " + s.cpuPercent());
          assertTrue(
              s.memoryBytes() > 0 && s.memoryBytes() < s.memoryLimitBytes(),
              "memory near the limit");
          assertTrue(s.diskReadBytes() >= diskRead.getOrDefault(s.sandboxId(), 0L), "cumulative");
          assertEquals(now.get(), s.sampledAtMs());
          diskRead.put(s.sandboxId(), s.diskReadBytes());
          flags.add(s.flags());
          limits.computeIfAbsent(s.sandboxId(), id -> new HashSet<>()).add(s.memoryLimitBytes());
          if (s.has(RegistryLayout.FLAG_MEMORY_AVAILABLE)) {
            assertEquals(
                s.memoryLimitBytes(),
                s.memoryBytes() + s.memoryAvailableBytes(),
                "used = limit - available, as the 0.7 runtime derives it");
          }
        }
      }
      assertEquals(Set.of(0xff, 0x07, 0x03), flags, "some sandboxes carry the optional fields");
      for (int i = 0; i < 6; i++) {
        int id = 1001 + i;
        Set<Long> seen = limits.get(id);
        long boot = seen.stream().min(Long::compare).orElseThrow();
        assertEquals(
            id % 3 == 0 ? Set.of(boot, boot + boot / 2) : Set.of(boot),
            seen,
            "a live limit (flag 0x80) follows a resize; a boot limit stays");
      }
      assertTrue(diskRead.values().stream().allMatch(v -> v > 0), "disk counters grew");
    }
  }

  @Test
  void churnRestartsAndReplacesAndCloseFreesEverySlot() throws Exception {
    Path file = RegistryLocation.registryFile(home.toString());
    Set<String> identities = new HashSet<>();
    RegistryWriter other; // a second writer of the home, whose slot keeps the file at close
    try (Simulator simulator = simulator(600); // ten events a minute per one-second tick
        RegistryReader reader =
            new RegistryReader(
                file,
                new RegistryReader.Options(Duration.ZERO, true, RegistryAccess.AUTO),
                TimeSource.SYSTEM)) {
      for (int tick = 0; tick < 30; tick++) {
        now.addAndGet(1000);
        simulator.tick();
        RegistrySnapshot snapshot = read(reader);
        assertEquals(6, snapshot.size(), "churn keeps the population");
        for (int i = 0; i < snapshot.size(); i++) {
          identities.add(snapshot.get(i).name() + "#" + snapshot.get(i).runId());
        }
      }
      String events = log.toString();
      assertTrue(events.contains("restarted") && events.contains("replaced"), events);
      assertTrue(identities.size() > 12, "new run ids and new sandboxes appeared: " + identities);
      other = RegistryWriter.openOrCreate(file, 32);
      other.start(
          new SandboxSample()
              .identity(4242, 1, (int) ProcessHandle.current().pid(), "other")
              .times(System.currentTimeMillis(), System.currentTimeMillis()),
          1,
          (int) ProcessHandle.current().pid());
    }
    assertTrue(log.toString().contains("stays: another writer holds slots there"), log.toString());
    try (RegistryReader reader =
        new RegistryReader(file, RegistryReader.Options.DEFAULTS, TimeSource.SYSTEM)) {
      RegistrySnapshot all = reader.read(true);
      for (int i = 0; i < all.size(); i++) {
        assertEquals(
            all.get(i).sandboxId() == 4242,
            all.get(i).state() == RegistryLayout.SLOT_ACTIVE,
            "a clean exit frees the simulator's slots, and only those");
      }
      assertEquals(1, reader.read(false).size());
    }
    other.close();
  }

  @Test
  void aRegistryTheSimulatorCreatedGoesWithItAndOneItFoundStays() throws Exception {
    Path file = RegistryLocation.registryFile(home.toString());
    simulator(0).close();
    assertFalse(Files.exists(file), "created, used alone, removed: " + log);
    assertTrue(log.toString().contains("removed " + file + ", which it created"), log.toString());
    RegistryWriter.openOrCreate(file, 32).close(); // the runtime's, say
    simulator(0).close();
    assertTrue(Files.exists(file), "found there: left as found");
  }

  @Test
  void badOptionsAreRefusedWithTheReason() {
    assertEquals(
        "--sandboxes: 'many' is not a number",
        assertThrows(
                IllegalArgumentException.class,
                () -> Simulator.Options.parse(new String[] {"--sandboxes", "many"}))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Simulator.Options.parse(new String[] {"--period", "0"}));
    assertThrows(
        IllegalArgumentException.class,
        () -> Simulator.Options.parse(new String[] {"--bogus", "1"}));
    assertEquals(null, Simulator.Options.parse(new String[] {"--help"}));
  }

  @Test
  void itsDefaultHomeIsItsOwnNeverTheRuntimes() {
    Simulator.Options options = Simulator.Options.parse(new String[0]);
    assertEquals(Simulator.defaultHome(), options.home());
    assertTrue(options.home().startsWith(System.getProperty("java.io.tmpdir")), options.home());
    assertFalse(options.home().contains(".microsandbox"), options.home());
  }

  /** A home whose catalog the released msb created: the simulator refuses it, unless allowed. */
  @Test
  void aHomeWithTheRuntimesCatalogIsRefused() throws Exception {
    ReleasedMsb.Result ls = ReleasedMsb.forHome(home).run("ls");
    assertEquals(0, ls.status, ls.err);
    Simulator.Options options =
        Simulator.Options.parse(new String[] {"--msb-home", home.toString()});
    String why = Simulator.realRuntimeIn(options);
    assertEquals(
        RegistryLocation.catalogFile(home.toString())
            + " is a catalog the simulator did not create",
        why);
    assertFalse(
        Files.exists(RegistryLocation.registryFile(home.toString())), "refused: nothing written");
    Simulator.Options allowed =
        Simulator.Options.parse(new String[] {"--msb-home", home.toString(), "--allow-real-home"});
    assertTrue(allowed.allowRealHome());
  }

  /** A registry where another writer holds a slot: the simulator's check names that sandbox. */
  @Test
  void aRegistryWithSlotsItDidNotWriteIsRefused() throws Exception {
    Path registry = RegistryLocation.registryFile(home.toString());
    try (RegistryWriter runtime = RegistryWriter.openOrCreate(registry, 8)) {
      long now = System.currentTimeMillis();
      SandboxSample real =
          new SandboxSample()
              .identity(7, 70, (int) ProcessHandle.current().pid(), "web-7")
              .times(now - 1000, now);
      runtime.start(real, 70, real.pid());
      byte[] before = Files.readAllBytes(registry);
      Simulator.Options options =
          Simulator.Options.parse(new String[] {"--msb-home", home.toString(), "--no-catalog"});
      assertEquals(
          registry + " holds a slot the simulator did not write (sandbox web-7)",
          Simulator.realRuntimeIn(options));
      assertTrue(
          java.util.Arrays.equals(before, Files.readAllBytes(registry)), "the check only reads");
    }
  }

  /** The simulator's own registry (a second simulator of the home) is no reason to refuse. */
  @Test
  void aHomeOnlySimulatorsWroteIsAccepted() throws Exception {
    try (Simulator first = simulator(0)) {
      Simulator.Options second =
          Simulator.Options.parse(
              new String[] {"--msb-home", home.toString(), "--first-id", "2001"});
      assertEquals(null, Simulator.realRuntimeIn(second));
    }
  }
}
