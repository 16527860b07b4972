package dev.microsandbox.otel.registry;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * {@link RegistryMemory} for Java 22 and newer: a read-only {@link MemorySegment}, mapped either
 * through the Foreign Function &amp; Memory API ({@code FileChannel.map(READ_ONLY, …, Arena)}, no
 * restricted method: {@link RegistryAccess#FFM}) or by libc's {@code mmap} ({@link
 * NativeRegistryFile}). Its arena unmaps it deterministically on {@link #close()}. Its loads read
 * live memory, so {@link #refresh} has nothing to do.
 *
 * <p>Compiled for Java 22 with the other FFM classes; {@link RegistryAccess} loads them by name, so
 * none is touched on an older JVM.
 */
final class SegmentRegistryMemory implements RegistryMemory {

  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle ATOMIC_U32 = U32.varHandle().withInvokeExactBehavior();
  private static final VarHandle ATOMIC_U64 = U64.varHandle().withInvokeExactBehavior();

  private final Arena arena;
  private final MemorySegment segment;

  /** Reads {@code segment}, unmapped when {@code arena} closes ({@link NativeRegistryFile}). */
  SegmentRegistryMemory(Arena arena, MemorySegment segment) {
    this.arena = arena;
    this.segment = segment;
  }

  /** Maps the first {@code size} bytes of {@code channel} read-only. */
  static RegistryMemory map(FileChannel channel, long size) throws IOException {
    Arena arena = Arena.ofShared();
    try {
      return new SegmentRegistryMemory(
          arena, channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena));
    } catch (IOException | RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  @Override
  public void refresh(long offset, int length) {}

  @Override
  public int getIntAcquire(long offset) {
    return (int) ATOMIC_U32.getAcquire(segment, offset);
  }

  @Override
  public long getLongAcquire(long offset) {
    return (long) ATOMIC_U64.getAcquire(segment, offset);
  }

  @Override
  public int getInt(long offset) {
    return segment.get(U32, offset);
  }

  @Override
  public long getLong(long offset) {
    return segment.get(U64, offset);
  }

  @Override
  public void copy(long offset, byte[] target, int targetOffset, int length) {
    MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, target, targetOffset, length);
  }

  @Override
  public void close() {
    arena.close();
  }
}
