package dev.microsandbox.otel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The demo as a new user meets it: a table of sandboxes with their labels from the first frame
 * (never an empty one), an older runtime's sandboxes beside the current ones on request, nothing
 * left behind when it stops; and, when its port is taken, the reason and the fix at once.
 */
class DemoIT {

  static final Path EXAMPLES = Path.of(System.getProperty("msb.examples.dir", "."));

  @Test
  void aBusyPortIsNamedWithTheFixAndTheDemoExitsNonZero() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ProcessBuilder demo =
          new ProcessBuilder("bash", EXAMPLES.resolve("demo.sh").toString())
              .redirectErrorStream(true);
      demo.environment().put("DEMO_PORT", Integer.toString(busy.getLocalPort()));
      Process process = demo.start();
      assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the demo gave up within seconds");
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(1, process.exitValue(), output);
      assertTrue(
          output.contains("port " + busy.getLocalPort() + " is already in use")
              && output.contains("DEMO_PORT="),
          output);
    }
  }

  @Test
  void itShowsLabelledSandboxesOfBothRegistriesAndLeavesNothingBehind() throws Exception {
    ProcessBuilder demo =
        new ProcessBuilder("bash", EXAMPLES.resolve("demo.sh").toString())
            .redirectErrorStream(true);
    demo.environment().put("DEMO_PORT", Integer.toString(dev.microsandbox.otel.e2e.E2e.freePort()));
    demo.environment().put("DEMO_SANDBOXES", "2");
    demo.environment().put("DEMO_V2_SANDBOXES", "1");
    // No churn: a replacement before the first frame would take sim-1001, whose labels are checked.
    demo.environment().put("DEMO_CHURN", "0");
    Process process = demo.start();
    StringBuilder output = new StringBuilder();
    Thread reader =
        new Thread(
            () -> {
              try (java.io.BufferedReader lines =
                  new java.io.BufferedReader(
                      new java.io.InputStreamReader(
                          process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                  synchronized (output) {
                    output.append(line).append('\n');
                  }
                }
              } catch (java.io.IOException e) {
                // the process ended
              }
            });
    reader.start();
    try {
      dev.microsandbox.otel.e2e.E2e.await(
          java.time.Duration.ofSeconds(90),
          () -> {
            synchronized (output) {
              return output.toString().contains("sim-2001 ");
            }
          },
          output::toString);
    } finally {
      // SIGTERM, which the demo handles as Ctrl+C; Process.destroy would also close our end of its
      // output before its last line.
      process.toHandle().destroy();
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the demo stops");
      reader.join();
    }
    String text = output.toString();
    java.util.regex.Matcher home =
        java.util.regex.Pattern.compile("MSB_HOME=(\\S+);").matcher(text);
    assertTrue(home.find(), text);
    String firstFrame = text.substring(text.indexOf("per-sandbox metrics"));
    firstFrame =
        firstFrame.substring(
            0, firstFrame.indexOf("\n\n") > 0 ? firstFrame.indexOf("\n\n") : firstFrame.length());
    assertTrue(
        firstFrame
            .lines()
            .anyMatch(
                l ->
                    l.startsWith("sim-1001 ")
                        && (l.contains(" acme ")
                            || l.contains(" globex ")
                            || l.contains(" initech "))),
        "labels from the first frame:\n" + firstFrame);
    assertTrue(text.contains("demo: stopped"), text);
    assertTrue(!java.nio.file.Files.exists(Path.of(home.group(1))), "its home is removed");
    String registryHash =
        String.format(
            "%016x",
            dev.microsandbox.otel.registry.RegistryLocation.fnv1a64(
                home.group(1).getBytes(StandardCharsets.UTF_8)));
    for (String abi : new String[] {"-v3", "-v2"}) {
      assertTrue(
          !java.nio.file.Files.exists(Path.of("/dev/shm/msb-met-" + registryHash + abi)),
          "its registries are removed");
    }
  }
}
