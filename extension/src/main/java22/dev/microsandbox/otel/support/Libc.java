package dev.microsandbox.otel.support;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
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
