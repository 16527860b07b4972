package dev.microsandbox.otel.registry;

import static dev.microsandbox.otel.registry.RegistryLayout.*;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/**
 * The writer side of the v3 format (and of the v2 that older runtimes write, for tests and the
 * simulator), publishing in the same order as the microsandbox runtime (spec §6), so that tests
 * meet the orderings a reader meets in production. Used by the simulator and by tests; the
 * extension itself never writes. Several writers (processes) may share one registry, as several
 * sandbox runtimes do.
 *
 * <p>Slot lifecycle, each step as upstream does it:
 *
 * <ul>
 *   <li>{@link #claim}: CAS free→reserved (stale→reserved on a second pass), take a generation,
 *       store the identity, zeroed times and figures and the name inside one seqlock write, then
 *       publish the generation last;
 *   <li>{@link #activate}: inside a seqlock write (generation re-checked) store run id, pid and
 *       start time, then CAS reserved→active;
 *   <li>{@link #publish}: inside a seqlock write (generation re-checked) store the sample time, the
 *       flags and every figure;
 *   <li>{@link #release}: publish a new generation first, wait for any write in flight, then store
 *       stale (the last sample kept) or free.
 * </ul>
 *
 * Seqlock: begin = CAS {@code seq} from even to odd (spinning while odd), end = add one.
 */
public final class RegistryWriter implements AutoCloseable {

  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final ByteBuffer map;
  private final RegistryAbi abi;
  private final int capacity;

  /** The generation this writer stamped each slot it holds with, and the start time to activate. */
  private final long[] heldGeneration;

  private final long[] startedAtMs;

  private RegistryWriter(MappedByteBuffer map, RegistryAbi abi, int capacity) {
    this.map = map.order(ByteOrder.LITTLE_ENDIAN);
    this.abi = abi;
    this.capacity = capacity;
    this.heldGeneration = new long[capacity];
    this.startedAtMs = new long[capacity];
    Arrays.fill(heldGeneration, -1);
  }

  /**
   * Joins the registry at {@code file} or, if there is none, creates it (mode 0600) with {@code
   * capacity} slots and publishes a ready header.
   *
   * @throws IOException if the file cannot be created or mapped, or holds no ready v3 registry
   */
  public static RegistryWriter openOrCreate(Path file, int capacity) throws IOException {
    return openOrCreate(file, capacity, RegistryAbi.V3);
  }

  /** As {@link #openOrCreate(Path, int)}, for a registry of {@code abi}. */
  public static RegistryWriter openOrCreate(Path file, int capacity, RegistryAbi abi)
      throws IOException {
    if (capacity < 0 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException("capacity out of range: " + capacity);
    }
    try (FileChannel channel =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      long size = fileSize(capacity);
      channel.write(ByteBuffer.wrap(new byte[] {0}), size - 1);
      MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
      map.order(ByteOrder.LITTLE_ENDIAN);
      INT.setRelease(map, (int) H_STATE, HEADER_INITIALIZING);
      map.putLong((int) H_MAGIC, MAGIC);
      map.putInt((int) H_VERSION, abi.version);
      map.putInt((int) H_HEADER_LEN, HEADER_LEN);
      map.putInt((int) H_SLOT_LEN, SLOT_LEN);
      map.putInt((int) H_CAPACITY, capacity);
      map.putLong((int) H_CREATED_AT_MS, System.currentTimeMillis());
      LONG.setRelease(map, (int) H_GLOBAL_GENERATION, 0L);
      INT.setRelease(map, (int) H_STATE, HEADER_READY);
      return new RegistryWriter(map, abi, capacity);
    } catch (FileAlreadyExistsException e) {
      return join(file, abi);
    }
  }

  private static RegistryWriter join(Path file, RegistryAbi abi) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = channel.size();
      if (size < HEADER_LEN) {
        throw new IOException(file + " is too small to be a registry (" + size + " bytes)");
      }
      ByteBuffer header =
          channel.map(FileChannel.MapMode.READ_ONLY, 0, HEADER_LEN).order(ByteOrder.LITTLE_ENDIAN);
      if (header.getLong((int) H_MAGIC) != MAGIC
          || header.getInt((int) H_VERSION) != abi.version
          || (int) INT.getAcquire(header, (int) H_STATE) != HEADER_READY) {
        throw new IOException(
            file + " exists but is not a ready v" + abi.version + " microsandbox registry");
      }
      int capacity = header.getInt((int) H_CAPACITY);
      if (capacity < 0 || capacity > MAX_CAPACITY || fileSize(capacity) > size) {
        throw new IOException(file + " has a capacity that does not fit the file");
      }
      return new RegistryWriter(
          channel.map(FileChannel.MapMode.READ_WRITE, 0, fileSize(capacity)), abi, capacity);
    }
  }

  /** Number of slots. */
  public int capacity() {
    return capacity;
  }

  /**
   * Claims a free slot (else a stale one) for a sandbox. The slot is reserved: invisible to readers
   * until {@link #activate}.
   *
   * @param identity sandbox id, name (truncated to 128 UTF-8 bytes at a character boundary) and
   *     memory limit are stored now; the start time is kept for {@link #activate}
   * @return the slot index, or -1 when the registry is full
   */
  public int claim(SandboxSample identity) {
    int slot = reserve(SLOT_FREE);
    if (slot < 0) {
      slot = reserve(SLOT_STALE);
    }
    if (slot < 0) {
      return -1;
    }
    long base = slotOffset(slot);
    long generation = (long) LONG.getAndAdd(map, (int) H_GLOBAL_GENERATION, 1L) + 1;
    beginWrite(base);
    putInt(base + S_SANDBOX_ID, identity.sandboxId);
    putInt(base + S_RUN_ID, 0);
    putInt(base + S_PID, 0);
    putLong(base + S_STARTED_AT_MS, 0);
    putLong(base + S_SAMPLED_AT_MS, 0);
    putInt(base + S_SAMPLE_FLAGS, 0);
    putLong(base + S_MEMORY_LIMIT, identity.memoryLimitBytes);
    putFigures(base, new SandboxSample());
    writeName(base, identity.name);
    endWrite(base);
    LONG.setRelease(map, (int) (base + S_GENERATION), generation); // published last
    heldGeneration[slot] = generation;
    startedAtMs[slot] = identity.startedAtMs;
    return slot;
  }

  /**
   * A sandbox starting, as the runtime writes it: {@link #claim}, {@link #activate} with {@code
   * runId} and {@code pid}, then {@link #publish} of {@code sample}'s first figures.
   *
   * @return the slot index, or -1 when the registry is full
   */
  public int start(SandboxSample sample, int runId, int pid) {
    int slot = claim(sample);
    if (slot >= 0) {
      activate(slot, runId, pid);
      publish(slot, sample);
    }
    return slot;
  }

  /** Records the run id, owner pid and start time, then makes the slot visible to readers. */
  public void activate(int slot, int runId, int pid) {
    long base = slotOffset(checkSlot(slot));
    if (!holds(slot, base)) {
      return;
    }
    beginWrite(base);
    if (holds(slot, base)) {
      putInt(base + S_RUN_ID, runId);
      putInt(base + S_PID, pid);
      putLong(base + S_STARTED_AT_MS, startedAtMs[slot]);
    }
    endWrite(base);
    INT.compareAndSet(map, (int) (base + S_STATE), SLOT_RESERVED, SLOT_ACTIVE);
  }

  /** Publishes the sample time, flags and every figure of {@code sample} under the seqlock. */
  public void publish(int slot, SandboxSample sample) {
    long base = slotOffset(checkSlot(slot));
    if (!holds(slot, base)) {
      return;
    }
    beginWrite(base);
    if (holds(slot, base)) { // a release in between: close the write without touching the slot
      putLong(base + S_SAMPLED_AT_MS, sample.sampledAtMs);
      putInt(base + S_SAMPLE_FLAGS, sample.flags & abi.flagMask);
      putLong(base + S_MEMORY_LIMIT, sample.memoryLimitBytes);
      putFigures(base, sample);
    }
    endWrite(base);
  }

  /**
   * Releases a slot with a fresh generation: to stale (the last sample kept, as after a clean
   * sandbox exit) or to free.
   */
  public void release(int slot, boolean keepAsStale) {
    long base = slotOffset(checkSlot(slot));
    if (!holds(slot, base)) {
      return;
    }
    long generation = (long) LONG.getAndAdd(map, (int) H_GLOBAL_GENERATION, 1L) + 1;
    LONG.setRelease(map, (int) (base + S_GENERATION), generation);
    heldGeneration[slot] = -1;
    while ((((long) LONG.getAcquire(map, (int) (base + S_SEQ))) & 1) != 0) {
      Thread.onSpinWait(); // another writer mid-write
    }
    INT.setRelease(map, (int) (base + S_STATE), keepAsStale ? SLOT_STALE : SLOT_FREE);
  }

  /** Whether every slot is free or stale: no writer holds one (claimed or active). */
  public boolean idle() {
    for (int slot = 0; slot < capacity; slot++) {
      int state = (int) INT.getAcquire(map, (int) (slotOffset(slot) + S_STATE));
      if (state != SLOT_FREE && state != SLOT_STALE) {
        return false;
      }
    }
    return true;
  }

  /** Unmaps nothing explicitly (the GC does); the file stays, as the runtime leaves it. */
  @Override
  public void close() {
    // A MappedByteBuffer has no unmap; writers are short-lived tools and tests.
  }

  private int reserve(int from) {
    for (int slot = 0; slot < capacity; slot++) {
      int offset = (int) (slotOffset(slot) + S_STATE);
      if ((int) INT.getAcquire(map, offset) == from
          && INT.compareAndSet(map, offset, from, SLOT_RESERVED)) {
        return slot;
      }
    }
    return -1;
  }

  private boolean holds(int slot, long base) {
    return heldGeneration[slot] >= 0
        && (long) LONG.getAcquire(map, (int) (base + S_GENERATION)) == heldGeneration[slot];
  }

  /** Opens a seqlock write: CAS an even {@code seq} to odd (a full fence), spinning while odd. */
  private void beginWrite(long base) {
    int offset = (int) (base + S_SEQ);
    while (true) {
      long seq = (long) LONG.getAcquire(map, offset);
      if ((seq & 1) == 0 && LONG.compareAndSet(map, offset, seq, seq + 1)) {
        VarHandle.releaseFence(); // no field store may become visible before the odd seq
        return;
      }
      Thread.onSpinWait();
    }
  }

  /** Closes a seqlock write: {@code seq} back to even, releasing every store before it. */
  private void endWrite(long base) {
    LONG.getAndAdd(map, (int) (base + S_SEQ), 1L);
  }

  private void putFigures(long base, SandboxSample s) {
    putLong(base + S_VCPU_TIME_NS, s.vcpuTimeNs);
    putInt(base + S_CPU_PERCENT_BITS, Float.floatToRawIntBits(s.cpuPercent));
    putLong(base + S_MEMORY, s.memoryBytes);
    putLong(base + S_MEMORY_AVAILABLE, s.memoryAvailableBytes);
    putLong(base + S_MEMORY_HOST_RESIDENT, s.memoryHostResidentBytes);
    putLong(base + S_DISK_READ, s.diskReadBytes);
    putLong(base + S_DISK_WRITE, s.diskWriteBytes);
    putLong(base + S_NET_RX, s.netRxBytes);
    putLong(base + S_NET_TX, s.netTxBytes);
    if (abi.hasUpperFields()) {
      putLong(base + S_UPPER_USED, s.upperUsedBytes);
      putLong(base + S_UPPER_FREE, s.upperFreeBytes);
      putLong(base + S_UPPER_HOST_ALLOCATED, s.upperHostAllocatedBytes);
    }
  }

  private void putInt(long offset, int value) {
    map.putInt((int) offset, value);
  }

  private void putLong(long offset, long value) {
    map.putLong((int) offset, value);
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
    int length = bytes.limit();
    for (int i = 0; i < NAME_CAPACITY; i++) {
      map.put((int) (base + abi.nameAt + i), i < length ? bytes.get(i) : 0);
    }
    map.putShort((int) (base + abi.nameLenAt), (short) length);
  }
}
