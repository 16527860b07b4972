package dev.microsandbox.otel.e2e;

import java.io.IOException;

/**
 * The host application of the end-to-end tests: does nothing until its stdin closes, then exits 0.
 */
public final class TrivialApp {

  private TrivialApp() {}

  /** Prints a line, waits for end of input, prints another. */
  public static void main(String[] args) throws IOException {
    System.out.println("trivial app running");
    System.out.flush();
    while (System.in.read() != -1) {
      // wait
    }
    System.out.println("trivial app done");
  }
}
