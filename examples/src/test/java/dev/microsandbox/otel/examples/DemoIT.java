package dev.microsandbox.otel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The demo as a new user meets it when its port is taken: the reason and the fix, at once. */
class DemoIT {

  static final Path EXAMPLES = Path.of(System.getProperty("msb.examples.dir", "."));

  @Test
  void aBusyPortIsNamedWithTheFixAndTheDemoExitsNonZero() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ProcessBuilder demo = new ProcessBuilder("bash", EXAMPLES.resolve("demo.sh").toString())
          .redirectErrorStream(true);
      demo.environment().put("DEMO_PORT", Integer.toString(busy.getLocalPort()));
      Process process = demo.start();
      assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the demo gave up within seconds");
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(1, process.exitValue(), output);
      assertTrue(output.contains("port " + busy.getLocalPort() + " is already in use")
          && output.contains("DEMO_PORT="), output);
    }
  }
}
