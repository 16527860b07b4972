package dev.microsandbox.otel.metrics.instruments;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Outcomes of the agent's metric exports, per exporter ({@code SandboxPushExporter} names each by
 * its class): an OTLP endpoint that is down shows as that exporter's failures and its stale last
 * success, whatever another exporter does.
 */
public final class ExportStats {

  private final Map<String, Exporter> byExporter = new ConcurrentHashMap<>();

  /** The outcomes of {@code exporter}, registered on first use. */
  public Exporter of(String exporter) {
    return byExporter.computeIfAbsent(exporter, name -> new Exporter());
  }

  /** Every exporter counted so far, with its outcomes. */
  public void forEach(BiConsumer<String, Exporter> consumer) {
    byExporter.forEach(consumer);
  }

  /** One exporter's outcomes. */
  public static final class Exporter {
    private final AtomicLong success = new AtomicLong();
    private final AtomicLong failure = new AtomicLong();
    private final AtomicLong lastSuccessEpochMillis = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean buffers;

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

    /** Buffered collections it never sent; meaningful only where {@link #buffers()}. */
    public long dropped() {
      return dropped.get();
    }

    /** Whether it exports from the outage buffer, so that {@link #dropped()} applies. */
    public boolean buffers() {
      return buffers;
    }

    /** Counts a successful export, finished at {@code epochMillis}. */
    public void succeeded(long epochMillis) {
      success.incrementAndGet();
      lastSuccessEpochMillis.accumulateAndGet(epochMillis, Math::max);
    }

    /** Counts a failed export. */
    public void failed() {
      failure.incrementAndGet();
    }

    /** Counts {@code collections} evicted before it sent them (0: it buffers, nothing lost yet). */
    public void dropped(long collections) {
      buffers = true;
      dropped.addAndGet(collections);
    }
  }
}
