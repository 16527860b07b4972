package dev.microsandbox.otel.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The host application of the end-to-end tests: does nothing until its stdin closes, then exits 0.
 * A line {@code gc} on its stdin makes it collect garbage, for tests that need the JVM's GC
 * histogram to have a point where attaching {@code jcmd} is not possible (the emulated guest).
 */
public final class TrivialApp {

  private TrivialApp() {}

  /** Prints a line, waits for end of input, prints another. */
  public static void main(String[] args) throws IOException {
    System.out.println("trivial app running");
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.trim().equals("gc")) {
        System.gc();
        System.out.println("trivial app collected garbage");
        System.out.flush();
      }
    }
    System.out.println("trivial app done");
  }
}
