package dev.microsandbox.otel.registry;

import java.io.IOException;
import java.lang.invoke.VarHandle;

/**
 * The one seam between the registry protocol and the JVM's way of reaching the shared bytes: a
 * {@code MemorySegment} on Java 22+ ({@code SegmentRegistryMemory}: mapped through the Foreign
 * Function &amp; Memory API, or by libc's {@code mmap}), positional reads into a private buffer on
 * Java 11+ ({@link PreadRegistryMemory}). Everything above it (the seqlock protocol, guards,
 * caches, the snapshot) is written once, in {@link RegistryReader}.
 *
 * <p>The protocol reads in phases, and before each phase it calls {@link #refresh} for the bytes
 * that phase loads: a mapping reads live memory, so refreshing is nothing; a positional reader
 * copies the range anew, so every load of a phase sees the file as it was at that phase's copy,
 * later than every load of the phases before. The loads then address the refreshed range by file
 * offset; a load outside it is a programming error.
 *
 * <p>Read-only. Offsets are bytes from the start of the file, little-endian, aligned as the layout
 * guarantees. Not thread-safe: {@link #close()} must not race a read.
 */
interface RegistryMemory extends AutoCloseable {

  /**
   * Makes {@code length} bytes at {@code offset} current for the loads that follow: at most the
   * header, or {@link RegistryReader#BATCH_SLOTS} slots.
   *
   * @throws IOException when the file no longer holds those bytes (cut short under the reader)
   */
  void refresh(long offset, int length) throws IOException;

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

  /** Releases the memory (unmaps, or lets the buffer go); it must not be read afterwards. */
  @Override
  void close();
}
