package dev.microsandbox.otel.metrics;

import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

import dev.microsandbox.otel.registry.SandboxSample;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Datapoint attributes of a sandbox: identity ({@code sandbox.name}, {@code sandbox.id}, opt-in
 * {@code sandbox.run_id} and {@code sandbox.pid}) then its labels. Built once per sandbox identity
 * and cached per slot, so a steady collection builds none.
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
  /** Keys a label can never override. */
  public static final Set<String> IDENTITY_KEYS = Set.of(SANDBOX_NAME.getKey(), SANDBOX_ID.getKey(),
      SANDBOX_RUN_ID.getKey(), SANDBOX_PID.getKey());

  private final boolean emitRunId;
  private final boolean emitPid;
  private Entry[] bySlot = new Entry[0];

  /** Attributes with the given opt-ins. */
  public SandboxAttributes(boolean emitRunId, boolean emitPid) {
    this.emitRunId = emitRunId;
    this.emitPid = emitPid;
  }

  /**
   * The attributes of {@code sample} with {@code labels} appended (label keys that collide with an
   * identity key are dropped). Returns the cached instance while identity and labels are unchanged.
   */
  public Attributes of(SandboxSample sample, Map<String, String> labels) {
    int slot = sample.slot();
    if (slot >= bySlot.length) {
      bySlot = Arrays.copyOf(bySlot, Math.max(slot + 1, bySlot.length * 2));
    }
    Entry entry = bySlot[slot];
    if (entry != null && entry.matches(sample, labels)) {
      return entry.attributes;
    }
    AttributesBuilder builder = Attributes.builder()
        .put(SANDBOX_NAME, sample.name())
        .put(SANDBOX_ID, sample.sandboxId());
    if (emitRunId) {
      builder.put(SANDBOX_RUN_ID, sample.runId());
    }
    if (emitPid) {
      builder.put(SANDBOX_PID, sample.pid());
    }
    labels.forEach((key, value) -> {
      if (!IDENTITY_KEYS.contains(key)) {
        builder.put(key, value);
      }
    });
    Attributes attributes = builder.build();
    bySlot[slot] = new Entry(sample.generation(), sample.sandboxId(), sample.runId(), sample.pid(),
        sample.name(), labels, attributes);
    return attributes;
  }

  /** The identity and labels one slot's attributes were built from. */
  private static final class Entry {
    final long generation;
    final int sandboxId;
    final int runId;
    final int pid;
    final String name;
    final Map<String, String> labels;
    final Attributes attributes;

    Entry(long generation, int sandboxId, int runId, int pid, String name,
        Map<String, String> labels, Attributes attributes) {
      this.generation = generation;
      this.sandboxId = sandboxId;
      this.runId = runId;
      this.pid = pid;
      this.name = name;
      this.labels = labels;
      this.attributes = attributes;
    }

    boolean matches(SandboxSample s, Map<String, String> currentLabels) {
      return generation == s.generation() && sandboxId == s.sandboxId() && runId == s.runId()
          && pid == s.pid() && labels == currentLabels && Objects.equals(name, s.name());
    }
  }
}
