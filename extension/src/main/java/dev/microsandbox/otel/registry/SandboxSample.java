package dev.microsandbox.otel.registry;

/**
 * One sandbox's sample: identity plus the figures of its latest coherent read. A mutable holder:
 * the reader refills the same instances on every pass (valid until its next read), and the writer
 * publishes whatever a caller has set. Unsigned u64 fields at or above 2^63 are clamped to {@link
 * Long#MAX_VALUE} by the reader, never turned negative.
 */
public final class SandboxSample {

  int slot;
  int state;
  long generation;
  int sandboxId;
  int runId;
  int pid;
  long startedAtMs;
  long sampledAtMs;
  int flags;
  long memoryLimitBytes;
  long vcpuTimeNs;
  float cpuPercent;
  long memoryBytes;
  long memoryAvailableBytes;
  long memoryHostResidentBytes;
  long diskReadBytes;
  long diskWriteBytes;
  long netRxBytes;
  long netTxBytes;
  long upperUsedBytes;
  long upperFreeBytes;
  long upperHostAllocatedBytes;
  String name = "";
  RegistryAbi abi = RegistryAbi.V3;
  LeftOut leftOut; // null: reported
  boolean torn;

  /**
   * Why the pass left this run out ({@link RegistrySnapshot#leftOut}), or null for a reported one.
   */
  public LeftOut leftOut() {
    return leftOut;
  }

  /**
   * Whether only this sample's identity (ids, pid, start, name) is to be trusted: a left-out run
   * whose writer died mid-sample, so its figures may mix two samples.
   */
  public boolean isTorn() {
    return torn;
  }

  /** The ABI of the registry the sample was read from. */
  public RegistryAbi abi() {
    return abi;
  }

  /** Slot index the sample was read from (a legacy registry's slots follow the current one's). */
  public int slot() {
    return slot;
  }

  /**
   * Slot state as reported: {@link RegistryLayout#SLOT_ACTIVE} or {@link
   * RegistryLayout#SLOT_STALE}.
   */
  public int state() {
    return state;
  }

  /** The slot's ABA stamp at the time of the read. */
  public long generation() {
    return generation;
  }

  /** Catalog id of the sandbox. */
  public int sandboxId() {
    return sandboxId;
  }

  /** Catalog run id (changes on every restart). */
  public int runId() {
    return runId;
  }

  /** Host pid of the sandbox runtime. */
  public int pid() {
    return pid;
  }

  /** Unix ms when the sandbox process started. */
  public long startedAtMs() {
    return startedAtMs;
  }

  /** Unix ms of the sample. */
  public long sampledAtMs() {
    return sampledAtMs;
  }

  /** Sample flags ({@code RegistryLayout.FLAG_*}). */
  public int flags() {
    return flags;
  }

  /** True when every bit of {@code flag} is set. */
  public boolean has(int flag) {
    return (flags & flag) == flag;
  }

  /** Uptime at sample time, {@code sampled_at - started_at} clamped at 0. */
  public long uptimeMs() {
    return Math.max(0, sampledAtMs - startedAtMs);
  }

  /**
   * Guest memory limit: the boot allocation, or the live VM memory size when {@link
   * #memoryLimitLive()}.
   */
  public long memoryLimitBytes() {
    return memoryLimitBytes;
  }

  /** Whether the runtime refreshed the limit from the live VM size (flag {@code 0x80}, 0.7.x). */
  public boolean memoryLimitLive() {
    return has(RegistryLayout.FLAG_MEMORY_LIMIT_LIVE);
  }

  /** Cumulative guest vCPU time over all vCPUs (0 when unsourced). */
  public long vcpuTimeNs() {
    return vcpuTimeNs;
  }

  /** CPU percent, 100 = one full vCPU (0 when unsourced). */
  public float cpuPercent() {
    return cpuPercent;
  }

  /** Guest-used memory (0 when unsourced). */
  public long memoryBytes() {
    return memoryBytes;
  }

  /** Guest available memory; meaningful only with {@link RegistryLayout#FLAG_MEMORY_AVAILABLE}. */
  public long memoryAvailableBytes() {
    return memoryAvailableBytes;
  }

  /**
   * Host resident memory; meaningful only with {@link RegistryLayout#FLAG_MEMORY_HOST_RESIDENT}.
   */
  public long memoryHostResidentBytes() {
    return memoryHostResidentBytes;
  }

  /** Cumulative disk bytes read. */
  public long diskReadBytes() {
    return diskReadBytes;
  }

  /** Cumulative disk bytes written. */
  public long diskWriteBytes() {
    return diskWriteBytes;
  }

  /** Cumulative bytes runtime to guest. */
  public long netRxBytes() {
    return netRxBytes;
  }

  /** Cumulative bytes guest to runtime. */
  public long netTxBytes() {
    return netTxBytes;
  }

  /** Upper layer bytes used; meaningful only with {@link RegistryLayout#FLAG_UPPER_USED}. */
  public long upperUsedBytes() {
    return upperUsedBytes;
  }

  /** Upper layer bytes free; meaningful only with {@link RegistryLayout#FLAG_UPPER_FREE}. */
  public long upperFreeBytes() {
    return upperFreeBytes;
  }

  /**
   * Upper layer host bytes; meaningful only with {@link RegistryLayout#FLAG_UPPER_HOST_ALLOCATED}.
   */
  public long upperHostAllocatedBytes() {
    return upperHostAllocatedBytes;
  }

  /** Sandbox name, invalid UTF-8 replaced. */
  public String name() {
    return name;
  }

  // Fluent setters, for writers (the simulator, tests) and the sample buffer's decoder.

  /** Sets the identity the writer claims a slot with. */
  public SandboxSample identity(int sandboxId, int runId, int pid, String name) {
    this.sandboxId = sandboxId;
    this.runId = runId;
    this.pid = pid;
    this.name = name;
    return this;
  }

  /** Sets start and sample times (Unix ms). */
  public SandboxSample times(long startedAtMs, long sampledAtMs) {
    this.startedAtMs = startedAtMs;
    this.sampledAtMs = sampledAtMs;
    return this;
  }

  /** Sets the sample flags. */
  public SandboxSample flags(int flags) {
    this.flags = flags;
    return this;
  }

  /** Sets CPU figures. */
  public SandboxSample cpu(float cpuPercent, long vcpuTimeNs) {
    this.cpuPercent = cpuPercent;
    this.vcpuTimeNs = vcpuTimeNs;
    return this;
  }

  /** Sets memory figures; the optional ones are published only with their flags. */
  public SandboxSample memory(long limit, long used, long available, long hostResident) {
    this.memoryLimitBytes = limit;
    this.memoryBytes = used;
    this.memoryAvailableBytes = available;
    this.memoryHostResidentBytes = hostResident;
    return this;
  }

  /** Sets cumulative I/O counters. */
  public SandboxSample io(long diskRead, long diskWrite, long netRx, long netTx) {
    this.diskReadBytes = diskRead;
    this.diskWriteBytes = diskWrite;
    this.netRxBytes = netRx;
    this.netTxBytes = netTx;
    return this;
  }

  /** Sets upper-layer figures; published only with their flags. */
  public SandboxSample upper(long used, long free, long hostAllocated) {
    this.upperUsedBytes = used;
    this.upperFreeBytes = free;
    this.upperHostAllocatedBytes = hostAllocated;
    return this;
  }

  @Override
  public String toString() {
    return "SandboxSample{slot="
        + slot
        + ", id="
        + sandboxId
        + ", name="
        + name
        + ", state="
        + RegistryLayout.slotStateName(state)
        + ", sampledAtMs="
        + sampledAtMs
        + '}';
  }
}
