package dev.microsandbox.otel.support;

import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs a failure of something that runs again and again (a registry pass, a collection callback, an
 * export step): the first time, again whenever the failure changes (another exception type or
 * message), and again after {@link #QUIET_MS} of the same one, saying how often it recurred. A
 * failure that persists therefore stays visible in the log without flooding it. Thread-safe.
 */
public final class FailureLog {

  /** How long the same failure stays quiet once logged. */
  public static final long QUIET_MS = 3_600_000;

  private final Logger logger;
  private final String what;
  private final TimeSource clock;
  private String last;
  private long loggedAtMs;
  private long repeats;

  /**
   * @param what the sentence logged, saying what failed and what is missing because of it
   */
  public FailureLog(Logger logger, String what) {
    this(logger, what, TimeSource.SYSTEM);
  }

  /** As {@link #FailureLog(Logger, String)}, on {@code clock}. */
  public FailureLog(Logger logger, String what, TimeSource clock) {
    this.logger = logger;
    this.what = what;
    this.clock = clock;
  }

  /**
   * Records one failure; logs it with its stack trace unless it is the same as the last, lately.
   */
  public void failed(Throwable failure) {
    String kind = failure.getClass().getName() + ": " + failure.getMessage();
    long now = clock.monotonicMillis();
    long recurred;
    synchronized (this) {
      if (Objects.equals(kind, last) && now - loggedAtMs < QUIET_MS) {
        repeats++;
        return;
      }
      recurred = Objects.equals(kind, last) ? repeats : 0;
      last = kind;
      loggedAtMs = now;
      repeats = 0;
    }
    String message =
        recurred > 0
            ? what + " (the same failure recurred " + recurred + " times since it was last logged)"
            : what;
    logger.log(Level.WARNING, message, failure);
  }
}
