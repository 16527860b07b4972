package dev.microsandbox.otel.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/** Outcomes of the agent's metric exports, as counted by {@link CountingMetricExporter}. */
public final class ExportStats {

  private final AtomicLong success = new AtomicLong();
  private final AtomicLong failure = new AtomicLong();
  private final AtomicLong lastSuccessEpochMillis = new AtomicLong();
  private final Map<String, AtomicLong> droppedByExporter = new ConcurrentHashMap<>();

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

  /** Counts {@code collections} buffered collections {@code exporter} never sent (0 registers it). */
  void dropped(String exporter, long collections) {
    droppedByExporter.computeIfAbsent(exporter, name -> new AtomicLong()).addAndGet(collections);
  }

  /** Collections dropped so far, per exporter that buffers. */
  public void forEachDropped(BiConsumer<String, Long> consumer) {
    droppedByExporter.forEach((exporter, dropped) -> consumer.accept(exporter, dropped.get()));
  }

  /** Counts one failed export. */
  void failed() {
    failure.incrementAndGet();
  }
}
