package dev.microsandbox.otel.lifecycle;

/**
 * The names and one-line texts of a run's start and stop, shared by the log records ({@link
 * RunEvents}) and {@code snapshot --watch}. Depends on nothing but this package: the packaged
 * snapshot command carries no OpenTelemetry API, so nothing it loads may reach for one.
 */
public final class RunMessages {

  /** The event of a run that appeared. */
  public static final String START = "microsandbox.sandbox.start";

  /** The event of a run that ended. */
  public static final String STOP = "microsandbox.sandbox.stop";

  private RunMessages() {}

  /** A start's text: one line a person reads in a log view. */
  public static String startLine(SandboxRun run) {
    return who(run) + " started";
  }

  /** A stop's text: the reason and how long the run lasted. */
  public static String stopLine(SandboxRun run, StopReason reason) {
    return who(run) + " stopped: " + reason.value() + " after " + run.durationSeconds() + " s";
  }

  private static String who(SandboxRun run) {
    return "sandbox " + run.name() + " (id " + run.sandboxId() + ", run " + run.runId() + ")";
  }
}
