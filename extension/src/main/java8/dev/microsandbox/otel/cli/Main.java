package dev.microsandbox.otel.cli;

import dev.microsandbox.otel.support.JavaRuntime;

/**
 * {@code java -jar msb-otel-extension.jar ...}. Compiled for Java 8 so that an old {@code java}
 * gets a sentence instead of an UnsupportedClassVersionError.
 */
public final class Main {

  private Main() {}

  /** Entry point; exits with the command's status. */
  public static void main(String[] args) {
    if (!JavaRuntime.supported()) {
      System.err.println("msb-otel: " + JavaRuntime.unsupportedMessage("the snapshot command"));
      System.exit(2);
    }
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      // One line per message on stderr (catalog problems), instead of JUL's two-line default.
      System.setProperty("java.util.logging.SimpleFormatter.format", "msb-otel: %4$s: %5$s%n");
    }
    System.exit(Cli.run(args, System.out, System.err, System.getenv()));
  }
}
