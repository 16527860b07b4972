package dev.microsandbox.otel.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** A skipped test's reason reaches the console, for an aborted test and a condition not met. */
class SkipReasonsTest {

  /** Run by this test through a nested launcher only. */
  static class Skipping {
    @Test
    void assumesSomethingMissing() {
      Assumptions.abort("no prometheus binary on PATH");
    }

    @Test
    @EnabledIfSystemProperty(named = "msb.kernel.with.user.events", matches = "true")
    void conditional() {}
  }

  @Test
  void theReasonIsPrintedWithTheTest() {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream console = System.out;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      // Only the listener given here: the service-loaded one would print every line twice.
      LauncherFactory.create(
              LauncherConfig.builder().enableTestExecutionListenerAutoRegistration(false).build())
          .execute(
              LauncherDiscoveryRequestBuilder.request()
                  .selectors(selectClass(Skipping.class))
                  .build(),
              new SkipReasons());
    } finally {
      System.setOut(console);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertTrue(
        out.contains(
            "SKIPPED assumesSomethingMissing() ["
                + Skipping.class.getName()
                + "]: no prometheus binary on PATH"),
        out);
    assertTrue(
        out.contains("SKIPPED conditional() [" + Skipping.class.getName() + "]: ")
            && out.contains("msb.kernel.with.user.events"),
        out);
    assertEquals(2, out.lines().filter(l -> l.startsWith("SKIPPED")).count(), out);
  }
}
