package dev.microsandbox.otel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CliTest {

  @TempDir Path home;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @AfterEach
  void removeRegistry() throws Exception {
    Files.deleteIfExists(RegistryLocation.registryFile(home.toString()));
  }

  int run(long passes, String... args) {
    return Cli.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        Map.of("MSB_HOME", home.toString()),
        passes);
  }

  void writeOneSandbox() throws Exception {
    writeOneSandbox("alpha");
  }

  void writeOneSandbox(String name) throws Exception {
    writeOneSandbox(name, 0x7f);
  }

  void writeOneSandbox(String name, int flags) throws Exception {
    try (RegistryWriter writer =
        RegistryWriter.openOrCreate(RegistryLocation.registryFile(home.toString()), 8)) {
      long now = System.currentTimeMillis();
      SandboxSample s =
          new SandboxSample()
              .identity(101, 1010, (int) ProcessHandle.current().pid(), name)
              .times(now - 90_000, now)
              .flags(flags)
              .cpu(150.25f, 13_000)
              .memory(512L << 20, 2000, 17_000, 19_000)
              .io(3000, 5000, 7000, 11_000)
              .upper(1, 2, 3);
      int slot = writer.start(s, 1010, (int) ProcessHandle.current().pid());
    }
  }

  @Test
  void tableLineHasEveryFigureWithBinaryUnits() throws Exception {
    writeOneSandbox();
    assertEquals(0, run(1, "snapshot"), err::toString);
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("1 sandbox of 8 slots"), text);
    assertTrue(
        text.contains(
            "alpha  id=101  cpu=150.25%  mem=1.95 KiB / 512.00 MiB  disk r=2.93 KiB"
                + " w=4.88 KiB  net rx=6.84 KiB tx=10.74 KiB  up=1m30s"),
        text);
  }

  /** Upstream 0.7's flag 0x80: the limit is the live VM size; the table marks it, JSON says it. */
  @Test
  void aLiveMemoryLimitIsMarkedInTheTableAndTrueInJson() throws Exception {
    writeOneSandbox("alpha", 0xff);
    assertEquals(0, run(1, "snapshot"), err::toString);
    assertTrue(
        out.toString(StandardCharsets.UTF_8).contains("mem=1.95 KiB / 512.00 MiB (live)  disk"),
        out::toString);
    out.reset();
    assertEquals(0, run(1, "snapshot", "--msb-home", home.toString(), "--format", "json"));
    JsonNode node = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8).trim());
    assertTrue(node.get("memory_limit_live").asBoolean(false), node::toString);
  }

  @Test
  void aNameCannotForgeATableLineNorReachTheTerminal() throws Exception {
    writeOneSandbox("evil\nforged  id=1  cpu=0.00%\u001b]0;pwned\u0007\u202e\\");
    assertEquals(0, run(1, "snapshot"), err::toString);
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(
        text.contains("evil\\nforged  id=1  cpu=0.00%\\u001b]0;pwned\\u0007\\u202e\\\\  id=101"),
        text);
    assertTrue(text.lines().noneMatch(l -> l.startsWith("forged")), text);
    assertTrue(text.chars().noneMatch(c -> c == 0x1b || c == 0x07 || c == 0x202e), text);
  }

  @Test
  void jsonIsOneObjectPerSandboxWithFixtureFieldNames() throws Exception {
    writeOneSandbox();
    assertEquals(0, run(1, "snapshot", "--msb-home", home.toString(), "--format", "json"));
    JsonNode node = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8).trim());
    assertEquals(101, node.get("sandbox_id").asInt());
    assertEquals(90_000, node.get("uptime_ms").asLong());
    assertEquals(150.25, node.get("cpu_percent").asDouble());
    assertEquals(3, node.get("upper_host_allocated_bytes").asInt());
    assertTrue(node.get("memory_available_bytes").isNumber());
    assertFalse(node.get("memory_limit_live").asBoolean(true), "the boot allocation");
    assertEquals("Active", node.get("state").asText());
  }

  @Test
  void watchRepeatsUntilStopped() throws Exception {
    writeOneSandbox();
    assertEquals(0, run(3, "snapshot", "--watch", "10ms"));
    assertEquals(
        3, out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("alpha")).count());
  }

  /**
   * A watch prints a line for each run that starts or stops, as an exporter's events tell them:
   * none for a run there at its first pass, names escaped as in the table, JSON objects with an
   * {@code event} field in the JSON format.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"table", "json"})
  void aWatchPrintsEachRunThatStartsOrStops(String format) throws Exception {
    int pid = (int) ProcessHandle.current().pid();
    long now = System.currentTimeMillis();
    try (RegistryWriter writer =
        RegistryWriter.openOrCreate(RegistryLocation.registryFile(home.toString()), 8)) {
      writer.start(new SandboxSample().identity(1, 10, pid, "there").times(now, now), 10, pid);
      Thread watch =
          new Thread(() -> run(Long.MAX_VALUE, "snapshot", "--watch", "20ms", "--format", format));
      watch.start();
      try {
        awaitOutput(text -> text.contains("there"));
        SandboxSample brief =
            new SandboxSample()
                .identity(2, 20, pid, "bri\nef")
                .times(now, now + 1_500)
                .cpu(10f, 2_500_000_000L)
                .memory(1L << 30, 4096, 0, 0)
                .io(1, 2, 3, 4);
        int slot = writer.start(brief, 20, pid);
        awaitOutput(text -> text.contains("started") || text.contains("sandbox.start"));
        writer.release(slot, false);
        awaitOutput(text -> text.contains("stopped") || text.contains("sandbox.stop"));
      } finally {
        watch.interrupt();
        watch.join();
      }
    }
    List<String> runLines =
        out.toString(StandardCharsets.UTF_8)
            .lines()
            .filter(l -> l.startsWith("# 20") || l.startsWith("{\"event\""))
            .collect(Collectors.toList());
    assertEquals(2, runLines.size(), runLines.toString());
    if (format.equals("table")) {
      assertTrue(
          runLines.get(0).endsWith(" sandbox bri\\nef (id 2, run 20) started"), runLines.get(0));
      assertTrue(
          runLines
              .get(1)
              .endsWith(
                  " sandbox bri\\nef (id 2, run 20) stopped: exited after 1.5 s; cpu 2.5 s, memory"
                      + " peak 4.00 KiB, disk 1 B read, 2 B written, network 3 B in, 4 B out"),
          runLines.get(1));
    } else {
      ObjectMapper json = new ObjectMapper();
      JsonNode start = json.readTree(runLines.get(0));
      JsonNode stop = json.readTree(runLines.get(1));
      assertEquals("microsandbox.sandbox.start", start.get("event").asText());
      assertEquals("bri\nef", start.get("name").asText());
      assertEquals("microsandbox.sandbox.stop", stop.get("event").asText());
      assertEquals("exited", stop.get("reason").asText());
      assertEquals(1.5, stop.get("duration_s").asDouble());
      assertEquals(4096, stop.get("memory_peak_bytes").asLong());
      assertEquals(4, stop.get("net_tx_bytes").asLong());
    }
  }

  /** Waits until what the command printed satisfies {@code condition}. */
  void awaitOutput(java.util.function.Predicate<String> condition) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (!condition.test(out.toString(StandardCharsets.UTF_8))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not printed: " + out.toString(StandardCharsets.UTF_8));
      }
      Thread.sleep(10);
    }
  }

  @Test
  void missingRegistryIsOneLineAndExitOne() {
    assertEquals(1, run(1, "snapshot"));
    String message = err.toString(StandardCharsets.UTF_8);
    assertEquals(1, message.lines().count(), message);
    assertTrue(message.startsWith("msb-otel: no registry at /dev/shm/msb-met-"), message);
  }

  /** What a missing registry says, for each way of naming it: one line, about what was given. */
  @Test
  void aMissingRegistryIsExplainedInTermsOfWhatWasGiven() throws Exception {
    Path nope = home.resolve("nope.bin");
    assertEquals(1, run(1, "snapshot", "--registry", nope.toString()));
    assertEquals(
        "msb-otel: no registry at " + nope + ": the file does not exist",
        err.toString(StandardCharsets.UTF_8).trim());

    err.reset();
    Path missingHome = home.resolve("does-not-exist");
    assertEquals(1, run(1, "snapshot", "--msb-home", missingHome.toString()));
    String noDir = err.toString(StandardCharsets.UTF_8).trim();
    assertTrue(
        noDir.endsWith("the directory " + missingHome + " does not exist; check --msb-home"),
        noDir);

    err.reset();
    assertEquals(1, run(1, "snapshot", "--msb-home", home + "/"));
    String slash = err.toString(StandardCharsets.UTF_8).trim();
    assertTrue(
        slash.contains("Note the trailing slash")
            && slash.contains("'" + home + "/' and '" + home + "' are different registries"),
        slash);

    err.reset();
    assertEquals(1, run(1, "snapshot")); // the home from MSB_HOME, which exists
    String fromEnv = err.toString(StandardCharsets.UTF_8).trim();
    assertTrue(
        fromEnv.contains("for microsandbox home '" + home + "' (from MSB_HOME)")
            && fromEnv.endsWith(
                "no sandbox has run under this home yet, or msb runs with another home"),
        fromEnv);
    assertEquals(1, fromEnv.lines().count(), "and only that line: no catalog chatter");
  }

  @Test
  void brokenRegistryIsOneLineAndExitOne() throws Exception {
    Path bogus = home.resolve("bogus");
    Files.write(bogus, new byte[300]);
    assertEquals(1, run(1, "snapshot", "--registry", bogus.toString()));
    assertEquals(1, err.toString(StandardCharsets.UTF_8).lines().count());
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("not ready"), err::toString);
  }

  @Test
  void badArgumentsExitTwoWithTheReason() {
    assertEquals(2, run(1, "snapshot", "--format", "xml"));
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .startsWith("msb-otel: --format takes table or json, not 'xml'"));
    err.reset();
    assertEquals(2, run(1, "snapshot", "--max-sample-age", "soon"));
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .startsWith("msb-otel: --max-sample-age: 'soon' is not a duration"));
    err.reset();
    assertEquals(2, run(1, "snapshot", "--msb-home", "/a", "--registry", "/b"));
    assertEquals(2, run(1, "bogus"));
    assertEquals(2, run(1, "snapshot", "--watch"));
  }

  @Test
  void aFailureOfTheCommandItselfSaysWhatFailedWithItsOwnStatus() throws Exception {
    writeOneSandbox();
    PrintStream broken =
        new PrintStream(out, true, StandardCharsets.UTF_8) {
          @Override
          public void println(String line) {
            throw new IllegalStateException("the terminal went away");
          }
        };
    int status =
        Cli.run(
            new String[] {"snapshot"},
            broken,
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of("MSB_HOME", home.toString()),
            1);
    assertEquals(Cli.FAILED, status, err::toString);
    String first = err.toString(StandardCharsets.UTF_8).lines().findFirst().orElse("");
    assertEquals(
        "msb-otel: the snapshot command failed: java.lang.IllegalStateException: the terminal went"
            + " away",
        first);
  }

  @Test
  void formatsBytesAndUptime() {
    assertEquals("1023 B", SampleFormat.bytes(1023));
    assertEquals("1.50 KiB", SampleFormat.bytes(1536));
    assertEquals("8.00 EiB", SampleFormat.bytes(Long.MAX_VALUE));
    assertEquals("1h2m3s", SampleFormat.uptime(3_723_000));
    assertEquals("59s", SampleFormat.uptime(59_999));
  }

  @Test
  void labelsFromTheCatalogInBothFormats() throws Exception {
    writeOneSandbox();
    try (var catalog =
        dev.microsandbox.otel.labels.CatalogWriter.create(home.resolve("db/msb.db"))) {
      catalog.put(
          101,
          "alpha",
          dev.microsandbox.otel.labels.CatalogWriter.labels("user.id", "alice", "tenant", "acme"),
          null);
      assertEquals(0, run(1, "snapshot"));
      assertTrue(
          out.toString(StandardCharsets.UTF_8).contains("labels={tenant=acme, user.id=alice}"),
          out::toString);
      out.reset();
      assertEquals(0, run(1, "snapshot", "--format", "json"));
      JsonNode node = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8).trim());
      assertEquals("alice", node.get("labels").get("user.id").asText());
      out.reset();
      assertEquals(0, run(1, "snapshot", "--format", "json", "--no-labels"));
      assertTrue(
          new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8).trim()).get("labels")
              == null);
    }
  }
}
