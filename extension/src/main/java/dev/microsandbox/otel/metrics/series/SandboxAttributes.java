package dev.microsandbox.otel.metrics.series;

import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

import dev.microsandbox.otel.labels.LabelKeys;
import dev.microsandbox.otel.lifecycle.SandboxRun;
import dev.microsandbox.otel.registry.SandboxSample;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.semconv.incubating.DiskIncubatingAttributes.DiskIoDirectionIncubatingValues;
import io.opentelemetry.semconv.incubating.NetworkIncubatingAttributes.NetworkIoDirectionIncubatingValues;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Point attributes of each sandbox ({@link SeriesAttributes}): identity ({@code sandbox.name} and
 * {@code sandbox.id}, or {@code container.name} and {@code container.id} for the semantic
 * conventions; opt-in {@code sandbox.run_id} and {@code sandbox.pid}), then its labels, on every
 * point or on the info gauge only. Built once per sandbox identity and labels, cached per slot, so
 * a steady collection builds none; the sandbox filter is asked at the same moment, so a filtered
 * sandbox costs no attribute work at all.
 */
public final class SandboxAttributes {

  /** Sandbox name; low cardinality. */
  public static final AttributeKey<String> SANDBOX_NAME = stringKey("sandbox.name");

  /** Catalog id; low cardinality. */
  public static final AttributeKey<Long> SANDBOX_ID = longKey("sandbox.id");

  /** Catalog run id; a new series per restart (opt-in). */
  public static final AttributeKey<Long> SANDBOX_RUN_ID = longKey("sandbox.run_id");

  /** Runtime pid; a new series per restart (opt-in). */
  public static final AttributeKey<Long> SANDBOX_PID = longKey("sandbox.pid");

  // The semantic-convention keys are spelt here, not taken from the semconv artifact's key
  // classes: the agent relocates references to those onto its own copy, and older agents (1.x,
  // 2.0) carry none. The values' constants are compile-time strings, inlined. SemconvKeysTest holds
  // every key to the artifact's.
  /** The sandbox name, in the container semantic conventions. */
  public static final AttributeKey<String> CONTAINER_NAME = stringKey("container.name");

  /** The catalog id as a string, in the container semantic conventions. */
  public static final AttributeKey<String> CONTAINER_ID = stringKey("container.id");

  /** The direction of a network counter, in the semantic conventions. */
  public static final AttributeKey<String> NETWORK_IO_DIRECTION = stringKey("network.io.direction");

  /** The direction of a disk counter, in the semantic conventions. */
  public static final AttributeKey<String> DISK_IO_DIRECTION = stringKey("disk.io.direction");

  /** Keys a label can never take, nor anything that reads as one of them in Prometheus. */
  public static final Set<String> IDENTITY_KEYS =
      Set.of(
          SANDBOX_NAME.getKey(),
          SANDBOX_ID.getKey(),
          SANDBOX_RUN_ID.getKey(),
          SANDBOX_PID.getKey(),
          CONTAINER_NAME.getKey(),
          CONTAINER_ID.getKey(),
          NETWORK_IO_DIRECTION.getKey(),
          DISK_IO_DIRECTION.getKey());

  private static final LabelKeys RESERVED = LabelKeys.ALL.reserving(IDENTITY_KEYS);

  private final boolean emitRunId;
  private final boolean emitPid;
  private final SeriesSelection selection;
  private final SandboxFilter filter;
  private final int[] setOfSeries = new int[SandboxSeries.all().length];
  private final boolean[] directionUsed = new boolean[SandboxSeries.Direction.values().length];
  private Entry[] bySlot = new Entry[0];

  /**
   * {@code msb-metrics}' gauges for every sandbox, labels on every point, with the given opt-ins.
   */
  public SandboxAttributes(boolean emitRunId, boolean emitPid) {
    this(emitRunId, emitPid, SeriesSelection.DEFAULT, SandboxFilter.ALL);
  }

  /** Attributes for the series of {@code selection}, for the sandboxes {@code filter} admits. */
  public SandboxAttributes(
      boolean emitRunId, boolean emitPid, SeriesSelection selection, SandboxFilter filter) {
    this.emitRunId = emitRunId;
    this.emitPid = emitPid;
    this.selection = selection;
    this.filter = filter;
    for (SandboxSeries series : SandboxSeries.all()) {
      SandboxSeries.Direction direction = series.direction;
      setOfSeries[series.ordinal()] =
          series == SandboxSeries.SANDBOX_INFO
              ? SeriesAttributes.INFO
              : direction != SandboxSeries.Direction.NONE
                  ? SeriesAttributes.FIRST_DIRECTION + direction.ordinal() - 1
                  : selection.semconvIdentity(series)
                      ? SeriesAttributes.SEMCONV
                      : SeriesAttributes.MSB;
    }
    for (SandboxSeries series : selection.enabled()) {
      directionUsed[series.direction.ordinal()] = true;
    }
  }

  /** The series these attributes are built for. */
  public SeriesSelection selection() {
    return selection;
  }

  /**
   * The attributes of {@code sample}, whose labels are {@code labels} (label keys that collide with
   * an identity key are dropped); null when the filter leaves the sandbox out. Returns the cached
   * instance while identity and labels are unchanged.
   */
  public SeriesAttributes ifReported(SandboxSample sample, Map<String, String> labels) {
    int slot = sample.slot();
    if (slot >= bySlot.length) {
      bySlot = Arrays.copyOf(bySlot, Math.max(slot + 1, bySlot.length * 2));
    }
    Entry entry = bySlot[slot];
    if (entry != null && entry.matches(sample, labels)) {
      return entry.attributes;
    }
    SeriesAttributes attributes =
        filter.admits(sample.name(), labels) ? build(sample, labels) : null;
    bySlot[slot] =
        new Entry(
            sample.generation(),
            sample.sandboxId(),
            sample.runId(),
            sample.pid(),
            sample.name(),
            labels,
            attributes);
    return attributes;
  }

  private SeriesAttributes build(SandboxSample sample, Map<String, String> labels) {
    Attributes[] sets = new Attributes[SeriesAttributes.COUNT];
    boolean labelsOnPoints = !selection.labelsOnInfo();
    if (selection.usesMsbIdentity()) {
      sets[SeriesAttributes.MSB] =
          withLabels(msbIdentity(sample, Attributes.builder()), labelsOnPoints ? labels : Map.of());
    }
    if (selection.usesSemconvIdentity()) {
      Attributes semconv =
          withLabels(
              semconvIdentity(sample, Attributes.builder()), labelsOnPoints ? labels : Map.of());
      sets[SeriesAttributes.SEMCONV] = semconv;
      for (SandboxSeries.Direction direction : SandboxSeries.Direction.values()) {
        if (direction != SandboxSeries.Direction.NONE && directionUsed[direction.ordinal()]) {
          sets[SeriesAttributes.FIRST_DIRECTION + direction.ordinal() - 1] =
              withDirection(semconv.toBuilder(), direction);
        }
      }
    }
    if (selection.reportsInfo()) {
      AttributesBuilder info = Attributes.builder();
      if (sets[SeriesAttributes.MSB] != null) {
        msbIdentity(sample, info);
      }
      if (sets[SeriesAttributes.SEMCONV] != null) {
        semconvIdentity(sample, info);
      }
      sets[SeriesAttributes.INFO] = withLabels(info, labels);
    }
    return new SeriesAttributes(sets, setOfSeries);
  }

  /**
   * Puts a run's identity on the attributes of its start or stop event: {@code sandbox.name},
   * {@code sandbox.id} and {@code sandbox.run_id} always (an event is one run, so cardinality does
   * not apply), the {@code container.*} identity where the series carry it, and the labels.
   */
  public void putRunIdentity(SandboxRun run, AttributesBuilder builder) {
    builder
        .put(SANDBOX_NAME, run.name())
        .put(SANDBOX_ID, run.sandboxId())
        .put(SANDBOX_RUN_ID, run.runId());
    if (selection.usesSemconvIdentity()) {
      builder.put(CONTAINER_NAME, run.name()).put(CONTAINER_ID, Integer.toString(run.sandboxId()));
    }
    putLabels(builder, run.labels());
  }

  private AttributesBuilder msbIdentity(SandboxSample sample, AttributesBuilder builder) {
    return optIns(
        sample, builder.put(SANDBOX_NAME, sample.name()).put(SANDBOX_ID, sample.sandboxId()));
  }

  private AttributesBuilder semconvIdentity(SandboxSample sample, AttributesBuilder builder) {
    return optIns(
        sample,
        builder
            .put(CONTAINER_NAME, sample.name())
            .put(CONTAINER_ID, Integer.toString(sample.sandboxId())));
  }

  private AttributesBuilder optIns(SandboxSample sample, AttributesBuilder builder) {
    if (emitRunId) {
      builder.put(SANDBOX_RUN_ID, sample.runId());
    }
    if (emitPid) {
      builder.put(SANDBOX_PID, sample.pid());
    }
    return builder;
  }

  private static Attributes withLabels(AttributesBuilder builder, Map<String, String> labels) {
    return putLabels(builder, labels).build();
  }

  private static AttributesBuilder putLabels(
      AttributesBuilder builder, Map<String, String> labels) {
    labels.forEach(
        (key, value) -> {
          if (RESERVED.reservedAs(key) == null) {
            builder.put(key, value);
          }
        });
    return builder;
  }

  private static Attributes withDirection(
      AttributesBuilder builder, SandboxSeries.Direction direction) {
    switch (direction) {
      case RECEIVE:
        return builder
            .put(NETWORK_IO_DIRECTION, NetworkIoDirectionIncubatingValues.RECEIVE)
            .build();
      case TRANSMIT:
        return builder
            .put(NETWORK_IO_DIRECTION, NetworkIoDirectionIncubatingValues.TRANSMIT)
            .build();
      case READ:
        return builder.put(DISK_IO_DIRECTION, DiskIoDirectionIncubatingValues.READ).build();
      case WRITE:
        return builder.put(DISK_IO_DIRECTION, DiskIoDirectionIncubatingValues.WRITE).build();
      default:
        throw new IllegalArgumentException("no direction: " + direction);
    }
  }

  /** The identity and labels one slot's attributes were built from. */
  private static final class Entry {
    final long generation;
    final int sandboxId;
    final int runId;
    final int pid;
    final String name;
    final Map<String, String> labels;
    final SeriesAttributes attributes; // null: filtered out

    Entry(
        long generation,
        int sandboxId,
        int runId,
        int pid,
        String name,
        Map<String, String> labels,
        SeriesAttributes attributes) {
      this.generation = generation;
      this.sandboxId = sandboxId;
      this.runId = runId;
      this.pid = pid;
      this.name = name;
      this.labels = labels;
      this.attributes = attributes;
    }

    boolean matches(SandboxSample s, Map<String, String> currentLabels) {
      return generation == s.generation()
          && sandboxId == s.sandboxId()
          && runId == s.runId()
          && pid == s.pid()
          && labels == currentLabels
          && Objects.equals(name, s.name());
    }
  }
}
