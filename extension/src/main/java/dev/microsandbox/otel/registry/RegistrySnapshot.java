package dev.microsandbox.otel.registry;

import java.util.Arrays;

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
  int skippedSuperseded;

  // Coherent runs left out (their holders, with the reason set), and the slots read incoherently:
  // what the lifecycle tracker needs to tell a stopped run from one merely not reported.
  private SandboxSample[] leftOut = new SandboxSample[0];
  private int leftOutSize;
  private int[] unread = new int[0];
  private int unreadSize;

  /** Open-addressing table of sandbox id to accepted index + 1, reused between passes. */
  private int[] byId = new int[0];

  // The sandbox id of each byId entry, kept beside it so a probe never dereferences a sample.
  private int[] idAt = new int[0];
  private boolean[] superseded = new boolean[0];

  void reset() {
    size = 0;
    present = false;
    capacity = 0;
    problem = null;
    skippedDeadOwner = 0;
    skippedTooOld = 0;
    skippedInconsistent = 0;
    skippedSuperseded = 0;
    leftOutSize = 0;
    unreadSize = 0;
  }

  /**
   * The holder the next accepted sample goes into, counted only once {@link #size} grows; holders
   * are made as passes need them, so memory follows the sandboxes seen, not the slots claimed.
   */
  SandboxSample nextHolder() {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, Math.max(8, size * 2));
      for (int j = size; j < samples.length; j++) {
        samples[j] = new SandboxSample();
      }
    }
    return samples[size];
  }

  /**
   * Moves the sample at {@code index} (accepted or not yet counted) to the left-out runs, marked
   * {@code why}; a spare holder takes its place.
   */
  void leaveOut(int index, LeftOut why) {
    SandboxSample run = samples[index];
    run.leftOut = why;
    samples[index] = swapIntoLeftOut(run);
  }

  /** Appends {@code run} to the left-out runs; returns the spare holder it displaces. */
  private SandboxSample swapIntoLeftOut(SandboxSample run) {
    if (leftOutSize == leftOut.length) {
      leftOut = Arrays.copyOf(leftOut, Math.max(8, leftOutSize * 2));
      for (int j = leftOutSize; j < leftOut.length; j++) {
        leftOut[j] = new SandboxSample();
      }
    }
    SandboxSample spare = leftOut[leftOutSize];
    leftOut[leftOutSize++] = run;
    return spare;
  }

  /** Records the first {@code count} of {@code slots} as read incoherently this pass. */
  void unread(int[] slots, int count) {
    if (count == 0) {
      return;
    }
    if (unreadSize + count > unread.length) {
      unread = Arrays.copyOf(unread, Math.max(unreadSize + count, unread.length * 2));
    }
    System.arraycopy(slots, 0, unread, unreadSize, count);
    unreadSize += count;
  }

  /**
   * Keeps one run per sandbox: where two active slots hold the same sandbox (a crashed run's slot
   * stays active beside the new run's until its sample ages out when the owner check is off, a hung
   * one's even with it; or the home's v2 registry holds another run of it), only the newest run
   * (latest start, then highest run id) is reported and the other is counted as superseded.
   * Allocation-free once the table has grown to the registry; slot order is kept.
   */
  void dropSupersededRuns() {
    if (size < 2) {
      return;
    }
    int mask = clearTable(size);
    if (superseded.length < size) {
      superseded = new boolean[samples.length];
    }
    boolean any = false;
    for (int i = 0; i < size; i++) {
      int id = samples[i].sandboxId;
      superseded[i] = false;
      int h = home(id, mask);
      while (byId[h] != 0 && idAt[h] != id) {
        h = (h + 1) & mask;
      }
      if (byId[h] == 0) {
        byId[h] = i + 1;
        idAt[h] = id;
        continue;
      }
      any = true;
      int other = byId[h] - 1;
      if (newer(samples[i], samples[other])) {
        superseded[other] = true;
        byId[h] = i + 1;
      } else {
        superseded[i] = true;
      }
    }
    if (any) {
      compact();
    }
  }

  /**
   * Adds the runs of {@code legacy} (the same home's older-ABI registry) that this snapshot lacks,
   * their slots numbered from {@code slotBase}; a run both hold is reported from here and counted
   * as superseded. The legacy snapshot's holders are swapped in, not copied: each reader refills
   * whatever holders its array holds at its next read.
   */
  void appendMissingRuns(RegistrySnapshot legacy, int slotBase) {
    present |= legacy.present;
    skippedDeadOwner += legacy.skippedDeadOwner;
    skippedTooOld += legacy.skippedTooOld;
    skippedInconsistent += legacy.skippedInconsistent;
    for (int i = 0; i < legacy.leftOutSize; i++) {
      SandboxSample run = legacy.leftOut[i];
      run.slot += slotBase;
      legacy.leftOut[i] = swapIntoLeftOut(run);
    }
    for (int i = 0; i < legacy.unreadSize; i++) {
      legacy.unread[i] += slotBase;
    }
    unread(legacy.unread, legacy.unreadSize);
    int mask = indexRuns(size);
    for (int i = 0; i < legacy.size; i++) {
      SandboxSample run = legacy.samples[i];
      if (holds(run, mask)) {
        skippedSuperseded++;
        continue;
      }
      legacy.samples[i] = nextHolder();
      samples[size] = run;
      run.slot += slotBase;
      size++;
    }
  }

  /**
   * Indexes the first {@code count} samples by sandbox id, every run its own entry (a registry may
   * hold two runs of one sandbox); returns the table's mask for {@link #holds}.
   */
  private int indexRuns(int count) {
    int mask = clearTable(count);
    for (int i = 0; i < count; i++) {
      int id = samples[i].sandboxId;
      int h = home(id, mask);
      while (byId[h] != 0) {
        h = (h + 1) & mask;
      }
      byId[h] = i + 1;
      idAt[h] = id;
    }
    return mask;
  }

  /** Whether the samples {@link #indexRuns} indexed hold {@code run}'s sandbox and run. */
  private boolean holds(SandboxSample run, int mask) {
    for (int h = home(run.sandboxId, mask); byId[h] != 0; h = (h + 1) & mask) {
      if (idAt[h] == run.sandboxId && samples[byId[h] - 1].runId == run.runId) {
        return true;
      }
    }
    return false;
  }

  /** Empties the id table, grown to hold {@code count} entries at a load of at most 1/2. */
  private int clearTable(int count) {
    int tableSize = Integer.highestOneBit(Math.max(count, 1)) << 2;
    if (byId.length < tableSize) {
      byId = new int[tableSize];
      idAt = new int[tableSize];
    } else {
      Arrays.fill(byId, 0, tableSize, 0);
    }
    return tableSize - 1;
  }

  private static int home(int sandboxId, int mask) {
    return (sandboxId * 0x9E3779B9) >>> 7 & mask;
  }

  private static boolean newer(SandboxSample a, SandboxSample b) {
    return a.startedAtMs != b.startedAtMs ? a.startedAtMs > b.startedAtMs : a.runId > b.runId;
  }

  /** Moves the kept samples to the front, in order; the holders stay in the array for reuse. */
  private void compact() {
    int kept = 0;
    for (int i = 0; i < size; i++) {
      if (superseded[i]) {
        skippedSuperseded++;
        leaveOut(i, LeftOut.SUPERSEDED);
      } else {
        SandboxSample holder = samples[kept];
        samples[kept] = samples[i];
        samples[i] = holder;
        kept++;
      }
    }
    size = kept;
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

  /**
   * Whether a registry file exists and was mapped (false: no sandbox has run yet, not an error).
   */
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

  /**
   * Active slots left out because a newer run of the same sandbox is reported, or the same run from
   * the current-ABI registry.
   */
  public int skippedSuperseded() {
    return skippedSuperseded;
  }

  /** Slots left out because no coherent read succeeded within the retry bound. */
  public int skippedInconsistent() {
    return skippedInconsistent;
  }

  /**
   * Number of active slots whose coherent copy this pass left out (an exporter's pass only; an
   * inspection pass reports them as stale instead).
   */
  public int leftOutCount() {
    return leftOutSize;
  }

  /** The {@code i}-th left-out run, its {@link SandboxSample#leftOut()} saying why. */
  public SandboxSample leftOut(int i) {
    if (i < 0 || i >= leftOutSize) {
      throw new IndexOutOfBoundsException(i);
    }
    return leftOut[i];
  }

  /** Number of visible slots with no coherent copy this pass: their runs are unknown, not gone. */
  public int unreadCount() {
    return unreadSize;
  }

  /** The slot index of the {@code i}-th slot read incoherently. */
  public int unreadSlot(int i) {
    if (i < 0 || i >= unreadSize) {
      throw new IndexOutOfBoundsException(i);
    }
    return unread[i];
  }
}
