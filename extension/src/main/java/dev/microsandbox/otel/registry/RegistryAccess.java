package dev.microsandbox.otel.registry;

import dev.microsandbox.otel.support.JavaRuntime;
import dev.microsandbox.otel.support.PosixPlatform;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Locale;

/**
 * How the registry is reached and read: mapped through {@link #FFM} on Java 22+, copied by
 * positional reads into a {@link #BUFFER} on Java 11+, mapped by libc's own calls ({@link #NATIVE},
 * Java 22+: the one way to POSIX shared memory on macOS, which has no path), or {@link #AUTO}, the
 * best the running JVM and platform offer. Operators force one with {@code
 * OTEL_MICROSANDBOX_READER} for troubleshooting; tests run every reader test on each.
 *
 * <p>The first two open the file by path ({@code Files}, {@code FileChannel}); {@link #NATIVE}
 * calls {@code shm_open} for a registry in the shared-memory namespace ({@code /dev/shm/NAME} is
 * {@code shm_open("/NAME")}) and {@code open} for any other file, then {@code fstat} and {@code
 * mmap}. Above {@link #stat}, {@link #open} and {@link RegistryHandle} everything is the same.
 */
public enum RegistryAccess {
  /** {@link #NATIVE} on macOS and {@link #FFM} elsewhere on Java 22+, else {@link #BUFFER}. */
  AUTO,
  /** A {@code MemorySegment} mapped through the Foreign Function &amp; Memory API (Java 22+). */
  FFM,
  /**
   * Positional reads ({@code pread}) into a private buffer, no mapping (Java 11+): a file cut short
   * under it cannot fault.
   */
  BUFFER,
  /**
   * libc through FFM (Java 22+, Linux and macOS on x86_64 and arm64): {@code shm_open} or {@code
   * open}, {@code fstat}, a read-only {@code mmap} into a {@code MemorySegment}.
   */
  NATIVE;

  private static final String SEGMENT_MEMORY =
      "dev.microsandbox.otel.registry.SegmentRegistryMemory";
  private static final String NATIVE_FILE = "dev.microsandbox.otel.registry.NativeRegistryFile";

  /** The value as configured: {@code auto}, {@code ffm}, {@code buffer} or {@code native}. */
  public String configValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code auto}, {@code ffm}, {@code buffer} or {@code native} (any case); null when it is
   * none of them.
   */
  public static RegistryAccess parse(String text) {
    for (RegistryAccess access : values()) {
      if (access.configValue().equalsIgnoreCase(text.trim())) {
        return access;
      }
    }
    return null;
  }

  /** The values a setting may name, for messages. */
  public static final String CHOICES = "auto, ffm, buffer or native";

  /** Why this JVM cannot read the registry this way, or null when it can. */
  public String unavailableReason() {
    if (availableOnThisJvm()) {
      return null;
    }
    String needs =
        this == FFM
            ? "the ffm reader needs Java " + JavaRuntime.FFM_FEATURE + " or newer"
            : "the native reader needs Java "
                + JavaRuntime.FFM_FEATURE
                + " or newer on Linux or macOS (x86_64 or arm64)";
    return needs
        + " and this JVM is Java "
        + JavaRuntime.feature()
        + " on "
        + System.getProperty("os.name")
        + " "
        + System.getProperty("os.arch");
  }

  /**
   * Why this way cannot reach a registry in the shared-memory namespace here, or null when it can:
   * on macOS POSIX shared memory has no path, so only {@link #NATIVE} (Java 22+) reaches it.
   */
  public String sharedMemoryUnreachable() {
    return sharedMemoryUnreachable(PosixPlatform.isMacOs(), resolved(), JavaRuntime.feature());
  }

  static String sharedMemoryUnreachable(boolean macOs, RegistryAccess resolved, int javaFeature) {
    if (!macOs || resolved == NATIVE) {
      return null;
    }
    return "on macOS the registry is POSIX shared memory, which has no file path: only libc's"
        + " shm_open reaches it, through FFM, which needs Java "
        + JavaRuntime.FFM_FEATURE
        + " or newer (OTEL_MICROSANDBOX_READER auto or native); this JVM is Java "
        + javaFeature
        + (javaFeature >= JavaRuntime.FFM_FEATURE
            ? " with the " + resolved.configValue() + " reader"
            : "");
  }

  /** Whether this JVM can map the registry this way. */
  public boolean availableOnThisJvm() {
    switch (this) {
      case FFM:
        return JavaRuntime.feature() >= JavaRuntime.FFM_FEATURE;
      case NATIVE:
        return JavaRuntime.feature() >= JavaRuntime.FFM_FEATURE && PosixPlatform.current() != null;
      default:
        return true;
    }
  }

  /** What {@link #AUTO} means on this JVM and platform, else this. */
  public RegistryAccess resolved() {
    if (this != AUTO) {
      return this;
    }
    if (PosixPlatform.isMacOs()) {
      return NATIVE.availableOnThisJvm() ? NATIVE : BUFFER; // BUFFER cannot reach shm there
    }
    return FFM.availableOnThisJvm() ? FFM : BUFFER;
  }

  /** The attributes of {@code file} (not following a link); NoSuchFileException when absent. */
  PosixFileAttributes stat(Path file) throws IOException {
    if (resolved() == NATIVE) {
      return (PosixFileAttributes) call(Native.STAT, file);
    }
    return Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
  }

  /** {@code file} opened read-only, refusing a link: AccessDeniedException, NoSuchFileException. */
  RegistryHandle open(Path file) throws IOException {
    if (resolved() == NATIVE) {
      return (RegistryHandle) call(Native.OPEN, file);
    }
    return new ChannelHandle(
        FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS), resolved());
  }

  /** Calls a Java 22 class's entry point, rethrowing what it throws as it threw it. */
  private static Object call(MethodHandle entry, Object... arguments) throws IOException {
    try {
      return entry.invokeWithArguments(arguments);
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** A file opened by path: its bytes read by positional reads or mapped through FFM. */
  private static final class ChannelHandle implements RegistryHandle {
    private final FileChannel channel;
    private final RegistryAccess access;

    ChannelHandle(FileChannel channel, RegistryAccess access) {
      this.channel = channel;
      this.access = access;
    }

    @Override
    public long size() throws IOException {
      return channel.size();
    }

    @Override
    public RegistryMemory map(long size, RegistryMemory previous) throws IOException {
      return access == BUFFER
          ? PreadRegistryMemory.map(channel, previous)
          : (RegistryMemory) call(SegmentMapper.MAP, channel, size);
    }

    @Override
    public void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // read-only: nothing was written, nothing to lose
      }
    }
  }

  /** Looks the Java 22 class up only when first used, so an older JVM never loads it. */
  private static final class SegmentMapper {
    static final MethodHandle MAP =
        JavaRuntime.findStatic(
            MethodHandles.lookup(),
            SEGMENT_MEMORY,
            "map",
            MethodType.methodType(RegistryMemory.class, FileChannel.class, long.class));
  }

  /** The libc backend's two entry points, looked up only when first used. */
  private static final class Native {
    static final MethodHandle STAT =
        JavaRuntime.findStatic(
            MethodHandles.lookup(),
            NATIVE_FILE,
            "stat",
            MethodType.methodType(PosixFileAttributes.class, Path.class));
    static final MethodHandle OPEN =
        JavaRuntime.findStatic(
            MethodHandles.lookup(),
            NATIVE_FILE,
            "open",
            MethodType.methodType(RegistryHandle.class, Path.class));
  }
}
