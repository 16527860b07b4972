package dev.microsandbox.otel.metrics;

import dev.microsandbox.otel.registry.RegistryLayout;
import dev.microsandbox.otel.registry.SandboxSample;

/**
 * The per-sandbox gauges: the eleven of {@code msb-metrics} plus the three registry figures it
 * leaves out (vCPU time, guest memory available, host-resident memory). Name, unit, description,
 * value type, the sample flag a value needs, and how a sample gives the value: defined once, used
 * by the observable instruments (the latest sample) and by the buffered samples alike.
 */
enum SandboxGauge {
  CPU_UTILIZATION("microsandbox.cpu.utilization", "1",
      "CPU in use, in vCPUs: vCPU-seconds per wall-second (2.0 = two vCPUs busy)", true, 0),
  CPU_TIME("microsandbox.cpu.time", "s",
      "vCPU time across all vCPUs since the sandbox started (cumulative); rate() gives vCPUs busy",
      true, RegistryLayout.FLAG_CPU),
  MEMORY_USAGE("microsandbox.memory.usage", "Guest memory in use", 0),
  MEMORY_LIMIT("microsandbox.memory.limit", "Configured guest memory limit", 0),
  MEMORY_AVAILABLE("microsandbox.memory.available",
      "Guest memory available for new allocations, as the guest reports it",
      RegistryLayout.FLAG_MEMORY_AVAILABLE),
  MEMORY_HOST_RESIDENT("microsandbox.memory.host_resident",
      "Host memory resident for the sandbox's VM", RegistryLayout.FLAG_MEMORY_HOST_RESIDENT),
  DISK_READ("microsandbox.disk.bytes_read",
      "Bytes read from disk by the sandbox since it started (cumulative)", 0),
  DISK_WRITTEN("microsandbox.disk.bytes_written",
      "Bytes written to disk by the sandbox since it started (cumulative)", 0),
  NETWORK_RECEIVED("microsandbox.network.bytes_received",
      "Network bytes from the runtime to the guest since it started (cumulative)", 0),
  NETWORK_SENT("microsandbox.network.bytes_sent",
      "Network bytes from the guest to the runtime since it started (cumulative)", 0),
  UPPER_USED("microsandbox.upper.used", "Bytes used in the sandbox's writable layer",
      RegistryLayout.FLAG_UPPER_USED),
  UPPER_FREE("microsandbox.upper.free", "Bytes free in the sandbox's writable layer",
      RegistryLayout.FLAG_UPPER_FREE),
  UPPER_HOST_ALLOCATED("microsandbox.upper.host_allocated",
      "Host bytes allocated to the sandbox's writable layer", RegistryLayout.FLAG_UPPER_HOST_ALLOCATED),
  UPTIME("microsandbox.uptime", "s", "Time since the sandbox process started, at sample time",
      true, 0);

  private static final SandboxGauge[] ALL = values();
  private static final java.util.Set<String> NAMES = java.util.Arrays.stream(ALL)
      .map(g -> g.metricName).collect(java.util.stream.Collectors.toUnmodifiableSet());

  final String metricName;
  final String unit;
  final String description;
  final boolean isDouble;
  /** The sample flag the value needs; 0: always present (0 when unsourced, as upstream reports). */
  final int flag;

  SandboxGauge(String metricName, String unit, String description, boolean isDouble, int flag) {
    this.metricName = metricName;
    this.unit = unit;
    this.description = description;
    this.isDouble = isDouble;
    this.flag = flag;
  }

  /** A byte gauge. */
  SandboxGauge(String metricName, String description, int flag) {
    this(metricName, "By", description, false, flag);
  }

  /** Every gauge, shared (callers must not modify it). */
  static SandboxGauge[] all() {
    return ALL;
  }

  /** Whether {@code name} is one of these gauges' metric names. */
  static boolean isGaugeName(String name) {
    return NAMES.contains(name);
  }

  /** Whether {@code s} has a value for this gauge (a CPU percent that is not a number has none). */
  boolean presentIn(SandboxSample s) {
    return s.has(flag) && (this != CPU_UTILIZATION || Float.isFinite(s.cpuPercent()));
  }

  /**
   * The value of a double gauge. One switch rather than a method per constant: the call site stays
   * monomorphic, so the JIT inlines it into the per-sandbox loops.
   */
  double doubleValue(SandboxSample s) {
    switch (this) {
      case CPU_UTILIZATION:
        return s.cpuPercent() / 100.0;
      case CPU_TIME:
        return s.vcpuTimeNs() / 1e9;
      case UPTIME:
        return s.uptimeMs() / 1000.0;
      default:
        throw new UnsupportedOperationException(metricName + " is a long gauge");
    }
  }

  /** The value of a long gauge. */
  long longValue(SandboxSample s) {
    switch (this) {
      case MEMORY_USAGE:
        return s.memoryBytes();
      case MEMORY_LIMIT:
        return s.memoryLimitBytes();
      case MEMORY_AVAILABLE:
        return s.memoryAvailableBytes();
      case MEMORY_HOST_RESIDENT:
        return s.memoryHostResidentBytes();
      case DISK_READ:
        return s.diskReadBytes();
      case DISK_WRITTEN:
        return s.diskWriteBytes();
      case NETWORK_RECEIVED:
        return s.netRxBytes();
      case NETWORK_SENT:
        return s.netTxBytes();
      case UPPER_USED:
        return s.upperUsedBytes();
      case UPPER_FREE:
        return s.upperFreeBytes();
      case UPPER_HOST_ALLOCATED:
        return s.upperHostAllocatedBytes();
      default:
        throw new UnsupportedOperationException(metricName + " is a double gauge");
    }
  }
}
