package dev.microsandbox.otel.testing;

import dev.microsandbox.otel.support.LogSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;

/** A log sink that keeps what it was given, for asserting how often something was said. */
public final class RecordingLog implements LogSink {

  private final List<String> lines = new CopyOnWriteArrayList<>();

  @Override
  public void log(Level level, String message) {
    lines.add(level.getName() + " " + message);
  }

  /** Lines logged at {@code level}. */
  public List<String> at(Level level) {
    return lines.stream().filter(l -> l.startsWith(level.getName() + " ")).toList();
  }

  /** Everything logged. */
  public List<String> all() {
    return List.copyOf(lines);
  }
}
