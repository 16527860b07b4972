package dev.microsandbox.otel.support;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Downcalls into the C library through the FFM API, and the errno each call leaves, for the classes
 * that talk to the kernel ({@code user_events}, the shared-memory registry). Compiled for Java 22;
 * loaded only there. Looking a function up is a restricted method: a JVM of 24 or newer warns once
 * unless started with {@code --enable-native-access=ALL-UNNAMED}.
 */
public final class Libc {

  private static final Linker LINKER = Linker.nativeLinker();

  /** Where a call captures errno: pass {@link #errnoHolder} first to a handle made with it. */
  public static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

  private static final StructLayout ERRNO = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO_VALUE =
      ERRNO.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  /**
   * {@code int (const char *path, int flags)}: {@code open} and {@code shm_open} without a mode.
   * Both are variadic in C; called without the optional mode, they take no variadic argument, so
   * the fixed-argument descriptor is the right one on every ABI.
   */
  public static final FunctionDescriptor OPEN_DESCRIPTOR =
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);

  /** {@code open(path, flags)}, errno captured: the one handle every caller shares. */
  public static final MethodHandle OPEN = function("open", OPEN_DESCRIPTOR, CAPTURE_ERRNO);

  private Libc() {}

  /**
   * The C library's function {@code name} with {@code descriptor}.
   *
   * @throws java.util.NoSuchElementException when this C library has no such symbol
   */
  public static MethodHandle function(
      String name, FunctionDescriptor descriptor, Linker.Option... options) {
    return LINKER.downcallHandle(
        LINKER.defaultLookup().find(name).orElseThrow(), descriptor, options);
  }

  /** Memory for the errno of calls made with {@link #CAPTURE_ERRNO}. */
  public static MemorySegment errnoHolder(Arena arena) {
    return arena.allocate(ERRNO);
  }

  /** The errno the last such call left in {@code holder}. */
  public static int errno(MemorySegment holder) {
    return (int) ERRNO_VALUE.get(holder, 0L);
  }
}
