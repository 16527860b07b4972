package dev.microsandbox.otel.registry;

import dev.microsandbox.otel.support.JavaRuntime;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * {@link RegistryMemory} for Java 11 and newer: a read-only {@link MappedByteBuffer}, little-endian,
 * with {@link MethodHandles#byteBufferViewVarHandle} views for the acquire loads of the seqlock
 * words. A file cut short under the mapping faults on access; the JVM turns that SIGBUS into an
 * {@link InternalError}, which the reader handles.
 *
 * <p>A {@code MappedByteBuffer} has no public unmap: left alone it is unmapped when the garbage
 * collector finds it unreachable, so a registry recreated again and again would leave one mapping
 * per incarnation until the next GC. {@link #close()} therefore unmaps at once through
 * {@code sun.misc.Unsafe.invokeCleaner} (the JDK's own cleaner, exported by {@code jdk.unsupported})
 * on Java 11 to 22. From Java 23 that method is deprecated and, from 24, warns on use; there the
 * FFM reader is the default and a forced buffer reader leaves unmapping to the GC.
 */
final class BufferRegistryMemory implements RegistryMemory {

  private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class,
      ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class,
      ByteOrder.LITTLE_ENDIAN);
  /** Last Java release on which {@code invokeCleaner} is used: it warns from 24, is deprecated in 23. */
  private static final int LAST_CLEANER_FEATURE = 22;
  private static final MethodHandle UNMAP = unmapper();

  private MappedByteBuffer buffer;
  private final long size;

  private BufferRegistryMemory(MappedByteBuffer buffer) {
    this.buffer = buffer;
    this.size = buffer.capacity();
  }

  /** Maps the first {@code size} bytes of {@code channel} read-only. */
  static RegistryMemory map(FileChannel channel, long size) throws IOException {
    if (size > Integer.MAX_VALUE) {
      throw new IOException("a mapped buffer holds at most 2 GiB; asked for " + size + " bytes");
    }
    MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
    mapped.order(ByteOrder.LITTLE_ENDIAN);
    return new BufferRegistryMemory(mapped);
  }

  /** Whether {@link #close()} unmaps at once on this JVM (otherwise the GC does, later). */
  static boolean unmapsOnClose() {
    return UNMAP != null;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public int getIntAcquire(long offset) {
    return (int) INT.getAcquire((ByteBuffer) buffer, (int) offset);
  }

  @Override
  public long getLongAcquire(long offset) {
    return (long) LONG.getAcquire((ByteBuffer) buffer, (int) offset);
  }

  @Override
  public short getShort(long offset) {
    return buffer.getShort((int) offset);
  }

  @Override
  public int getInt(long offset) {
    return buffer.getInt((int) offset);
  }

  @Override
  public long getLong(long offset) {
    return buffer.getLong((int) offset);
  }

  @Override
  public void copy(long offset, byte[] target, int length) {
    // ByteBuffer.get(int, byte[], int, int) is Java 13+; a positioned bulk get would need a
    // duplicate (an allocation) per call. Names are at most 128 bytes and change rarely.
    int base = (int) offset;
    for (int i = 0; i < length; i++) {
      target[i] = buffer.get(base + i);
    }
  }

  @Override
  public void close() {
    MappedByteBuffer mapped = buffer;
    buffer = null;
    if (mapped != null && UNMAP != null) {
      try {
        UNMAP.invokeExact((ByteBuffer) mapped);
      } catch (Throwable e) {
        // Never fatal: the GC unmaps it instead.
      }
    }
  }

  private static MethodHandle unmapper() {
    if (JavaRuntime.feature() > LAST_CLEANER_FEATURE) {
      return null;
    }
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
      theUnsafe.setAccessible(true);
      return MethodHandles.lookup()
          .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class,
              ByteBuffer.class))
          .bindTo(theUnsafe.get(null));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
