package dev.microsandbox.otel.e2e;

import static dev.microsandbox.otel.registry.RegistryLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.labels.CatalogWriter;
import dev.microsandbox.otel.labels.LabelLimits;
import dev.microsandbox.otel.registry.RegistryLocation;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What anyone on the host can do to an application that runs the extension, tried on the real
 * agent: cut the registry short under it again and again, squat its name with a header that claims
 * a million slots, give a sandbox a 1 MiB label or 3,000 of them, or labels that would pass for
 * another sandbox in Prometheus. The application lives on, exports on, and is not fooled.
 */
public class AgentHardeningIT {

  @TempDir Path home;
  @TempDir Path logs;

  /** The registry readers the end-to-end JVM has: positional reads always, FFM on 22+. */
  static Stream<String> readers() {
    // native: the macOS reader's libc calls, from the agent's extension class loader
    return E2e.feature(E2e.JAVA_HOME) >= 22
        ? Stream.of("buffer", "ffm", "native")
        : Stream.of("buffer");
  }

  static Map<String, String> env(Path home, OtlpReceiver receiver, String... more) {
    return E2e.with(
        E2e.with(
            E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", receiver.endpoint()),
            "OTEL_INSTRUMENTATION_COMMON_DEFAULT_ENABLED",
            "false"),
        more);
  }

  /** Sandbox names in the receiver's requests since request {@code from}. */
  static Set<String> namesSince(OtlpReceiver receiver, int from) {
    List<OtlpReceiver.Received> all = receiver.received();
    return Otlp.points(
            all.subList(Math.min(from, all.size()), all.size()).stream()
                .map(OtlpReceiver.Received::request)
                .collect(Collectors.toList()))
        .stream()
        .filter(p -> p.metric().getName().equals("microsandbox.memory.usage"))
        .map(p -> p.attributes().get("sandbox.name"))
        .collect(Collectors.toSet());
  }

  /**
   * No fault escaped in an application's log: no dead thread, no dying cleaner, no exhausted heap.
   * A fault inside a mapping ({@code mapped}: FFM or libc's mmap) is handled where it happens, one
   * WARN of the reader's: the registry failed while being read, or (a fault while a fresh mapping's
   * header is checked) cannot be read; positional reads never fault.
   */
  public static void assertNoFault(String stderr, boolean mapped) {
    for (String sign :
        new String[] {"Cleaner terminated", "OutOfMemoryError", "Exception in thread"}) {
      assertFalse(stderr.contains(sign), sign + " in the application's log:\n" + stderr);
    }
    for (String line : stderr.lines().filter(l -> l.contains("InternalError")).toList()) {
      boolean handled =
          line.contains("failed while being read")
              || line.contains("cannot read microsandbox registry");
      assertTrue(mapped && handled, line + "\n" + stderr);
    }
  }

  @ParameterizedTest(name = "{0} reader")
  @MethodSource("readers")
  void aRegistryCutShortAgainAndAgainNeitherHurtsTheApplicationNorStopsItsSampling(String reader)
      throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 64);
        OtlpReceiver receiver = OtlpReceiver.http()) {
      for (int id = 1; id <= 20; id++) {
        registry.start(id, id * 10, "before-" + id);
      }
      Map<String, String> env =
          env(
              home,
              receiver,
              "OTEL_MICROSANDBOX_COLLECT_INTERVAL",
              "10ms",
              "OTEL_MICROSANDBOX_READER",
              reader);
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> namesSince(receiver, 0).contains("before-20"),
            () -> AgentFaultsIT.stderr(jvm));
        int before = receiver.received().size();
        long steps = registry.stormThenResume(Duration.ofSeconds(3), jvm.pid(), 99);
        assertTrue(steps > 100, steps + " storm steps");
        assertTrue(jvm.alive(), "the application lives");
        E2e.await(
            Duration.ofSeconds(30),
            () -> namesSince(receiver, before).contains("after-storm"),
            () -> namesSince(receiver, before) + "\n" + AgentFaultsIT.stderr(jvm));
        boolean maps = !reader.equals("buffer");
        long expected = maps ? 1 : 0;
        assertTrue(
            registry.mappingsIn(jvm.pid()) <= expected,
            registry.mappingsIn(jvm.pid()) + " mappings of the registry");
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
        assertNoFault(AgentFaultsIT.stderr(jvm), maps);
      }
    }
  }

  /**
   * A 4 KiB sparse file, mode 0644, left at the registry's predictable name before msb creates it,
   * claiming 2^20 slots (owned by nobody when the test runs as root, as a squatter's would be).
   */
  @Test
  void aSquattedMillionSlotHeaderLeavesAnApplicationAt200MbUntouched() throws Exception {
    Path file = RegistryLocation.registryFile(home.toString());
    ByteBuffer header = ByteBuffer.allocate(HEADER_LEN).order(ByteOrder.LITTLE_ENDIAN);
    header.putLong((int) H_MAGIC, MAGIC).putInt((int) H_VERSION, VERSION);
    header.putInt((int) H_HEADER_LEN, HEADER_LEN).putInt((int) H_SLOT_LEN, SLOT_LEN);
    header.putInt((int) H_CAPACITY, 1 << 20).putInt((int) H_STATE, HEADER_READY);
    Files.deleteIfExists(file);
    Files.write(file, header.array());
    dev.microsandbox.otel.testing.Fixtures.resize(file, 4096);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      Files.setOwner(file, dev.microsandbox.otel.testing.Fixtures.nobody());
    }
    try (OtlpReceiver receiver = OtlpReceiver.http()) {
      Map<String, String> env = // the agent's instrumentation on: the JVM's metrics go out too
          E2e.with(
              E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", receiver.endpoint()),
              "OTEL_MICROSANDBOX_COLLECT_INTERVAL",
              "10ms");
      try (AgentJvm jvm =
          AgentJvm.start(
              E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs, AgentJvm.APP_CLASS, "200m")) {
        E2e.await( // the application's own metrics go out, and the squat is refused
            Duration.ofSeconds(60),
            () ->
                Otlp.points(AgentOtlpIT.requests(receiver)).stream()
                        .anyMatch(p -> p.metric().getName().startsWith("jvm."))
                    && AgentFaultsIT.stderr(jvm).contains("refusing microsandbox registry"),
            () ->
                Otlp.points(AgentOtlpIT.requests(receiver)).stream()
                        .map(p -> p.metric().getName())
                        .collect(Collectors.toSet())
                    + "\n"
                    + AgentFaultsIT.stderr(jvm));
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
        String stderr = AgentFaultsIT.stderr(jvm);
        assertNoFault(stderr, E2e.feature(E2e.JAVA_HOME) >= 22);
        assertEquals(
            1, stderr.lines().filter(l -> l.contains("refusing microsandbox registry")).count());
        assertTrue(
            stderr.contains(
                root ? "it is owned by 'nobody', but msb runs as" : "claims 1048576 slots"),
            stderr);
        assertFalse(stderr.contains("attached microsandbox registry"), stderr);
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void aHugeLabelAndThousandsOfLabelsCostTheirSandboxesNotTheExports() throws Exception {
    String[] many = new String[2 * 3_000];
    for (int i = 0; i < 3_000; i++) {
      many[2 * i] = String.format("k%04d", i);
      many[2 * i + 1] = "v" + i;
    }
    try (LiveRegistry registry = new LiveRegistry(home, 64);
        CatalogWriter catalog = CatalogWriter.create(home.resolve("db/msb.db"));
        OtlpReceiver receiver = OtlpReceiver.http()) {
      catalog.put(1, "huge", CatalogWriter.labels("blob", "x".repeat(1 << 20)), null);
      catalog.put(2, "many", CatalogWriter.labels(many), null);
      for (int id = 1; id <= 50; id++) {
        registry.start(id, id * 10, id == 1 ? "huge" : id == 2 ? "many" : "plain-" + id);
      }
      try (AgentJvm jvm =
          AgentJvm.start(
              E2e.JAVA_HOME,
              AgentJvm.agentJar(),
              env(home, receiver),
              logs,
              AgentJvm.APP_CLASS,
              "64m")) {
        AtomicReference<Map<String, String>> huge = new AtomicReference<>(Map.of());
        AtomicReference<Map<String, String>> lots = new AtomicReference<>(Map.of());
        E2e.await(
            Duration.ofSeconds(60),
            () -> {
              for (Otlp.Point p : Otlp.points(AgentOtlpIT.requests(receiver))) {
                if (p.metric().getName().equals("microsandbox.memory.usage")) {
                  String name = p.attributes().get("sandbox.name");
                  if ("huge".equals(name)) {
                    huge.set(p.attributes());
                  } else if ("many".equals(name)) {
                    lots.set(p.attributes());
                  }
                }
              }
              return huge.get().containsKey("blob") && lots.get().size() > 2;
            },
            () -> AgentFaultsIT.stderr(jvm));
        assertEquals(LabelLimits.DEFAULT_MAX_VALUE_LENGTH, huge.get().get("blob").length());
        assertEquals(LabelLimits.DEFAULT_MAX_LABELS + 2, lots.get().size(), "name, id, 32 labels");
        int before = receiver.received().size();
        E2e.await(
            Duration.ofSeconds(30),
            () -> receiver.received().size() >= before + 3,
            () -> "exports stopped");
        for (OtlpReceiver.Received r : receiver.received()) {
          assertTrue(r.request().getSerializedSize() < 4 << 20, "a request under 4 MiB");
        }
        assertEquals(50, namesSince(receiver, before).size(), "every sandbox in every export");
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
        String stderr = AgentFaultsIT.stderr(jvm);
        assertNoFault(stderr, E2e.feature(E2e.JAVA_HOME) >= 22);
        assertEquals(1, stderr.lines().filter(l -> l.contains("sandbox 1's labels")).count());
        assertEquals(1, stderr.lines().filter(l -> l.contains("sandbox 2's labels")).count());
      }
    }
  }

  /**
   * Labels spelt to pass for another sandbox once Prometheus renames them, scraped from the real
   * agent's Prometheus exporter: the identity stays the sandbox's own, the scope label the
   * exporter's, and each look-alike is one warning.
   */
  @Test
  void labelsCannotRewriteIdentityInPrometheus() throws Exception {
    int port = E2e.freePort();
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        CatalogWriter catalog = CatalogWriter.create(home.resolve("db/msb.db"))) {
      catalog.put(
          301,
          "prom-sandbox",
          CatalogWriter.labels(
              "sandbox_name", "forged",
              "sandbox_id", "999",
              "container_id", "1",
              "otel_scope_name", "mine",
              "tenant", "acme"),
          null);
      registry.start(301, 3010, "prom-sandbox");
      Map<String, String> env =
          E2e.prometheusEnv(
              AgentJvm.extensionJar(), home, port, "OTEL_MICROSANDBOX_INSTRUMENTS", "both");
      try (AgentJvm jvm = AgentJvm.start(E2e.JAVA_HOME, AgentJvm.agentJar(), env, logs)) {
        AtomicReference<String> body = new AtomicReference<>("");
        E2e.await(
            Duration.ofSeconds(60),
            () -> {
              body.set(E2e.scrape(port));
              return body.get().contains("tenant=\"acme\"");
            },
            body::get);
        List<String> series =
            body.get()
                .lines()
                .filter(l -> l.startsWith("microsandbox_") || l.startsWith("container_"))
                .filter(l -> l.contains("tenant=\"acme\""))
                .collect(Collectors.toList());
        assertFalse(series.isEmpty(), body.get());
        for (String line : series) {
          assertFalse(line.contains(";"), "a merged label value: " + line);
          // The labels only: a value such as an uptime of 61.999 s holds "999" too.
          String labels = line.substring(0, line.lastIndexOf('}') + 1);
          assertFalse(
              labels.contains("forged") || labels.contains("999") || labels.contains("mine"), line);
          assertTrue(line.contains("otel_scope_name=\"microsandbox-metrics-collector\""), line);
          if (line.startsWith("container_")) {
            assertTrue(line.contains("container_id=\"301\""), line);
          } else if (!line.startsWith("microsandbox_collector")) {
            assertTrue(line.contains("sandbox_id=\"301\""), line);
            assertTrue(line.contains("sandbox_name=\"prom-sandbox\""), line);
          }
        }
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
        String stderr = AgentFaultsIT.stderr(jvm);
        for (String key : new String[] {"sandbox_name", "sandbox_id", "container_id"}) {
          assertTrue(stderr.contains("label '" + key + "' is dropped"), stderr);
        }
        assertTrue(stderr.contains("label 'otel_scope_name' is dropped"), stderr);
      }
    }
  }
}
