package dev.microsandbox.otel.registry;

/**
 * The result of one registry pass: the accepted samples (holders owned and reused by the reader,
 * valid until its next read), plus why slots were left out and whether the registry was readable.
 */
public final class RegistrySnapshot {

  SandboxSample[] samples = new SandboxSample[0];
  int size;
  boolean present;
  int capacity;
  RegistryProblem problem;
  int skippedDeadOwner;
  int skippedTooOld;
  int skippedInconsistent;

  void reset() {
    size = 0;
    present = false;
    capacity = 0;
    problem = null;
    skippedDeadOwner = 0;
    skippedTooOld = 0;
    skippedInconsistent = 0;
  }

  /** Number of accepted samples. */
  public int size() {
    return size;
  }

  /** The {@code i}-th accepted sample, in slot order. */
  public SandboxSample get(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException(i);
    }
    return samples[i];
  }

  /** Whether a registry file exists and was mapped (false: no sandbox has run yet, not an error). */
  public boolean present() {
    return present;
  }

  /** Number of slots in the registry, 0 when none was read. */
  public int capacity() {
    return capacity;
  }

  /** Why the registry could not be read, or null when it was (or is simply absent). */
  public RegistryProblem problem() {
    return problem;
  }

  /** Active slots left out because their owner process is gone. */
  public int skippedDeadOwner() {
    return skippedDeadOwner;
  }

  /** Active slots left out because their latest sample is older than the maximum sample age. */
  public int skippedTooOld() {
    return skippedTooOld;
  }

  /** Slots left out because no coherent read succeeded within the retry bound. */
  public int skippedInconsistent() {
    return skippedInconsistent;
  }
}
