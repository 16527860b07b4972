package dev.microsandbox.otel.lifecycle;

import java.util.Locale;

/** Why the reader saw a run end: the values of {@code microsandbox.stop.reason}. */
public enum StopReason {
  /** The slot was freed, or marked stale by its writer: the run ended as the runtime meant. */
  EXITED,
  /** The runtime process is gone and its slot was left active: it crashed or was killed. */
  OWNER_DEAD,
  /** The run's sample is older than the maximum sample age: its runtime stopped sampling. */
  STALLED,
  /** A newer run of the same sandbox appeared while this one's slot was still active. */
  REPLACED;

  private final String value = name().toLowerCase(Locale.ROOT);

  /** The attribute value, e.g. {@code owner_dead}. */
  public String value() {
    return value;
  }
}
