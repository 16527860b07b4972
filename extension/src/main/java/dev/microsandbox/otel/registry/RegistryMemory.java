package dev.microsandbox.otel.registry;

import java.lang.invoke.VarHandle;

/**
 * The one seam between the registry protocol and the JVM's way of reading mapped memory: the
 * Foreign Function &amp; Memory API on Java 22+ ({@code SegmentRegistryMemory}), a {@code
 * MappedByteBuffer} with {@code VarHandle} acquire loads on Java 11+ ({@link
 * BufferRegistryMemory}). Everything above it (the seqlock protocol, guards, caches, the snapshot)
 * is written once, in {@link RegistryReader}.
 *
 * <p>A mapping is read-only. Offsets are bytes from the start of the file, little-endian, aligned
 * as the layout guarantees. Not thread-safe: {@link #close()} must not race a read.
 */
interface RegistryMemory extends AutoCloseable {

  /** Acquire load of an atomic u32. */
  int getIntAcquire(long offset);

  /** Acquire load of an atomic u64. */
  long getLongAcquire(long offset);

  /** Plain load of a u32, as its bits. */
  int getInt(long offset);

  /** Plain load of a u64, as its bits. */
  long getLong(long offset);

  /**
   * Plain copy of {@code length} bytes at {@code offset} into {@code target} from {@code
   * targetOffset}: how a slot's seqlock-protected fields are read, in one checked operation rather
   * than one per field.
   */
  void copy(long offset, byte[] target, int targetOffset, int length);

  /** Orders the plain loads before it ahead of the loads after it (the seqlock's second read). */
  default void acquireFence() {
    VarHandle.acquireFence();
  }

  /** Unmaps, where the JVM allows it; the memory must not be read afterwards. */
  @Override
  void close();
}
