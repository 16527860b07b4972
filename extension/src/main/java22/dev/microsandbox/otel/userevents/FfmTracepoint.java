package dev.microsandbox.otel.userevents;

import dev.microsandbox.otel.support.Libc;
import dev.microsandbox.otel.support.PosixPlatform;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@code user_events} tracepoint through the kernel's ABI ({@code
 * include/uapi/linux/user_events.h}), with FFM downcalls to libc: {@code open} the tracefs file
 * {@code user_events_data}, {@code ioctl(DIAG_IOCSREG)} with a {@code struct user_reg} that names
 * the event and the enable word, {@code writev} per event, {@code ioctl(DIAG_IOCSUNREG)} and {@code
 * close} at the end. The kernel sets bit 0 of the enable word while a tracer is attached. Compiled
 * for Java 22; loaded by name only there.
 *
 * <pre>
 * struct user_reg (packed, 28 bytes)          event as written (one writev, two iovecs)
 *   0 u32 size = 28                             0 u32 write_index   (from DIAG_IOCSREG)
 *   4 u8  enable_bit = 0                        4 u32 protocol = 0  (protobuf)
 *   5 u8  enable_size = 4                       8 char[8] version = "v0.19.00"
 *   6 u16 flags = 0                            16 u32 rel_loc = size &lt;&lt; 16 | 0 (data follows)
 *   8 u64 enable_addr                          20 u8[size] buffer  (OTLP request)
 *  16 u64 name_args (C string)
 *  24 u32 write_index (out)
 * </pre>
 */
final class FfmTracepoint implements Tracepoint {

  /** {@code _IOWR('*', 0, struct user_reg *)}. */
  static final long DIAG_IOCSREG = 0xC0082A00L;

  /** {@code _IOW('*', 2, struct user_unreg *)}. */
  static final long DIAG_IOCSUNREG = 0x40082A02L;

  private static final int O_WRONLY = 1;
  private static final int HEADER_BYTES = 20;

  private static final MethodHandle IOCTL =
      Libc.function(
          "ioctl",
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_LONG,
              ValueLayout.ADDRESS),
          Linker.Option.firstVariadicArg(2),
          Libc.CAPTURE_ERRNO);
  private static final MethodHandle WRITEV =
      Libc.function(
          "writev",
          FunctionDescriptor.of(
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_INT),
          Libc.CAPTURE_ERRNO);
  private static final MethodHandle CLOSE =
      Libc.function("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final VarHandle ENABLE_WORD = ValueLayout.JAVA_INT.varHandle();
  private static final Logger LOGGER = Logger.getLogger(FfmTracepoint.class.getName());

  /** Memory the kernel may still write into: never freed. */
  private static final Set<Arena> KEPT = ConcurrentHashMap.newKeySet();

  private final Arena arena;
  private final int fd;
  private final MemorySegment enable;
  private final MemorySegment header;
  private final MemorySegment payload;
  private final MemorySegment iov;
  private final MemorySegment errno;
  private boolean closed;

  private FfmTracepoint(Arena arena, int fd, MemorySegment enable, int writeIndex) {
    this.arena = arena;
    this.fd = fd;
    this.enable = enable;
    this.errno = Libc.errnoHolder(arena);
    header = arena.allocate(HEADER_BYTES, 8);
    header.set(ValueLayout.JAVA_INT_UNALIGNED, 0, writeIndex);
    header.set(ValueLayout.JAVA_INT_UNALIGNED, 4, 0);
    MemorySegment.copy(
        "v0.19.00".getBytes(StandardCharsets.US_ASCII), 0, header, ValueLayout.JAVA_BYTE, 8, 8);
    // As large as any event the batcher writes: a single point over the configured limit goes
    // in an event of its own, up to the hard limit.
    payload = arena.allocate(EventBatcher.HARD_LIMIT, 8);
    iov = arena.allocate(32, 8);
    iov.set(ValueLayout.ADDRESS, 0, header);
    iov.set(ValueLayout.JAVA_LONG, 8, HEADER_BYTES);
    iov.set(ValueLayout.ADDRESS, 16, payload);
  }

  /**
   * Registers {@code command} (the event name and fields) on {@code dataFile}.
   *
   * @throws UserEventsUnavailable naming the failing step and errno
   */
  static Tracepoint register(String dataFile, String command) throws UserEventsUnavailable {
    Arena arena = Arena.ofShared();
    try {
      MemorySegment errno = Libc.errnoHolder(arena);
      // user_events is Linux's: its O_CLOEXEC is the same on every Linux architecture
      int fd =
          (int)
              Libc.OPEN.invokeExact(
                  errno,
                  arena.allocateFrom(dataFile),
                  O_WRONLY | PosixPlatform.LINUX_X86_64.oCloexec);
      if (fd < 0) {
        throw new UserEventsUnavailable("open " + dataFile, Libc.errno(errno));
      }
      MemorySegment enable = arena.allocate(ValueLayout.JAVA_INT);
      MemorySegment reg = arena.allocate(28, 8);
      reg.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 28);
      reg.set(ValueLayout.JAVA_BYTE, 4, (byte) 0);
      reg.set(ValueLayout.JAVA_BYTE, 5, (byte) 4);
      reg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 6, (short) 0);
      reg.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, enable.address());
      reg.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, arena.allocateFrom(command).address());
      int result = (int) IOCTL.invokeExact(errno, fd, DIAG_IOCSREG, reg);
      if (result < 0) {
        int error = Libc.errno(errno);
        int ignored = (int) CLOSE.invokeExact(fd);
        throw new UserEventsUnavailable("ioctl(DIAG_IOCSREG) on " + dataFile, error);
      }
      try {
        return new FfmTracepoint(arena, fd, enable, reg.get(ValueLayout.JAVA_INT_UNALIGNED, 24));
      } catch (Throwable e) {
        // Registered: the kernel writes the enable word until it is unregistered.
        release(arena, fd, enable, errno);
        throw new UserEventsUnavailable("setting up the registered event failed: " + e, 0);
      }
    } catch (UserEventsUnavailable e) {
      if (arena.scope().isAlive() && !KEPT.contains(arena)) {
        arena.close();
      }
      throw e;
    } catch (Throwable e) {
      arena.close();
      throw new UserEventsUnavailable("calling libc failed: " + e, 0);
    }
  }

  /**
   * Unregisters the enable word, closes the file, then frees the memory, in that order: the kernel
   * writes the word while the registration lasts. If unregistering fails, the memory is kept for
   * the life of the JVM (a few hundred bytes, once) rather than freed under the kernel's writes.
   */
  private static void release(Arena arena, int fd, MemorySegment enable, MemorySegment errno) {
    int unregistered = -1;
    int error = 0;
    try {
      MemorySegment unreg = arena.allocate(16, 8);
      unreg.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 16);
      unreg.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, enable.address());
      unregistered = (int) IOCTL.invokeExact(errno, fd, DIAG_IOCSUNREG, unreg);
      error = unregistered < 0 ? Libc.errno(errno) : 0;
      int ignored = (int) CLOSE.invokeExact(fd);
    } catch (Throwable e) {
      LOGGER.log(Level.FINE, "user_events: unregistering failed", e);
    }
    if (unregistered == 0) {
      arena.close();
    } else {
      KEPT.add(arena);
      LOGGER.warning(
          "user_events exporter: the kernel did not unregister user_events:otlp_metrics"
              + " ("
              + (error == 0 ? "no answer" : UserEventsUnavailable.describe(error))
              + "); its"
              + " enable word stays allocated for the life of this JVM so the kernel never writes"
              + " into freed memory");
    }
  }

  @Override
  public boolean listening() {
    return ((int) ENABLE_WORD.getVolatile(enable, 0L) & 1) != 0;
  }

  @Override
  public synchronized String write(byte[] data, int length) {
    if (closed) {
      return "closed";
    }
    try {
      header.set(ValueLayout.JAVA_INT_UNALIGNED, 16, length << 16);
      MemorySegment.copy(data, 0, payload, ValueLayout.JAVA_BYTE, 0, length);
      iov.set(ValueLayout.JAVA_LONG, 24, length);
      long written = (long) WRITEV.invokeExact(errno, fd, iov, 2);
      return written < 0 ? UserEventsUnavailable.describe(Libc.errno(errno)) : null;
    } catch (Throwable e) {
      return e.toString();
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    release(arena, fd, enable, errno);
  }
}
