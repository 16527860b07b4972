package dev.microsandbox.otel.support;

import java.util.logging.Level;

/** Where a component's log lines go: java.util.logging in the agent, nowhere in the CLI, a list in tests. */
@FunctionalInterface
public interface LogSink {

  /** Logs {@code message} at {@code level}. */
  void log(Level level, String message);
}
