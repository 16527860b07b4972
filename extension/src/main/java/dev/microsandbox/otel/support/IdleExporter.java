package dev.microsandbox.otel.support;

/**
 * An exporter that knows, before an export, that it will deliver nothing: it is unavailable, or
 * nobody listens ({@code user_events} without a tracer). Such an export is counted as neither a
 * success nor a failure, so it can neither keep a stale export-health series fresh nor raise a
 * false alarm.
 */
public interface IdleExporter {

  /** Whether an export started now would deliver nothing. */
  boolean idle();
}
