package dev.microsandbox.otel.metrics;

import static io.opentelemetry.api.common.AttributeKey.stringKey;

import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.registry.RegistryLayout;
import dev.microsandbox.otel.registry.RegistryProblem;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.SandboxSample;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sandbox gauges of {@code msb-metrics}, plus the collector's own health, as observable
 * instruments on the agent's meter provider. One batch callback reads the registry once per
 * collection and feeds every sandbox instrument; nothing it does can throw into the SDK.
 */
public final class SandboxMetrics implements AutoCloseable {

  /** Instrumentation scope name, the same as upstream's. */
  public static final String SCOPE = "microsandbox-metrics-collector";

  static final AttributeKey<String> REASON = stringKey("reason");
  static final AttributeKey<String> ERROR_TYPE = stringKey("error.type");
  private static final Attributes OWNER_DEAD = Attributes.of(REASON, "owner_dead");
  private static final Attributes SAMPLE_TOO_OLD = Attributes.of(REASON, "sample_too_old");
  private static final Attributes INCONSISTENT = Attributes.of(REASON, "inconsistent");
  private static final Logger LOGGER = Logger.getLogger(SandboxMetrics.class.getName());

  private final RegistryReader reader;
  private final LabelSource labels;
  private final SandboxAttributes attributes;
  private final List<AutoCloseable> registrations = new ArrayList<>();
  private final long[] registryErrors = new long[RegistryProblem.Kind.values().length];
  private final Attributes[] errorAttributes = new Attributes[registryErrors.length];
  private boolean callbackFailureLogged;
  private boolean allOwnersDeadLogged;
  private boolean closed;

  private final ObservableDoubleMeasurement cpu;
  private final ObservableLongMeasurement memoryUsage;
  private final ObservableLongMeasurement memoryLimit;
  private final ObservableLongMeasurement diskRead;
  private final ObservableLongMeasurement diskWritten;
  private final ObservableLongMeasurement netReceived;
  private final ObservableLongMeasurement netSent;
  private final ObservableLongMeasurement upperUsed;
  private final ObservableLongMeasurement upperFree;
  private final ObservableLongMeasurement upperHostAllocated;
  private final ObservableDoubleMeasurement uptime;
  private final ObservableLongMeasurement sandboxes;
  private final ObservableLongMeasurement skipped;
  private final ObservableLongMeasurement errors;

  /**
   * Registers every instrument on {@code meterProvider}.
   *
   * @param reader the registry reader, owned (and closed) by this object from now on
   * @param labels the label source, owned (and closed) by this object from now on
   * @param stats export outcomes to publish, or null when no exporter is wrapped (pull exporters)
   */
  public SandboxMetrics(MeterProvider meterProvider, RegistryReader reader, LabelSource labels,
      SandboxAttributes attributes, ExportStats stats) {
    this.reader = reader;
    this.labels = labels;
    this.attributes = attributes;
    for (RegistryProblem.Kind kind : RegistryProblem.Kind.values()) {
      errorAttributes[kind.ordinal()] = Attributes.of(ERROR_TYPE, kind.name().toLowerCase(Locale.ROOT));
    }
    Meter meter = meterProvider.meterBuilder(SCOPE).setInstrumentationVersion(ExtensionVersion.VERSION)
        .build();
    cpu = meter.gaugeBuilder("microsandbox.cpu.utilization").setUnit("1")
        .setDescription("CPU in use, in vCPUs: vCPU-seconds per wall-second (2.0 = two vCPUs busy)")
        .buildObserver();
    memoryUsage = bytes(meter, "microsandbox.memory.usage", "Guest memory in use");
    memoryLimit = bytes(meter, "microsandbox.memory.limit", "Configured guest memory limit");
    diskRead = bytes(meter, "microsandbox.disk.bytes_read",
        "Bytes read from disk by the sandbox since it started (cumulative)");
    diskWritten = bytes(meter, "microsandbox.disk.bytes_written",
        "Bytes written to disk by the sandbox since it started (cumulative)");
    netReceived = bytes(meter, "microsandbox.network.bytes_received",
        "Network bytes from the runtime to the guest since it started (cumulative)");
    netSent = bytes(meter, "microsandbox.network.bytes_sent",
        "Network bytes from the guest to the runtime since it started (cumulative)");
    upperUsed = bytes(meter, "microsandbox.upper.used", "Bytes used in the sandbox's writable layer");
    upperFree = bytes(meter, "microsandbox.upper.free", "Bytes free in the sandbox's writable layer");
    upperHostAllocated = bytes(meter, "microsandbox.upper.host_allocated",
        "Host bytes allocated to the sandbox's writable layer");
    uptime = meter.gaugeBuilder("microsandbox.uptime").setUnit("s")
        .setDescription("Time since the sandbox process started, at sample time").buildObserver();
    sandboxes = meter.gaugeBuilder("microsandbox.collector.sandboxes").ofLongs().setUnit("{sandbox}")
        .setDescription("Sandboxes exported by the last collection").buildObserver();
    skipped = meter.gaugeBuilder("microsandbox.collector.slots.skipped").ofLongs().setUnit("{slot}")
        .setDescription("Active slots the last collection left out, by reason").buildObserver();
    errors = meter.counterBuilder("microsandbox.collector.registry.errors").setUnit("{collection}")
        .setDescription("Collections that found the registry unreadable, by error type").buildObserver();
    registrations.add(meter.batchCallback(this::collect, cpu, memoryUsage, memoryLimit, diskRead,
        diskWritten, netReceived, netSent, upperUsed, upperFree, upperHostAllocated, uptime,
        sandboxes, skipped, errors));
    if (stats != null) {
      registrations.add(meter.counterBuilder("microsandbox.collector.exports.success")
          .setUnit("{export}").setDescription("Successful metric exports since start")
          .buildWithCallback(m -> m.record(stats.success())));
      registrations.add(meter.counterBuilder("microsandbox.collector.exports.failure")
          .setUnit("{export}").setDescription("Failed metric exports since start")
          .buildWithCallback(m -> m.record(stats.failure())));
      registrations.add(meter.gaugeBuilder("microsandbox.collector.last_success_timestamp")
          .setUnit("s").setDescription("Unix time of the last successful metric export")
          .buildWithCallback(m -> {
            long millis = stats.lastSuccessEpochMillis();
            if (millis > 0) {
              m.record(millis / 1000.0);
            }
          }));
    }
  }

  private static ObservableLongMeasurement bytes(Meter meter, String name, String description) {
    return meter.gaugeBuilder(name).ofLongs().setUnit("By").setDescription(description)
        .buildObserver();
  }

  /** The batch callback: one registry pass, every sandbox instrument. */
  private synchronized void collect() {
    if (closed) {
      return; // a collection racing the SDK's shutdown must not remap what close() released
    }
    try {
      RegistrySnapshot snapshot = reader.read(false);
      explainIfEveryOwnerLooksDead(snapshot);
      RegistryProblem problem = snapshot.problem();
      if (problem != null) {
        registryErrors[problem.kind().ordinal()]++;
      }
      labels.refresh(snapshot);
      for (int i = 0; i < snapshot.size(); i++) {
        SandboxSample s = snapshot.get(i);
        record(s, attributes.of(s, labels.labelsOf(s.sandboxId())));
      }
      sandboxes.record(snapshot.size());
      skipped.record(snapshot.skippedDeadOwner(), OWNER_DEAD);
      skipped.record(snapshot.skippedTooOld(), SAMPLE_TOO_OLD);
      skipped.record(snapshot.skippedInconsistent(), INCONSISTENT);
      for (int k = 0; k < registryErrors.length; k++) {
        if (registryErrors[k] > 0) {
          errors.record(registryErrors[k], errorAttributes[k]);
        }
      }
    } catch (RuntimeException | LinkageError | InternalError e) {
      if (!callbackFailureLogged) {
        callbackFailureLogged = true;
        LOGGER.log(Level.WARNING, "microsandbox metrics collection failed; sandbox series are"
            + " missing from this collection", e);
      }
    }
  }

  /**
   * Every active slot skipped as owner_dead is nearly always a JVM in another PID namespace (a
   * container) that cannot see msb's pids, not a host full of dead runtimes: say so once.
   */
  private void explainIfEveryOwnerLooksDead(RegistrySnapshot snapshot) {
    int dead = snapshot.skippedDeadOwner();
    if (dead == 0 || snapshot.size() > 0 || snapshot.skippedTooOld() > 0) {
      return;
    }
    if (!allOwnersDeadLogged) {
      allOwnersDeadLogged = true;
      LOGGER.warning("microsandbox metrics: every active sandbox (" + dead + ") is skipped because"
          + " its owner pid does not exist in this JVM's view. If this JVM runs in another PID"
          + " namespace than msb (a container), set OTEL_MICROSANDBOX_OWNER_CHECK=false; the"
          + " maximum sample age still keeps frozen samples out");
    }
  }

  private void record(SandboxSample s, Attributes a) {
    double cpuRatio = s.cpuPercent() / 100.0;
    if (Double.isFinite(cpuRatio)) {
      cpu.record(cpuRatio, a);
    }
    memoryUsage.record(s.memoryBytes(), a);
    memoryLimit.record(s.memoryLimitBytes(), a);
    diskRead.record(s.diskReadBytes(), a);
    diskWritten.record(s.diskWriteBytes(), a);
    netReceived.record(s.netRxBytes(), a);
    netSent.record(s.netTxBytes(), a);
    if (s.has(RegistryLayout.FLAG_UPPER_USED)) {
      upperUsed.record(s.upperUsedBytes(), a);
    }
    if (s.has(RegistryLayout.FLAG_UPPER_FREE)) {
      upperFree.record(s.upperFreeBytes(), a);
    }
    if (s.has(RegistryLayout.FLAG_UPPER_HOST_ALLOCATED)) {
      upperHostAllocated.record(s.upperHostAllocatedBytes(), a);
    }
    uptime.record(s.uptimeMs() / 1000.0, a);
  }

  /** Unregisters every instrument and releases the registry mapping and the catalog. */
  @Override
  public synchronized void close() {
    closed = true;
    for (AutoCloseable registration : registrations) {
      try {
        registration.close();
      } catch (Exception e) {
        LOGGER.log(Level.FINE, "closing an instrument failed", e);
      }
    }
    registrations.clear();
    labels.close();
    reader.close();
  }
}
