package dev.microsandbox.otel.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** What a class logs through java.util.logging while the capture is open, as "LEVEL message". */
public final class LoggerCapture extends Handler implements AutoCloseable {

  private final Logger logger;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private LoggerCapture(Logger logger) {
    this.logger = logger;
    logger.addHandler(this);
  }

  /** Starts capturing what {@code type}'s logger logs. */
  public static LoggerCapture of(Class<?> type) {
    return new LoggerCapture(Logger.getLogger(type.getName()));
  }

  /** Starts capturing what the logger {@code name} and those below it log. */
  public static LoggerCapture of(String name) {
    return new LoggerCapture(Logger.getLogger(name));
  }

  @Override
  public void publish(LogRecord record) {
    lines.add(record.getLevel() + " " + record.getMessage());
  }

  /** The lines so far. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** The lines so far, one per line. */
  public String text() {
    return String.join("\n", lines);
  }

  /** Forgets the lines so far. */
  public void clear() {
    lines.clear();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
