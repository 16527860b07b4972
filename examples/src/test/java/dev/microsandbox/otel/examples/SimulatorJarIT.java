package dev.microsandbox.otel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.testing.ReleasedMsb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged simulator against a home where the released msb has run: it refuses, with one line
 * naming what it found and how to override, and writes nothing there.
 */
class SimulatorJarIT {

  @TempDir Path dir;

  @Test
  void theSimulatorRefusesAHomeTheRuntimeUsesAndSaysHowToOverride() throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    ReleasedMsb.Result ls = ReleasedMsb.forHome(home).run("ls");
    assertEquals(0, ls.status, ls.err);
    Path err = dir.resolve("stderr.txt");
    Process simulator =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                PrometheusExampleIT.SIMULATOR.toString(),
                "--msb-home",
                home.toString())
            .redirectError(err.toFile())
            .redirectOutput(dir.resolve("stdout.txt").toFile())
            .start();
    assertTrue(simulator.waitFor(60, TimeUnit.SECONDS), "the simulator did not end");
    assertEquals(2, simulator.exitValue());
    String said = Files.readString(err).trim();
    assertEquals(1, said.lines().count(), said);
    assertTrue(
        said.startsWith("simulator: refusing " + home + ": ")
            && said.contains("is a catalog the simulator did not create")
            && said.contains("--allow-real-home"),
        said);
    assertFalse(Files.exists(RegistryLocation.registryFile(home.toString())), "nothing written");
  }
}
