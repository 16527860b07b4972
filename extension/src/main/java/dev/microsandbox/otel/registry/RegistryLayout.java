package dev.microsandbox.otel.registry;

/**
 * The byte layout of the microsandbox metrics registry, version 3, and of the version 2 that older
 * runtimes still write: every offset, size and state constant. Reader and writer both use this
 * class and nothing else defines an offset; how the bytes are reached is {@link RegistryMemory}'s
 * business.
 *
 * <pre>
 * File /dev/shm/msb-met-&lt;fnv1a64(MSB_HOME) as 16 hex&gt;-v3, little-endian,
 * 256 + capacity * 512 bytes.
 *
 * Header (256 bytes)
 *   0x00 +-------------------------------+-------------------------------+
 *        | magic u64 "MSBMET01"                                          |
 *   0x08 +---------------+---------------+---------------+---------------+
 *        | version u32=3 | header_len=256| slot_len=512  | capacity u32  |
 *   0x18 +---------------+---------------+-------------------------------+
 *        | state (atomic u32) 0/1/2      | (pad)                         |
 *   0x20 +-------------------------------+-------------------------------+
 *        | created_at_ms i64             | global_generation (atomic u64)|
 *   0x30 +-------------------------------+-------------------------------+
 *        | reserved, zero ... up to 0x100                                |
 *        +---------------------------------------------------------------+
 *
 * Slot i at 256 + i * 512 (512 bytes)
 *   0x00 | state (atomic u32) 0 free 1 reserved 2 active 3 stale | pad  |
 *   0x08 | generation (atomic u64): ABA stamp, bumped on reuse/release    |
 *   0x10 | seq (atomic u64): seqlock, odd while a writer is mid-sample    |
 *   0x18 | sandbox_id i32 | run_id i32 | pid i32 | pad                    |
 *   0x28 | started_at_ms i64 | sampled_at_ms i64 (0 = never sampled)      |
 *   0x38 | sample_flags u32 | pad                                         |
 *   0x40 | memory_limit_bytes u64 (live with 0x80) | vcpu_time_ns u64     |
 *   0x50 | cpu_percent f32 bits | pad | memory_bytes u64                  |
 *   0x60 | memory_available u64 (0x04) | memory_host_resident u64 (0x08)  |
 *   0x70 | disk_read u64 | disk_write u64 | net_rx u64 | net_tx u64       |
 *   0x90 | upper_used (0x10) | upper_free (0x20) | upper_host_alloc (0x40)|
 *   0xa8 | name_len u16 | pad                                             |
 *   0xb0 | name u8[128], UTF-8                                            |
 *  0x130 | reserved tail ... up to 0x200                                  |
 *
 * ABI v2 (older runtimes, /dev/shm/msb-met-&lt;hash&gt;-v2): the same header with version 2, the
 * same slot up to net_tx, then no writable-layer figures:
 *   0x90 | name_len u16 | pad                                             |
 *   0x98 | name u8[128], UTF-8                                            |
 *  0x118 | reserved tail ... up to 0x200                                  |
 * </pre>
 *
 * <p>Fields marked atomic are read with acquire and written with release semantics; the other slot
 * fields are written under the {@code seq} seqlock and read plainly between two {@code seq} loads.
 */
public final class RegistryLayout {

  /** {@code "MSBMET01"} read as a little-endian u64. */
  public static final long MAGIC = 0x313054454d42534dL;

  /** The registry version of current runtimes. */
  public static final int VERSION = 3;

  /** The registry version older runtimes write, read beside version 3. */
  public static final int VERSION_2 = 2;

  /** Size of the header and offset of slot 0. */
  public static final int HEADER_LEN = 256;

  /** Size of one slot. */
  public static final int SLOT_LEN = 512;

  /** Capacity the upstream runtime creates by default. */
  public static final int DEFAULT_CAPACITY = 1024;

  /**
   * The most slots a registry may claim: 65,536 (a 32 MiB file, 64 times upstream's default). A
   * header claiming more is refused, not read: every slot is read on every pass, so a forged
   * capacity would otherwise cost the reader's host that much shared memory and time.
   */
  public static final int MAX_CAPACITY = 1 << 16;

  // Header fields.
  public static final long H_MAGIC = 0x00;
  public static final long H_VERSION = 0x08;
  public static final long H_HEADER_LEN = 0x0c;
  public static final long H_SLOT_LEN = 0x10;
  public static final long H_CAPACITY = 0x14;
  public static final long H_STATE = 0x18;
  public static final long H_CREATED_AT_MS = 0x20;
  public static final long H_GLOBAL_GENERATION = 0x28;

  // Header states.
  public static final int HEADER_UNINIT = 0;
  public static final int HEADER_INITIALIZING = 1;
  public static final int HEADER_READY = 2;

  // Slot fields, relative to the slot's base.
  public static final long S_STATE = 0x00;
  public static final long S_GENERATION = 0x08;
  public static final long S_SEQ = 0x10;
  public static final long S_SANDBOX_ID = 0x18;
  public static final long S_RUN_ID = 0x1c;
  public static final long S_PID = 0x20;
  public static final long S_STARTED_AT_MS = 0x28;
  public static final long S_SAMPLED_AT_MS = 0x30;
  public static final long S_SAMPLE_FLAGS = 0x38;
  public static final long S_MEMORY_LIMIT = 0x40;
  public static final long S_VCPU_TIME_NS = 0x48;
  public static final long S_CPU_PERCENT_BITS = 0x50;
  public static final long S_MEMORY = 0x58;
  public static final long S_MEMORY_AVAILABLE = 0x60;
  public static final long S_MEMORY_HOST_RESIDENT = 0x68;
  public static final long S_DISK_READ = 0x70;
  public static final long S_DISK_WRITE = 0x78;
  public static final long S_NET_RX = 0x80;
  public static final long S_NET_TX = 0x88;
  public static final long S_UPPER_USED = 0x90;
  public static final long S_UPPER_FREE = 0x98;
  public static final long S_UPPER_HOST_ALLOCATED = 0xa0;
  public static final long S_NAME_LEN = 0xa8;
  public static final long S_NAME = 0xb0;
  // ABI v2 slot fields that differ from v3's.
  public static final long S2_NAME_LEN = 0x90;
  public static final long S2_NAME = 0x98;

  /** The sample flags a v2 slot can carry: the writable-layer figures came with v3. */
  public static final int FLAGS_V2 = 0x0f;

  /** Capacity of the name field; a larger {@code name_len} is clamped to it. */
  public static final int NAME_CAPACITY = 128;

  // Slot states.
  public static final int SLOT_FREE = 0;
  public static final int SLOT_RESERVED = 1;
  public static final int SLOT_ACTIVE = 2;
  public static final int SLOT_STALE = 3;

  // Sample flags: which optional fields hold a sourced value.
  public static final int FLAG_CPU = 0x01;
  public static final int FLAG_MEMORY = 0x02;
  public static final int FLAG_MEMORY_AVAILABLE = 0x04;
  public static final int FLAG_MEMORY_HOST_RESIDENT = 0x08;
  public static final int FLAG_UPPER_USED = 0x10;
  public static final int FLAG_UPPER_FREE = 0x20;
  public static final int FLAG_UPPER_HOST_ALLOCATED = 0x40;

  /**
   * memory_limit_bytes was refreshed from the live VM memory size (runtime 0.7.x), not the boot
   * allocation: a resized sandbox's limit follows it, and the runtime then derives memory_bytes as
   * limit − available where both exist. Not a validity bit: the limit is always there.
   */
  public static final int FLAG_MEMORY_LIMIT_LIVE = 0x80;

  /**
   * Tries at one slot in one pass before it is skipped (and counted) until the next pass: a write
   * lasts well under a microsecond, so a slot still mid-write after this many is stuck, and
   * upstream's 4096 spins would cost every pass about 0.1 ms per such slot, forever.
   */
  public static final int MAX_READ_ATTEMPTS = 16;

  private RegistryLayout() {}

  /** Offset of slot {@code index}. */
  public static long slotOffset(int index) {
    return HEADER_LEN + (long) index * SLOT_LEN;
  }

  /** Bytes a registry of {@code capacity} slots occupies. */
  public static long fileSize(long capacity) {
    return HEADER_LEN + capacity * SLOT_LEN;
  }

  /** Human name of a slot state, as upstream prints it. */
  public static String slotStateName(int state) {
    switch (state) {
      case SLOT_FREE:
        return "Free";
      case SLOT_RESERVED:
        return "Reserved";
      case SLOT_ACTIVE:
        return "Active";
      case SLOT_STALE:
        return "Stale";
      default:
        return "Unknown(" + state + ")";
    }
  }
}
