package dev.microsandbox.otel.registry;

import static dev.microsandbox.otel.registry.RegistryLayout.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The writer side of the v3 format, as the microsandbox runtime behaves: creates or joins a
 * registry, claims slots, publishes samples under the seqlock and releases slots. Used by the
 * simulator and by tests; the extension itself never writes. Several writers (processes) may share
 * one registry, as several sandbox runtimes do.
 *
 * <p>Slot lifecycle: {@link #claim} (free or stale → reserved, new generation) → {@link #activate}
 * (run id, pid, → active) → {@link #publish}* → {@link #release} (→ stale, keeping the last
 * sample, or → free; new generation).
 */
public final class RegistryWriter implements AutoCloseable {

  private final Arena arena;
  private final MemorySegment map;
  private final int capacity;

  private RegistryWriter(Arena arena, MemorySegment map, int capacity) {
    this.arena = arena;
    this.map = map;
    this.capacity = capacity;
  }

  /**
   * Joins the registry at {@code file} or, if there is none, creates it (mode 0600) with
   * {@code capacity} slots and publishes a ready header.
   *
   * @throws IOException if the file cannot be created or mapped, or holds no ready v3 registry
   */
  public static RegistryWriter openOrCreate(Path file, int capacity) throws IOException {
    if (capacity < 0 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException("capacity out of range: " + capacity);
    }
    Arena arena = Arena.ofShared();
    try {
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        java.nio.file.Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        long size = fileSize(capacity);
        channel.write(ByteBuffer.wrap(new byte[] {0}), size - 1);
        MemorySegment map = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
        setIntRelease(map, H_STATE, HEADER_INITIALIZING);
        map.set(U64, H_MAGIC, MAGIC);
        map.set(U32, H_VERSION, VERSION);
        map.set(U32, H_HEADER_LEN, HEADER_LEN);
        map.set(U32, H_SLOT_LEN, SLOT_LEN);
        map.set(U32, H_CAPACITY, capacity);
        map.set(U64, H_CREATED_AT_MS, System.currentTimeMillis());
        setLongRelease(map, H_GLOBAL_GENERATION, 0);
        setIntRelease(map, H_STATE, HEADER_READY);
        return new RegistryWriter(arena, map, capacity);
      } catch (FileAlreadyExistsException e) {
        return join(file, arena);
      }
    } catch (IOException | RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  private static RegistryWriter join(Path file, Arena arena) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      long size = channel.size();
      if (size < HEADER_LEN) {
        throw new IOException(file + " is too small to be a registry (" + size + " bytes)");
      }
      MemorySegment header = channel.map(FileChannel.MapMode.READ_WRITE, 0, HEADER_LEN, arena);
      if (header.get(U64, H_MAGIC) != MAGIC || header.get(U32, H_VERSION) != VERSION
          || getIntAcquire(header, H_STATE) != HEADER_READY) {
        throw new IOException(file + " exists but is not a ready v3 microsandbox registry");
      }
      int capacity = header.get(U32, H_CAPACITY);
      if (capacity < 0 || capacity > MAX_CAPACITY || fileSize(capacity) > size) {
        throw new IOException(file + " has a capacity that does not fit the file");
      }
      MemorySegment map = channel.map(FileChannel.MapMode.READ_WRITE, 0, fileSize(capacity), arena);
      return new RegistryWriter(arena, map, capacity);
    }
  }

  /** Number of slots. */
  public int capacity() {
    return capacity;
  }

  /**
   * Claims a free (or stale) slot for a sandbox and stamps it with a fresh generation. The slot is
   * reserved: invisible to readers until {@link #activate}.
   *
   * @param identity sandbox id, name (truncated to 128 UTF-8 bytes) and start time are taken
   * @return the slot index, or -1 when the registry is full
   */
  public int claim(SandboxSample identity) {
    for (int slot = 0; slot < capacity; slot++) {
      long base = slotOffset(slot);
      int state = getIntAcquire(map, base + S_STATE);
      if ((state == SLOT_FREE || state == SLOT_STALE)
          && compareAndSetInt(map, base + S_STATE, state, SLOT_RESERVED)) {
        setLongRelease(map, base + S_GENERATION, nextGeneration());
        map.set(U32, base + S_SANDBOX_ID, identity.sandboxId);
        map.set(U32, base + S_RUN_ID, 0);
        map.set(U32, base + S_PID, 0);
        map.set(U64, base + S_STARTED_AT_MS, identity.startedAtMs);
        map.set(U64, base + S_SAMPLED_AT_MS, 0);
        writeName(base, identity.name);
        return slot;
      }
    }
    return -1;
  }

  /** Records the run id and owner pid and makes the slot visible to readers. */
  public void activate(int slot, int runId, int pid) {
    long base = slotOffset(checkSlot(slot));
    map.set(U32, base + S_RUN_ID, runId);
    map.set(U32, base + S_PID, pid);
    setIntRelease(map, base + S_STATE, SLOT_ACTIVE);
  }

  /** Publishes the sample figures of {@code sample} (times, flags, every value) under the seqlock. */
  public void publish(int slot, SandboxSample sample) {
    long base = slotOffset(checkSlot(slot));
    long seq = getLongAcquire(map, base + S_SEQ);
    setLongRelease(map, base + S_SEQ, seq + 1); // odd: readers retry
    VarHandle.storeStoreFence(); // the odd seq is visible before any field changes
    map.set(U64, base + S_SAMPLED_AT_MS, sample.sampledAtMs);
    map.set(U32, base + S_SAMPLE_FLAGS, sample.flags);
    map.set(U64, base + S_MEMORY_LIMIT, sample.memoryLimitBytes);
    map.set(U64, base + S_VCPU_TIME_NS, sample.vcpuTimeNs);
    map.set(U32, base + S_CPU_PERCENT_BITS, Float.floatToRawIntBits(sample.cpuPercent));
    map.set(U64, base + S_MEMORY, sample.memoryBytes);
    map.set(U64, base + S_MEMORY_AVAILABLE, sample.memoryAvailableBytes);
    map.set(U64, base + S_MEMORY_HOST_RESIDENT, sample.memoryHostResidentBytes);
    map.set(U64, base + S_DISK_READ, sample.diskReadBytes);
    map.set(U64, base + S_DISK_WRITE, sample.diskWriteBytes);
    map.set(U64, base + S_NET_RX, sample.netRxBytes);
    map.set(U64, base + S_NET_TX, sample.netTxBytes);
    map.set(U64, base + S_UPPER_USED, sample.upperUsedBytes);
    map.set(U64, base + S_UPPER_FREE, sample.upperFreeBytes);
    map.set(U64, base + S_UPPER_HOST_ALLOCATED, sample.upperHostAllocatedBytes);
    setLongRelease(map, base + S_SEQ, seq + 2); // even again: the sample is coherent
  }

  /**
   * Releases a slot with a fresh generation: to stale (the last sample kept, as after a clean
   * sandbox exit) or to free.
   */
  public void release(int slot, boolean keepAsStale) {
    long base = slotOffset(checkSlot(slot));
    setLongRelease(map, base + S_GENERATION, nextGeneration());
    setIntRelease(map, base + S_STATE, keepAsStale ? SLOT_STALE : SLOT_FREE);
  }

  /** The writable mapping, for tests that forge broken slots. */
  MemorySegment segment() {
    return map;
  }

  /** Unmaps the registry; the file stays, as the runtime leaves it. */
  @Override
  public void close() {
    arena.close();
  }

  private long nextGeneration() {
    return getAndAddLong(map, H_GLOBAL_GENERATION, 1) + 1;
  }

  private int checkSlot(int slot) {
    if (slot < 0 || slot >= capacity) {
      throw new IndexOutOfBoundsException("slot " + slot + " of " + capacity);
    }
    return slot;
  }

  private void writeName(long base, String name) {
    CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder();
    ByteBuffer bytes = ByteBuffer.allocate(NAME_CAPACITY);
    encoder.encode(CharBuffer.wrap(name), bytes, true); // stops at a character boundary when full
    bytes.flip();
    MemorySegment.copy(MemorySegment.ofBuffer(bytes), 0, map, base + S_NAME, bytes.limit());
    map.asSlice(base + S_NAME + bytes.limit(), NAME_CAPACITY - bytes.limit()).fill((byte) 0);
    map.set(U16, base + S_NAME_LEN, (short) bytes.limit());
  }
}
