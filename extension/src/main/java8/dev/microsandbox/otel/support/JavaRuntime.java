package dev.microsandbox.otel.support;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The running JVM's feature version, readable on any JVM: compiled for Java 8 with the other entry
 * points, so that code compiled for a newer release runs only after this says yes.
 */
public final class JavaRuntime {

  /** First Java release the extension runs on (the mapped-buffer registry reader). */
  public static final int REQUIRED_FEATURE = 11;

  /**
   * First Java release with the Foreign Function &amp; Memory API (FFM registry reader,
   * user_events).
   */
  public static final int FFM_FEATURE = 22;

  private static final int FEATURE = parse(System.getProperty("java.specification.version", "0"));

  private JavaRuntime() {}

  /** The feature version of the running JVM (8 for "1.8"). */
  public static int feature() {
    return FEATURE;
  }

  /** Whether this JVM can run the extension. */
  public static boolean supported() {
    return supported(FEATURE);
  }

  /** Whether a JVM of feature version {@code feature} can run the extension. */
  public static boolean supported(int feature) {
    return feature >= REQUIRED_FEATURE;
  }

  /** One sentence for an operator running on an older JVM. */
  public static String unsupportedMessage(String what) {
    return unsupportedMessage(what, FEATURE, System.getProperty("java.home"));
  }

  /**
   * One sentence for an operator whose JVM {@code javaHome} is of feature version {@code feature}.
   */
  public static String unsupportedMessage(String what, int feature, String javaHome) {
    return what
        + " needs Java "
        + REQUIRED_FEATURE
        + " or newer; this JVM is Java "
        + feature
        + " ("
        + javaHome
        + ")";
  }

  /**
   * A static method of a class compiled for a newer Java (the FFM classes), looked up by name so
   * that nothing refers to the class until this runs: a JVM too old for it never loads it.
   *
   * @param lookup the caller's, so that a package-private class is found
   * @throws IllegalStateException if the class or method is not in this jar
   */
  public static MethodHandle findStatic(
      MethodHandles.Lookup lookup, String className, String method, MethodType type) {
    try {
      return lookup.findStatic(
          Class.forName(className, true, lookup.lookupClass().getClassLoader()), method, type);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(className + "." + method + " is missing from this jar", e);
    }
  }

  /** The feature version in a {@code java.specification.version} value ("1.8" → 8, "17" → 17). */
  static int parse(String spec) {
    String feature = spec.startsWith("1.") ? spec.substring(2) : spec;
    try {
      return Integer.parseInt(feature);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
