package dev.microsandbox.otel.testing;

import dev.microsandbox.otel.registry.RegistryAccess;
import java.util.stream.Stream;

/**
 * The registry readers this JVM can run, for {@code @ParameterizedClass} reader tests: the FFM
 * mapping, libc's own calls (the macOS reader, run here through Linux's libc) and positional reads
 * on Java 22+, positional reads alone on older JVMs (the FFM classes cannot load there; the JDK 17
 * run covers exactly what production 11–21 JVMs use).
 */
public final class Readers {

  private Readers() {}

  /**
   * How many read-only mappings of the registry {@code access} keeps while attached: one where it
   * maps (FFM, libc's mmap), none for positional reads.
   */
  public static long mappingsWhileAttached(RegistryAccess access) {
    return access.resolved() == RegistryAccess.BUFFER ? 0 : 1;
  }

  /** Every reader available on the running JVM. */
  public static Stream<RegistryAccess> onThisJvm() {
    return Stream.of(RegistryAccess.FFM, RegistryAccess.NATIVE, RegistryAccess.BUFFER)
        .filter(RegistryAccess::availableOnThisJvm);
  }
}
