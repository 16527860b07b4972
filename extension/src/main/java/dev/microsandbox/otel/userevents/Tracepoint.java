package dev.microsandbox.otel.userevents;

/**
 * One registered {@code user_events} tracepoint: whether a tracer listens, and writing one event.
 * The seam between the exporter (Java 11) and the kernel interface, reached through the Foreign
 * Function &amp; Memory API on Java 22+ ({@code FfmTracepoint}).
 */
interface Tracepoint extends AutoCloseable {

  /** Whether the kernel's enable bit says a tracer (perf, ftrace, an agent) is attached now. */
  boolean listening();

  /**
   * Writes one event whose {@code buffer} field holds {@code payload[0, length)}.
   *
   * @return null when written, else what went wrong (an errno description)
   */
  String write(byte[] payload, int length);

  /** Unregisters the event, then releases the file and the enable word. */
  @Override
  void close();
}
