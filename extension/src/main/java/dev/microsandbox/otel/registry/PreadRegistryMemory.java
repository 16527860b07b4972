package dev.microsandbox.otel.registry;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * {@link RegistryMemory} for Java 11 and newer, which maps nothing: each {@link #refresh} is one
 * positional read ({@code pread(2)}, through {@link FileChannel#read(ByteBuffer, long)}) of the
 * range into a private direct buffer, and every load reads that copy.
 *
 * <p>Why not a mapping: a file cut short under a {@code MappedByteBuffer} faults (SIGBUS), and on
 * Java 11-21 the JVM delivers that fault as an asynchronous {@code InternalError} wherever the
 * thread happens to be, even inside the JDK's own bookkeeping (a channel's thread set, the
 * cleaner), where it kills the cleaner (and with it the process) or leaves a lock held. A short
 * positional read is an ordinary return value: here it is an {@link IOException}, which the reader
 * turns into a problem and a detach.
 *
 * <p>Why the seqlock still holds. The reader copies a batch of slots in three phases, so three
 * reads: A yields each slot's state, generation and seq (s1, g1); B its fields; C seq, generation
 * and state again (s2, g2). Within one copy the kernel's loads come in no defined order, which is
 * why no copy serves two roles. Across copies they are ordered: copy A's loads are done when its
 * read returns, and copy B's start inside a later system call whose way in performs a fully ordered
 * atomic (the file reference {@code fdget} takes on a file table the JVM's threads share;
 * value-returning atomics are full barriers in the kernel's memory model), besides x86-64 never
 * reordering a load with an older one. So s1 is loaded before every field byte and every field byte
 * before s2, which is the seqlock's read side. The writer opens a write by turning seq odd (a
 * compare-and-swap that its field stores cannot precede) and closes it with a release increment: if
 * s1 equals s2, is even, and g1 equals g2, no write overlapped copy B, and the fields are one
 * sample.
 *
 * <p>The buffer is kept across remaps of one registry ({@link #map}'s {@code previous}): a registry
 * recreated again and again costs no direct memory, hence no GC the host application would notice.
 */
final class PreadRegistryMemory implements RegistryMemory {

  /** Bytes one refresh covers: a batch of slots (and the header). */
  static final int WINDOW = RegistryReader.BATCH_SLOTS * RegistryLayout.SLOT_LEN;

  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final FileChannel channel;
  private final ByteBuffer window;
  private long start = -1; // file offset of window[0]; -1: nothing read yet

  private PreadRegistryMemory(FileChannel channel, ByteBuffer window) {
    this.channel = channel;
    this.window = window;
  }

  /**
   * Reads {@code channel} (owned by the caller, open while this is used), reusing the buffer of
   * {@code previous} when it is one of these.
   */
  static RegistryMemory map(FileChannel channel, RegistryMemory previous) {
    ByteBuffer window =
        previous instanceof PreadRegistryMemory
            ? ((PreadRegistryMemory) previous).window
            : ByteBuffer.allocateDirect(WINDOW).order(ByteOrder.LITTLE_ENDIAN);
    return new PreadRegistryMemory(channel, window);
  }

  @Override
  public void refresh(long offset, int length) throws IOException {
    ByteBuffer w = window;
    w.clear().limit(length);
    start = -1;
    while (w.hasRemaining()) {
      if (channel.read(w, offset + w.position()) <= 0) {
        throw new IOException(
            "the file ends before byte " + (offset + length) + ": it was cut short");
      }
    }
    start = offset;
  }

  @Override
  public int getIntAcquire(long offset) {
    return (int) INT.get(window, at(offset)); // a private copy: ordered by the reads, see above
  }

  @Override
  public long getLongAcquire(long offset) {
    return (long) LONG.get(window, at(offset));
  }

  @Override
  public int getInt(long offset) {
    return window.getInt(at(offset));
  }

  @Override
  public long getLong(long offset) {
    return window.getLong(at(offset));
  }

  @Override
  public void copy(long offset, byte[] target, int targetOffset, int length) {
    // A relative bulk get on the private buffer: absolute ones are Java 13+, and a duplicate
    // would allocate per call.
    window.position(at(offset));
    window.get(target, targetOffset, length);
  }

  @Override
  public void close() {
    start = -1; // nothing to unmap; the channel is the caller's
  }

  private int at(long offset) {
    long index = offset - start;
    if (start < 0 || index < 0 || index > window.limit()) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + " lies outside the bytes last refreshed");
    }
    return (int) index;
  }
}
