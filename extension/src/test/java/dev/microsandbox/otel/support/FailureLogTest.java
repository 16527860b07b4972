package dev.microsandbox.otel.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.testing.LoggerCapture;
import dev.microsandbox.otel.testing.MutableClock;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class FailureLogTest {

  @Test
  void theSameFailureIsLoggedOnceAnHourAndAnotherAtOnce() {
    MutableClock clock = new MutableClock(0);
    FailureLog failures =
        new FailureLog(Logger.getLogger(FailureLogTest.class.getName()), "passes fail", clock);
    try (LoggerCapture log = LoggerCapture.of(FailureLogTest.class)) {
      for (int i = 0; i < 5; i++) {
        failures.failed(new IllegalStateException("broken"));
      }
      assertEquals(1, log.lines().size(), log.text());
      failures.failed(new OutOfMemoryError("Java heap space"));
      assertEquals(2, log.lines().size(), "another failure is news: " + log.text());
      failures.failed(new OutOfMemoryError("Java heap space"));
      clock.advance(FailureLog.QUIET_MS - 1);
      failures.failed(new OutOfMemoryError("Java heap space"));
      assertEquals(2, log.lines().size(), log.text());
      clock.advance(1);
      failures.failed(new OutOfMemoryError("Java heap space"));
      assertEquals(3, log.lines().size(), "an hour on: logged again\n" + log.text());
      assertTrue(log.lines().get(2).contains("recurred 2 times"), log.lines().get(2));
    }
  }
}
