package dev.microsandbox.otel.testing;

import dev.microsandbox.otel.registry.RegistryAccess;
import java.util.stream.Stream;

/**
 * The registry readers this JVM can run, for {@code @ParameterizedClass} reader tests: both the FFM
 * and the mapped-buffer reader on Java 22+, the mapped-buffer reader alone on older JVMs (the FFM
 * classes cannot load there; the JDK 17 run covers exactly what production 11–21 JVMs use).
 */
public final class Readers {

  private Readers() {}

  /** Every reader available on the running JVM. */
  public static Stream<RegistryAccess> onThisJvm() {
    return Stream.of(RegistryAccess.FFM, RegistryAccess.BUFFER)
        .filter(RegistryAccess::availableOnThisJvm);
  }
}
