package dev.microsandbox.otel.support;

/**
 * The running JVM's feature version, readable on any JVM: compiled for Java 8 with the other entry
 * points, so that code touching the Foreign Function &amp; Memory API runs only after this says yes.
 */
public final class JavaRuntime {

  /** First Java release with the final FFM API. */
  public static final int REQUIRED_FEATURE = 22;

  private JavaRuntime() {}

  /** The feature version of the running JVM (8 for "1.8"). */
  public static int feature() {
    String spec = System.getProperty("java.specification.version", "0");
    if (spec.startsWith("1.")) {
      spec = spec.substring(2);
    }
    try {
      return Integer.parseInt(spec);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Whether this JVM can run the registry reader. */
  public static boolean supported() {
    return feature() >= REQUIRED_FEATURE;
  }

  /** One sentence for an operator running on an older JVM. */
  public static String unsupportedMessage(String what) {
    return what + " needs Java " + REQUIRED_FEATURE + " or newer; this JVM is Java " + feature()
        + " (" + System.getProperty("java.home") + ")";
  }
}
