package dev.microsandbox.otel.metrics.series;

import static io.opentelemetry.semconv.incubating.ContainerIncubatingMetrics.*;

import dev.microsandbox.otel.registry.RegistryLayout;
import dev.microsandbox.otel.registry.SandboxSample;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every series the extension reports per sandbox, one constant per (metric, point attributes):
 * name, kind, unit, description, value type, the sample flag the value needs, which instrument set
 * it belongs to, and how a sample gives its value. Defined once, used by the observable gauges, the
 * counters of the latest pass and the buffered samples alike.
 *
 * <p>Three families: {@code msb-metrics}' eleven gauges plus the three registry figures it leaves
 * out (the {@code msb} set); OpenTelemetry's container semantic conventions, whose names, units and
 * descriptions come from the semconv artifact (the {@code semconv} set); and the figures no
 * convention covers, kept under their {@code microsandbox.*} names in every set; and the info
 * gauge, which carries the labels when they go on no other point. Constants of one metric (the two
 * directions of {@code container.network.io}) are adjacent.
 */
public enum SandboxSeries {
  CPU_UTILIZATION(
      Family.MSB,
      Kind.GAUGE,
      "microsandbox.cpu.utilization",
      "1",
      "CPU in use, in vCPUs: vCPU-seconds per wall-second (2.0 = two vCPUs busy)",
      true,
      0),
  CPU_TIME(
      Family.MSB,
      Kind.GAUGE,
      "microsandbox.cpu.time",
      "s",
      "vCPU time across all vCPUs since the sandbox started (cumulative); rate() gives vCPUs busy",
      true,
      RegistryLayout.FLAG_CPU),
  MEMORY_USAGE(Family.MSB, "microsandbox.memory.usage", "Guest memory in use", 0),
  MEMORY_LIMIT(Family.EVERY_SET, "microsandbox.memory.limit", "Guest memory limit", 0),
  MEMORY_AVAILABLE(
      Family.MSB,
      "microsandbox.memory.available",
      "Guest memory available for new allocations, as the guest reports it",
      RegistryLayout.FLAG_MEMORY_AVAILABLE),
  MEMORY_HOST_RESIDENT(
      Family.EVERY_SET,
      "microsandbox.memory.host_resident",
      "Host memory resident for the sandbox's VM",
      RegistryLayout.FLAG_MEMORY_HOST_RESIDENT),
  DISK_READ(
      Family.MSB,
      "microsandbox.disk.bytes_read",
      "Bytes read from disk by the sandbox since it started (cumulative)",
      0),
  DISK_WRITTEN(
      Family.MSB,
      "microsandbox.disk.bytes_written",
      "Bytes written to disk by the sandbox since it started (cumulative)",
      0),
  NETWORK_RECEIVED(
      Family.MSB,
      "microsandbox.network.bytes_received",
      "Network bytes from the runtime to the guest since it started (cumulative)",
      0),
  NETWORK_SENT(
      Family.MSB,
      "microsandbox.network.bytes_sent",
      "Network bytes from the guest to the runtime since it started (cumulative)",
      0),
  UPPER_USED(
      Family.MSB,
      "microsandbox.upper.used",
      "Bytes used in the sandbox's writable layer",
      RegistryLayout.FLAG_UPPER_USED),
  UPPER_FREE(
      Family.MSB,
      "microsandbox.upper.free",
      "Bytes free in the sandbox's writable layer",
      RegistryLayout.FLAG_UPPER_FREE),
  UPPER_HOST_ALLOCATED(
      Family.EVERY_SET,
      "microsandbox.upper.host_allocated",
      "Host bytes allocated to the sandbox's writable layer",
      RegistryLayout.FLAG_UPPER_HOST_ALLOCATED),
  UPTIME(
      Family.MSB,
      Kind.GAUGE,
      "microsandbox.uptime",
      "s",
      "Time since the sandbox process started, at sample time",
      true,
      0),

  CONTAINER_CPU_TIME(
      Kind.COUNTER,
      CONTAINER_CPU_TIME_NAME,
      CONTAINER_CPU_TIME_UNIT,
      CONTAINER_CPU_TIME_DESCRIPTION,
      true,
      RegistryLayout.FLAG_CPU,
      Direction.NONE),
  CONTAINER_CPU_USAGE(
      Kind.GAUGE,
      CONTAINER_CPU_USAGE_NAME,
      CONTAINER_CPU_USAGE_UNIT,
      CONTAINER_CPU_USAGE_DESCRIPTION,
      true,
      RegistryLayout.FLAG_CPU,
      Direction.NONE),
  CONTAINER_MEMORY_USAGE(
      Kind.UP_DOWN_COUNTER,
      CONTAINER_MEMORY_USAGE_NAME,
      CONTAINER_MEMORY_USAGE_UNIT,
      CONTAINER_MEMORY_USAGE_DESCRIPTION,
      false,
      RegistryLayout.FLAG_MEMORY,
      Direction.NONE),
  CONTAINER_MEMORY_AVAILABLE(
      Kind.UP_DOWN_COUNTER,
      CONTAINER_MEMORY_AVAILABLE_NAME,
      CONTAINER_MEMORY_AVAILABLE_UNIT,
      CONTAINER_MEMORY_AVAILABLE_DESCRIPTION,
      false,
      RegistryLayout.FLAG_MEMORY_AVAILABLE,
      Direction.NONE),
  CONTAINER_NETWORK_RECEIVE(
      Kind.COUNTER,
      CONTAINER_NETWORK_IO_NAME,
      CONTAINER_NETWORK_IO_UNIT,
      CONTAINER_NETWORK_IO_DESCRIPTION,
      false,
      0,
      Direction.RECEIVE),
  CONTAINER_NETWORK_TRANSMIT(
      Kind.COUNTER,
      CONTAINER_NETWORK_IO_NAME,
      CONTAINER_NETWORK_IO_UNIT,
      CONTAINER_NETWORK_IO_DESCRIPTION,
      false,
      0,
      Direction.TRANSMIT),
  CONTAINER_DISK_READ(
      Kind.COUNTER,
      CONTAINER_DISK_IO_NAME,
      CONTAINER_DISK_IO_UNIT,
      CONTAINER_DISK_IO_DESCRIPTION,
      false,
      0,
      Direction.READ),
  CONTAINER_DISK_WRITE(
      Kind.COUNTER,
      CONTAINER_DISK_IO_NAME,
      CONTAINER_DISK_IO_UNIT,
      CONTAINER_DISK_IO_DESCRIPTION,
      false,
      0,
      Direction.WRITE),
  CONTAINER_FILESYSTEM_USAGE(
      Kind.UP_DOWN_COUNTER,
      CONTAINER_FILESYSTEM_USAGE_NAME,
      CONTAINER_FILESYSTEM_USAGE_UNIT,
      CONTAINER_FILESYSTEM_USAGE_DESCRIPTION,
      false,
      RegistryLayout.FLAG_UPPER_USED,
      Direction.NONE),
  CONTAINER_FILESYSTEM_AVAILABLE(
      Kind.UP_DOWN_COUNTER,
      CONTAINER_FILESYSTEM_AVAILABLE_NAME,
      CONTAINER_FILESYSTEM_AVAILABLE_UNIT,
      CONTAINER_FILESYSTEM_AVAILABLE_DESCRIPTION,
      false,
      RegistryLayout.FLAG_UPPER_FREE,
      Direction.NONE),
  CONTAINER_UPTIME(
      Kind.GAUGE,
      CONTAINER_UPTIME_NAME,
      CONTAINER_UPTIME_UNIT,
      CONTAINER_UPTIME_DESCRIPTION,
      true,
      0,
      Direction.NONE),

  /** 1 per reported sandbox, with its identity and labels, when labels go on no other point. */
  SANDBOX_INFO(
      Family.INFO,
      Kind.GAUGE,
      "microsandbox.sandbox.info",
      "{sandbox}",
      "1 for every reported sandbox, with its identity and its labels: join the other series on"
          + " the identity to get the labels",
      false,
      0);

  /** Which instrument sets report a series. */
  enum Family {
    /** {@code msb-metrics}' names: the {@code msb} and {@code both} sets. */
    MSB,
    /** The container semantic conventions: the {@code semconv} and {@code both} sets. */
    SEMCONV,
    /** A figure no convention covers: every set. */
    EVERY_SET,
    /** The info gauge: any set, when the labels go on it alone. */
    INFO
  }

  /** The instrument kind, as OpenTelemetry names them. */
  public enum Kind {
    GAUGE,
    /** A monotonic cumulative sum; its points start when the sandbox's run started. */
    COUNTER,
    /** A non-monotonic cumulative sum, started like a counter's. */
    UP_DOWN_COUNTER
  }

  /** The direction attribute a series' points carry, beside the sandbox's own. */
  enum Direction {
    NONE,
    RECEIVE,
    TRANSMIT,
    READ,
    WRITE
  }

  private static final SandboxSeries[] ALL = values();
  private static final Set<String> NAMES =
      Arrays.stream(ALL).map(s -> s.metricName).collect(Collectors.toUnmodifiableSet());

  final Family family;

  /** The instrument kind the series is reported as. */
  public final Kind kind;

  /** The metric's name, as exported. */
  public final String metricName;

  /** The metric's unit (UCUM). */
  public final String unit;

  /** The metric's description. */
  public final String description;

  /** Whether its points are doubles (else longs). */
  public final boolean isDouble;

  /** The sample flag the value needs; 0: always present (0 when unsourced, as upstream reports). */
  final int flag;

  final Direction direction;

  SandboxSeries(
      Family family,
      Kind kind,
      String metricName,
      String unit,
      String description,
      boolean isDouble,
      int flag,
      Direction direction) {
    this.family = family;
    this.kind = kind;
    this.metricName = metricName;
    this.unit = unit;
    this.description = description;
    this.isDouble = isDouble;
    this.flag = flag;
    this.direction = direction;
  }

  /** A {@code microsandbox.*} gauge. */
  SandboxSeries(
      Family family,
      Kind kind,
      String metricName,
      String unit,
      String description,
      boolean isDouble,
      int flag) {
    this(family, kind, metricName, unit, description, isDouble, flag, Direction.NONE);
  }

  /** A {@code microsandbox.*} byte gauge. */
  SandboxSeries(Family family, String metricName, String description, int flag) {
    this(family, Kind.GAUGE, metricName, "By", description, false, flag, Direction.NONE);
  }

  /** A series of the container semantic conventions. */
  SandboxSeries(
      Kind kind,
      String metricName,
      String unit,
      String description,
      boolean isDouble,
      int flag,
      Direction direction) {
    this(Family.SEMCONV, kind, metricName, unit, description, isDouble, flag, direction);
  }

  /** Every series, shared (callers must not modify it). */
  public static SandboxSeries[] all() {
    return ALL;
  }

  /** Whether {@code name} is the metric name of any series. */
  public static boolean isSeriesName(String name) {
    return NAMES.contains(name);
  }

  /** Whether this series is a sum (its points carry the run's start), not a gauge. */
  public boolean isSum() {
    return kind != Kind.GAUGE;
  }

  /**
   * Whether {@code s} has a value for this series (a CPU percent that is not a number has none).
   */
  public boolean presentIn(SandboxSample s) {
    return s.has(flag)
        && ((this != CPU_UTILIZATION && this != CONTAINER_CPU_USAGE)
            || Float.isFinite(s.cpuPercent()));
  }

  /**
   * The value of a double series. One switch rather than a method per constant: the call site stays
   * monomorphic, so the JIT inlines it into the per-sandbox loops.
   */
  public double doubleValue(SandboxSample s) {
    switch (this) {
      case CPU_UTILIZATION:
      case CONTAINER_CPU_USAGE:
        return s.cpuPercent() / 100.0;
      case CPU_TIME:
      case CONTAINER_CPU_TIME:
        return s.vcpuTimeNs() / 1e9;
      case UPTIME:
      case CONTAINER_UPTIME:
        return s.uptimeMs() / 1000.0;
      default:
        throw new UnsupportedOperationException(metricName + " has long values");
    }
  }

  /** The value of a long series. */
  public long longValue(SandboxSample s) {
    switch (this) {
      case MEMORY_USAGE:
      case CONTAINER_MEMORY_USAGE:
        return s.memoryBytes();
      case MEMORY_LIMIT:
        return s.memoryLimitBytes();
      case MEMORY_AVAILABLE:
      case CONTAINER_MEMORY_AVAILABLE:
        return s.memoryAvailableBytes();
      case MEMORY_HOST_RESIDENT:
        return s.memoryHostResidentBytes();
      case DISK_READ:
      case CONTAINER_DISK_READ:
        return s.diskReadBytes();
      case DISK_WRITTEN:
      case CONTAINER_DISK_WRITE:
        return s.diskWriteBytes();
      case NETWORK_RECEIVED:
      case CONTAINER_NETWORK_RECEIVE:
        return s.netRxBytes();
      case NETWORK_SENT:
      case CONTAINER_NETWORK_TRANSMIT:
        return s.netTxBytes();
      case UPPER_USED:
      case CONTAINER_FILESYSTEM_USAGE:
        return s.upperUsedBytes();
      case UPPER_FREE:
      case CONTAINER_FILESYSTEM_AVAILABLE:
        return s.upperFreeBytes();
      case UPPER_HOST_ALLOCATED:
        return s.upperHostAllocatedBytes();
      case SANDBOX_INFO:
        return 1;
      default:
        throw new UnsupportedOperationException(metricName + " has double values");
    }
  }
}
