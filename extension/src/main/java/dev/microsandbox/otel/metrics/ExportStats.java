package dev.microsandbox.otel.metrics;

import java.util.concurrent.atomic.AtomicLong;

/** Outcomes of the agent's metric exports, as counted by {@link CountingMetricExporter}. */
public final class ExportStats {

  private final AtomicLong success = new AtomicLong();
  private final AtomicLong failure = new AtomicLong();
  private final AtomicLong lastSuccessEpochMillis = new AtomicLong();

  /** Successful exports since start. */
  public long success() {
    return success.get();
  }

  /** Failed exports since start. */
  public long failure() {
    return failure.get();
  }

  /** Unix ms of the last successful export, 0 before the first. */
  public long lastSuccessEpochMillis() {
    return lastSuccessEpochMillis.get();
  }

  /** Counts one successful export at {@code epochMillis}. */
  void succeeded(long epochMillis) {
    success.incrementAndGet();
    lastSuccessEpochMillis.accumulateAndGet(epochMillis, Math::max);
  }

  /** Counts one failed export. */
  void failed() {
    failure.incrementAndGet();
  }
}
