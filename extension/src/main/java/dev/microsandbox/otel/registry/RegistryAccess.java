package dev.microsandbox.otel.registry;

import dev.microsandbox.otel.support.JavaRuntime;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.FileChannel;
import java.util.Locale;

/**
 * How the registry is read: mapped through {@link #FFM} on Java 22+, copied by positional reads
 * into a {@link #BUFFER} on Java 11+, or {@link #AUTO}, the best the running JVM offers. Operators
 * force one with {@code OTEL_MICROSANDBOX_READER} for troubleshooting; tests run every reader test
 * on each.
 */
public enum RegistryAccess {
  /** FFM where the JVM has it (22+), else the mapped buffer. */
  AUTO,
  /** A {@code MemorySegment} mapped through the Foreign Function &amp; Memory API (Java 22+). */
  FFM,
  /**
   * Positional reads ({@code pread}) into a private buffer, no mapping (Java 11+): a file cut short
   * under it cannot fault.
   */
  BUFFER;

  private static final String SEGMENT_MEMORY =
      "dev.microsandbox.otel.registry.SegmentRegistryMemory";

  /** The value as configured: {@code auto}, {@code ffm} or {@code buffer}. */
  public String configValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code auto}, {@code ffm} or {@code buffer} (any case); null when it is none of them.
   */
  public static RegistryAccess parse(String text) {
    for (RegistryAccess access : values()) {
      if (access.configValue().equalsIgnoreCase(text.trim())) {
        return access;
      }
    }
    return null;
  }

  /** Whether this JVM can map the registry this way. */
  public boolean availableOnThisJvm() {
    return this != FFM || JavaRuntime.feature() >= JavaRuntime.FFM_FEATURE;
  }

  /** {@link #FFM} or {@link #BUFFER}: what {@link #AUTO} means on this JVM, else this. */
  public RegistryAccess resolved() {
    if (this != AUTO) {
      return this;
    }
    return FFM.availableOnThisJvm() ? FFM : BUFFER;
  }

  /**
   * The first {@code size} bytes of {@code channel}, read-only, read this way; {@code previous}
   * (the memory of the file this one replaces, closed, or null) lends its buffer to a new one.
   */
  RegistryMemory map(FileChannel channel, long size, RegistryMemory previous) throws IOException {
    if (resolved() == BUFFER) {
      return PreadRegistryMemory.map(channel, previous);
    }
    try {
      return (RegistryMemory) SegmentMapper.MAP.invokeExact(channel, size);
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
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
}
