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
    System.exit(Cli.run(args, System.out, System.err, System.getenv()));
  }
}
