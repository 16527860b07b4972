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
 * {@link RegistryMemory} for Java 11 and newer: a read-only {@link MappedByteBuffer},
 * little-endian, with {@link MethodHandles#byteBufferViewVarHandle} views for the acquire loads of
 * the seqlock words. A file cut short under the mapping faults on access; the JVM turns that SIGBUS
 * into an {@link InternalError}, which the reader handles.
 *
 * <p>A {@code MappedByteBuffer} has no public unmap: left alone it is unmapped when the garbage
 * collector finds it unreachable, so a registry recreated again and again would leave one mapping
 * per incarnation until the next GC. {@link #close()} therefore unmaps at once through {@code
 * sun.misc.Unsafe.invokeCleaner} (the JDK's own cleaner, exported by {@code jdk.unsupported}) on
 * Java 11 to 22. From Java 23 that method is deprecated and, from 24, warns on use; there the FFM
 * reader is the default and a forced buffer reader leaves unmapping to the GC.
 */
final class BufferRegistryMemory implements RegistryMemory {

  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /**
   * Last Java release on which {@code invokeCleaner} is used: it warns from 24, is deprecated in
   * 23.
   */
  private static final int LAST_CLEANER_FEATURE = 22;

  private static final MethodHandle UNMAP = unmapper();
  private static final VarHandle LONG_ARRAY =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** {@code ByteBuffer.get(int, byte[], int, int)}, Java 13+; null on 11 and 12. */
  private static final MethodHandle ABSOLUTE_BULK_GET = absoluteBulkGet();

  private MappedByteBuffer buffer;

  private BufferRegistryMemory(MappedByteBuffer buffer) {
    this.buffer = buffer;
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
  public int getIntAcquire(long offset) {
    return (int) INT.getAcquire((ByteBuffer) buffer, (int) offset);
  }

  @Override
  public long getLongAcquire(long offset) {
    return (long) LONG.getAcquire((ByteBuffer) buffer, (int) offset);
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
  public void copy(long offset, byte[] target, int targetOffset, int length) {
    int base = (int) offset;
    if (ABSOLUTE_BULK_GET != null) {
      try {
        ByteBuffer unused =
            (ByteBuffer)
                ABSOLUTE_BULK_GET.invokeExact(
                    (ByteBuffer) buffer, base, target, targetOffset, length);
        return;
      } catch (RuntimeException | Error e) {
        throw e; // an InternalError here is the SIGBUS of a file cut short: the reader handles it
      } catch (Throwable e) {
        throw new IllegalStateException(e); // get(int, byte[], int, int) throws nothing checked
      }
    }
    // Java 11-12 have no absolute bulk get, and a positioned one would need a duplicate (an
    // allocation) per call: eight bytes at a time instead.
    int i = 0;
    for (; i + Long.BYTES <= length; i += Long.BYTES) {
      LONG_ARRAY.set(target, targetOffset + i, buffer.getLong(base + i));
    }
    for (; i < length; i++) {
      target[targetOffset + i] = buffer.get(base + i);
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

  private static MethodHandle absoluteBulkGet() {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(
              ByteBuffer.class,
              "get",
              MethodType.methodType(
                  ByteBuffer.class, int.class, byte[].class, int.class, int.class));
    } catch (ReflectiveOperationException e) {
      return null;
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
          .findVirtual(
              unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
          .bindTo(theUnsafe.get(null));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
