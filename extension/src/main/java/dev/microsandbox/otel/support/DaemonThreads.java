package dev.microsandbox.otel.support;

import java.util.concurrent.ThreadFactory;

/** Thread factories for the extension's own background threads. */
public final class DaemonThreads {

  private DaemonThreads() {}

  /**
   * Daemon threads named {@code name}: none of them may keep the host application's JVM (or the
   * sidecar) from exiting.
   */
  public static ThreadFactory named(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
