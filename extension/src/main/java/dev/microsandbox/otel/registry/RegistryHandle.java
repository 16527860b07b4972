package dev.microsandbox.otel.registry;

import java.io.IOException;

/**
 * The registry opened read-only, as {@link RegistryAccess#open} opens it: a {@code FileChannel}, or
 * a file descriptor from libc's {@code shm_open} or {@code open}. {@link RegistryMapping} keeps it
 * open while it reads, for one {@code fstat} per pass.
 */
interface RegistryHandle extends AutoCloseable {

  /** The object's size now (one {@code fstat}). */
  long size() throws IOException;

  /**
   * Its first {@code size} bytes as {@link RegistryMemory}; {@code previous} (the memory of the
   * registry this one replaces, closed, or null) may lend its buffer to the new one.
   */
  RegistryMemory map(long size, RegistryMemory previous) throws IOException;

  /** Closes the descriptor; a mapping made from it stays valid until closed itself. */
  @Override
  void close();
}
