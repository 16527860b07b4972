package dev.microsandbox.otel.support;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where a component's log lines go: java.util.logging in the agent, nowhere in the CLI, a list in
 * tests.
 */
@FunctionalInterface
public interface LogSink {

  /** Drops every line (a command that reports problems its own way). */
  LogSink QUIET = (level, message) -> {};

  /** Logs {@code message} at {@code level}. */
  void log(Level level, String message);

  /** Lines to {@code logger}. */
  static LogSink of(Logger logger) {
    return logger::log;
  }
}
