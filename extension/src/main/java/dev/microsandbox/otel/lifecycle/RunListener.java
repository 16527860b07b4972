package dev.microsandbox.otel.lifecycle;

/** What is told of runs starting and stopping; called on the pass's thread, must not block. */
public interface RunListener {

  /** Told nothing. */
  RunListener NONE =
      new RunListener() {
        @Override
        public void started(SandboxRun run) {}

        @Override
        public void stopped(SandboxRun run, StopReason reason) {}
      };

  /** A run that appeared after the tracker's first pass. */
  void started(SandboxRun run);

  /** A run that ended, once; its totals are those of its last coherent sample. */
  void stopped(SandboxRun run, StopReason reason);
}
