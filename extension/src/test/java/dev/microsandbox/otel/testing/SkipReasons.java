package dev.microsandbox.otel.testing;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints why a test was skipped on the console, where the build output shows it: Surefire's summary
 * only counts skips, and the reason (no {@code ../shared}, no {@code prometheus} binary) would
 * otherwise sit in an XML report. Registered through {@code META-INF/services}.
 */
public final class SkipReasons implements TestExecutionListener {

  @Override
  public void executionSkipped(TestIdentifier test, String reason) {
    print(test, reason);
  }

  @Override
  public void executionFinished(TestIdentifier test, TestExecutionResult result) {
    if (result.getStatus() == TestExecutionResult.Status.ABORTED) { // a failed assumption
      print(test, result.getThrowable().map(Throwable::getMessage).orElse("no reason given"));
    }
  }

  private static void print(TestIdentifier test, String reason) {
    System.out.println(
        "SKIPPED "
            + test.getDisplayName()
            + " ["
            + test.getUniqueId().replaceAll(".*\\[(?:class|class-template):([^\\]]*)\\].*", "$1")
            + "]: "
            + reason);
  }
}
