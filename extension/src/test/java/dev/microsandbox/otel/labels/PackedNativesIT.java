package dev.microsandbox.otel.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.e2e.AgentJvm;
import dev.microsandbox.otel.e2e.E2e;
import dev.microsandbox.otel.e2e.LiveRegistry;
import dev.microsandbox.otel.e2e.Otlp;
import dev.microsandbox.otel.e2e.OtlpReceiver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged extension carries SQLite's JNI library for exactly the supported platforms, each a
 * library of its own machine; on any other platform the catalog is off with one line and the
 * metrics go on.
 */
class PackedNativesIT {

  @TempDir Path home;
  @TempDir Path logs;

  /** ELF's {@code e_machine} and Mach-O's {@code cputype} of each supported platform. */
  static final Map<String, Integer> MACHINE =
      Map.of(
          "Linux/x86_64", 62,
          "Linux/aarch64", 183,
          "Linux-Musl/x86_64", 62,
          "Linux-Musl/aarch64", 183,
          "Mac/x86_64", 0x01000007,
          "Mac/aarch64", 0x0100000C);

  @Test
  void theJarPacksSqliteForTheSupportedPlatformsOnlyEachForItsMachine() throws IOException {
    Map<String, Integer> packed = new TreeMap<>();
    try (JarFile jar = new JarFile(AgentJvm.extensionJar().toFile())) {
      for (JarEntry entry : Collections.list(jar.entries())) {
        String name = entry.getName();
        if (name.startsWith("org/sqlite/native/") && !entry.isDirectory()) {
          String platform = name.substring("org/sqlite/native/".length(), name.lastIndexOf('/'));
          try (InputStream in = jar.getInputStream(entry)) {
            packed.put(platform, machine(in.readNBytes(64), name));
          }
        }
      }
    }
    assertEquals(new TreeMap<>(MACHINE), packed, "platform -> machine of its library");
    assertEquals(
        SqliteLibrary.PACKED.stream().sorted().collect(Collectors.toList()),
        new ArrayList<>(packed.keySet()),
        "the platforms SqliteLibrary names");
  }

  /** The machine an ELF or 64-bit Mach-O shared library is built for. */
  static int machine(byte[] header, String name) {
    ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(0) == 0x464c457f) { // \x7fELF
      assertEquals(2, header[4], name + ": a 64-bit ELF");
      assertEquals(3, b.getShort(16), name + ": a shared object (ET_DYN)");
      return b.getShort(18);
    }
    assertEquals(0xfeedfacf, b.getInt(0), name + ": a 64-bit Mach-O");
    assertEquals(6, b.getInt(12), name + ": a dynamic library (MH_DYLIB)");
    return b.getInt(4);
  }

  @Test
  void onAPlatformWithoutALibraryLabelsAreOffInOneLineAndMetricsGoOn() throws Exception {
    try (LiveRegistry registry = new LiveRegistry(home, 8);
        CatalogWriter catalog = CatalogWriter.create(home.resolve("db/msb.db"));
        OtlpReceiver receiver = OtlpReceiver.http()) {
      catalog.put(851, "elsewhere", CatalogWriter.labels("tenant", "acme"), null);
      registry.start(851, 8510, "elsewhere");
      List<String> app = new ArrayList<>(AgentJvm.APP_CLASS);
      app.add(0, "-Dorg.sqlite.osinfo.architecture=riscv64"); // sqlite-jdbc's own override
      try (AgentJvm jvm =
          AgentJvm.start(
              E2e.JAVA_HOME,
              AgentJvm.agentJar(),
              E2e.otlpEnv(AgentJvm.extensionJar(), home, "http/protobuf", receiver.endpoint()),
              logs,
              app)) {
        E2e.await(
            Duration.ofSeconds(60),
            () -> exportedSandboxes(receiver) >= 3,
            () -> exportedSandboxes(receiver) + " exports with the sandbox\n" + stderr(jvm));
        String stderr = stderr(jvm);
        List<String> lines =
            stderr.lines().filter(l -> l.contains("catalog")).collect(Collectors.toList());
        assertEquals(1, lines.size(), "one line about the catalog:\n" + stderr);
        assertTrue(
            lines.get(0).contains("not for this platform (Linux/riscv64)")
                && lines.get(0).contains("metrics go out without labels"),
            lines.get(0));
        assertFalse(stderr.contains("SQLiteJDBCLoader"), "SQLite's loader never tried:\n" + stderr);
        assertTrue(
            Otlp.points(receiver.received().stream().map(OtlpReceiver.Received::request).toList())
                .stream()
                .noneMatch(p -> p.attributes().containsKey("tenant")),
            "no labels");
        assertEquals(0, jvm.stop(Duration.ofSeconds(30)));
      }
    }
  }

  static long exportedSandboxes(OtlpReceiver receiver) {
    return receiver.received().stream()
        .filter(
            r ->
                Otlp.points(List.of(r.request())).stream()
                    .anyMatch(p -> "elsewhere".equals(p.attributes().get("sandbox.name"))))
        .count();
  }

  static String stderr(AgentJvm jvm) {
    try {
      return jvm.stderr();
    } catch (IOException e) {
      return e.toString();
    }
  }
}
