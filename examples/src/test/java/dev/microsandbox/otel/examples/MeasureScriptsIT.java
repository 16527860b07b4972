package dev.microsandbox.otel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.e2e.E2e;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts the performance figures come from, run as documented on a short window: each prints
 * its figures, so a figure in the docs can always be measured again.
 */
class MeasureScriptsIT {

  static final Path EXAMPLES = DemoIT.EXAMPLES;
  static final String NUMBER = "[+-]?\\d+\\.\\d+";

  @TempDir Path jfr;

  @Test
  void compareRunsThePlainAgentAndTheExtensionSideBySide() throws Exception {
    String output =
        run(
            List.of(
                "bash",
                EXAMPLES.resolve("in-app/compare.sh").toString(),
                "--sandboxes",
                "10",
                "--warmup",
                "1",
                "--seconds",
                "5",
                "--heap",
                "128m",
                "--java",
                E2e.JAVA_HOME.toString(),
                "--jfr",
                jfr.toString()),
            "1000");
    String row = "\\s+" + NUMBER + "\\s+" + NUMBER + "\\s+" + NUMBER + "\\s+" + NUMBER;
    for (String name : List.of("plain agent", "with extension", "difference")) {
      assertTrue(output.matches("(?s).*\\n" + name + row + "\\n.*"), name + " in:\n" + output);
    }
    assertTrue(output.contains(", 10 sandboxes, "), output);
    assertTrue(Files.size(jfr.resolve("app.jfr")) > 0, "the recording of the extension's JVM");
    if (E2e.feature(E2e.JAVA_HOME) >= 21) { // jfr view
      assertTrue(
          Files.readString(jfr.resolve("hot-methods.txt")).contains("Java Methods"),
          Files.readString(jfr.resolve("hot-methods.txt")));
    }
  }

  @Test
  void measurePrintsTheSidecarsFigures() throws Exception {
    String output =
        run(
            List.of(
                "bash",
                EXAMPLES.resolve("sidecar/measure.sh").toString(),
                "--sandboxes",
                "10",
                "--warmup",
                "2",
                "--seconds",
                "3",
                "--",
                E2e.JAVA_HOME.resolve("bin/java").toString(),
                "-jar",
                System.getProperty("msb.bundle.jar"),
                "sidecar"),
            "1000");
    assertTrue(
        output.matches(
            "(?s).*sandboxes=10 resident_MB=\\d+ cpu_percent_of_a_core="
                + NUMBER
                + " startup_s="
                + NUMBER
                + "\\n.*"),
        output);
  }

  /** Runs {@code command} with exports every {@code exportMs}; its output, once it exited 0. */
  static String run(List<String> command, String exportMs) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
    builder.environment().put("OTEL_METRIC_EXPORT_INTERVAL", exportMs);
    Process process = builder.start();
    byte[] bytes = process.getInputStream().readAllBytes(); // until the script exits
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    String output = new String(bytes, StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), output);
    return output;
  }
}
