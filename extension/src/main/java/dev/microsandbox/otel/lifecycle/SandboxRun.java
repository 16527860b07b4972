package dev.microsandbox.otel.lifecycle;

import dev.microsandbox.otel.registry.SandboxSample;
import java.util.Map;

/**
 * One run of a sandbox (sandbox id and run id) as the reader has seen it: its identity, labels and
 * the totals of its last coherent sample. Updated in place by the {@link RunTracker}, pass after
 * pass; a listener reads it during the call that hands it over.
 */
public final class SandboxRun {

  final int sandboxId;
  final int runId;
  final long startedAtMs;
  String name;
  Map<String, String> labels = Map.of();
  boolean reported; // by the sandbox filter, at some pass: only such a run has events
  boolean announced; // its start told, or not to be told (present at the first pass)
  boolean ended;
  long lastSampledAtMs;
  long vcpuTimeNs;
  long memoryPeakBytes;
  long diskReadBytes;
  long diskWriteBytes;
  long netRxBytes;
  long netTxBytes;

  SandboxRun(SandboxSample first) {
    this.sandboxId = first.sandboxId();
    this.runId = first.runId();
    this.startedAtMs = first.startedAtMs();
  }

  /** Whether {@code s} is a sample of this run. */
  boolean is(SandboxSample s) {
    return s.sandboxId() == sandboxId && s.runId() == runId && s.startedAtMs() == startedAtMs;
  }

  /** Whether {@code other} is this run, met in another slot. */
  boolean sameRunAs(SandboxRun other) {
    return other.sandboxId == sandboxId && other.runId == runId && other.startedAtMs == startedAtMs;
  }

  /** Takes over what was known of this run in the slot it left: told, reported, ended, peak. */
  void carryOn(SandboxRun before) {
    announced |= before.announced;
    reported |= before.reported;
    ended |= before.ended;
    memoryPeakBytes = Math.max(memoryPeakBytes, before.memoryPeakBytes);
  }

  /** Takes the figures of a coherent sample of this run; memory's peak is over the samples seen. */
  void update(SandboxSample s, Map<String, String> currentLabels) {
    if (name != s.name()) {
      name = s.name();
    }
    if (labels != currentLabels) {
      labels = currentLabels;
    }
    lastSampledAtMs = s.sampledAtMs();
    vcpuTimeNs = s.vcpuTimeNs();
    memoryPeakBytes = Math.max(memoryPeakBytes, s.memoryBytes());
    diskReadBytes = s.diskReadBytes();
    diskWriteBytes = s.diskWriteBytes();
    netRxBytes = s.netRxBytes();
    netTxBytes = s.netTxBytes();
  }

  /** Catalog id of the sandbox. */
  public int sandboxId() {
    return sandboxId;
  }

  /** Catalog run id. */
  public int runId() {
    return runId;
  }

  /** Sandbox name, as its last sample gave it. */
  public String name() {
    return name;
  }

  /** The sandbox's catalog labels when last seen (sorted by key). */
  public Map<String, String> labels() {
    return labels;
  }

  /** Unix ms when the run started. */
  public long startedAtMs() {
    return startedAtMs;
  }

  /** Unix ms of the run's last coherent sample. */
  public long lastSampledAtMs() {
    return lastSampledAtMs;
  }

  /** From the run's start to its last sample, in seconds (0 for a sample stamped before it). */
  public double durationSeconds() {
    return Math.max(0, lastSampledAtMs - startedAtMs) / 1e3;
  }

  /** Guest vCPU time of the run, in seconds. */
  public double cpuTimeSeconds() {
    return vcpuTimeNs / 1e9;
  }

  /** The largest guest memory sample seen: sampled, so a shorter peak between samples is missed. */
  public long memoryPeakBytes() {
    return memoryPeakBytes;
  }

  /** Disk bytes the run read. */
  public long diskReadBytes() {
    return diskReadBytes;
  }

  /** Disk bytes the run wrote. */
  public long diskWriteBytes() {
    return diskWriteBytes;
  }

  /** Network bytes the run received (runtime to guest). */
  public long netRxBytes() {
    return netRxBytes;
  }

  /** Network bytes the run sent (guest to runtime). */
  public long netTxBytes() {
    return netTxBytes;
  }
}
