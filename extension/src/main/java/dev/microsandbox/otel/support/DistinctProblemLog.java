package dev.microsandbox.otel.support;

import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs a problem once when it first appears or changes, and once when it clears, however many
 * collections see it in between: an unreadable registry polled every second must not flood the log.
 * Not thread-safe; each owner calls it from its own collection path.
 */
public final class DistinctProblemLog {

  private final LogSink sink;
  private String current;

  /** Logs through {@code logger}. */
  public DistinctProblemLog(Logger logger) {
    this((level, message) -> logger.log(level, message));
  }

  /** Logs through an arbitrary sink (the CLI passes one that stays quiet). */
  public DistinctProblemLog(LogSink sink) {
    this.sink = sink;
  }

  /** Reports {@code message} at WARNING unless it is the problem already reported. */
  public void problem(String message) {
    if (!Objects.equals(current, message)) {
      current = message;
      sink.log(Level.WARNING, message);
    }
  }

  /** Clears the current problem, logging {@code recovery} at INFO if there was one. */
  public void clear(String recovery) {
    if (current != null) {
      current = null;
      sink.log(Level.INFO, recovery);
    }
  }
}
