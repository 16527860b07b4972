package dev.microsandbox.otel.metrics.export;

import dev.microsandbox.otel.support.DaemonThreads;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Where the requests after an export's first start: one daemon thread of ours, started on demand
 * and ended after a minute idle. Started from the completion of the request before, on the sender's
 * thread, the next would find that thread still busy, and a pooled sender (the JDK HTTP sender's)
 * would start another and keep a request-sized buffer on each.
 */
final class FollowOnThread {

  /** The name of the thread that starts an export's follow-on requests. */
  static final String NAME = "microsandbox-export";

  /** How long a follow-on request waits for the sender's thread to be idle, at most. */
  private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private static final long IDLE_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  private final ThreadPoolExecutor executor =
      new ThreadPoolExecutor(
          1, 1, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), DaemonThreads.named(NAME));

  FollowOnThread() {
    executor.allowCoreThreadTimeOut(true);
  }

  /**
   * Runs {@code next} on this thread once {@code completer} (the thread that completed the request
   * before) is idle again; {@code failed} instead if this thread is shut down, or if {@code next}
   * throws (an export left pending would hold the reader's next back).
   */
  void continueAfter(Thread completer, Runnable next, Runnable failed) {
    try {
      executor.execute(
          () -> {
            try {
              awaitIdle(completer);
              next.run();
            } catch (Throwable e) {
              failed.run();
            }
          });
    } catch (RejectedExecutionException e) { // shut down meanwhile
      failed.run();
    }
  }

  /**
   * Waits, briefly, until {@code thread} is parked: a pooled sender's thread that finished the
   * request before waits for the next, which then reuses it and the buffers it keeps. (A request
   * that completed before its callback was registered ran the callback on this thread: there is
   * nothing to wait for.)
   */
  private static void awaitIdle(Thread thread) {
    if (thread == Thread.currentThread()) {
      return;
    }
    long deadline = System.nanoTime() + IDLE_WAIT_NANOS;
    while (thread.getState() == Thread.State.RUNNABLE && System.nanoTime() < deadline) {
      LockSupport.parkNanos(IDLE_POLL_NANOS);
    }
  }

  void shutdown() {
    executor.shutdown();
  }
}
