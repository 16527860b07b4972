package dev.microsandbox.otel.registry;

import dev.microsandbox.otel.support.PosixPlatform;
import java.io.File;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Whether the runtime that owns an active slot is still alive, without writing anything and without
 * a syscall per slot per collection. A runtime killed hard leaves its slot active with a frozen
 * sample; upstream readers retire such slots by writing, this one only skips them.
 *
 * <p>The answer is cached per slot and keyed by (generation, pid): a new owner is probed at once,
 * an unchanged one again only after {@link #REPROBE_INTERVAL_MS} on the monotonic clock (a wall
 * clock stepped back would otherwise keep a stale "alive" for as long as the step). A sample that
 * moved on since the last look is itself proof of life, as only a slot's owner publishes into it:
 * it renews the verdict without a probe, so a registry of live runtimes costs no syscalls at all
 * and only a frozen sample is probed. The default probe is the existence of {@code /proc/<pid>}
 * (true for zombies too, like {@code kill(pid, 0)}), checked through a {@link File} cached per slot
 * so that a probe allocates nothing.
 */
final class OwnerLiveness {

  /** How long a "live" or "dead" verdict for an unchanged owner is trusted. */
  static final long REPROBE_INTERVAL_MS = 5_000;

  private static final File PROC_SELF = new File("/proc/self");

  private final IntPredicate probe;
  private long[] generation = new long[0];
  private int[] pid = new int[0];
  private boolean[] alive = new boolean[0];
  private long[] probedAtMs = new long[0];
  private long[] sampledAtMs = new long[0];
  private File[] procDir = new File[0];

  private OwnerLiveness(IntPredicate probe) {
    this.probe = probe;
  }

  /**
   * The procfs probe; on a system without procfs by design (macOS), the JDK's process table ({@code
   * ProcessHandle}, which asks the kernel there); {@code null} on Linux with procfs unmounted,
   * where the JDK would find no process at all (then only the sample-age guard can tell a dead
   * owner, and the caller says so).
   */
  static OwnerLiveness ofThisHost() {
    if (PROC_SELF.exists()) {
      return new OwnerLiveness(null);
    }
    return PosixPlatform.isMacOs() ? processTable() : null;
  }

  /** A probe asking the JDK's {@code ProcessHandle} whether the pid exists (zombies included). */
  static OwnerLiveness processTable() {
    return new OwnerLiveness(pid -> ProcessHandle.of(pid).isPresent());
  }

  /** A probe answered by {@code isAlive} (tests). */
  static OwnerLiveness using(IntPredicate isAlive) {
    return new OwnerLiveness(isAlive);
  }

  /** Forgets every verdict (a registry attached anew); the caches grow again as slots are seen. */
  void forget() {
    grow(0);
  }

  private void grow(int size) {
    int old = size == 0 ? 0 : generation.length;
    generation = Arrays.copyOf(generation, size);
    Arrays.fill(generation, old, size, -1);
    pid = Arrays.copyOf(pid, size);
    alive = Arrays.copyOf(alive, size);
    probedAtMs = Arrays.copyOf(probedAtMs, size);
    sampledAtMs = Arrays.copyOf(sampledAtMs, size);
    procDir = Arrays.copyOf(procDir, size);
  }

  /**
   * Whether the owner {@code ownerPid} of {@code slot} at {@code slotGeneration}, whose sample is
   * stamped {@code sampleMs}, is alive; {@code monotonicMs} is a monotonic clock reading in
   * milliseconds.
   */
  boolean isAlive(int slot, long slotGeneration, int ownerPid, long sampleMs, long monotonicMs) {
    if (ownerPid <= 0) {
      return true; // nothing to probe; the sample-age guard still applies
    }
    if (slot >= generation.length) {
      grow(Math.max(slot + 1, generation.length * 2)); // follows the slots in use, not the header
    }
    boolean sameOwner = generation[slot] == slotGeneration && pid[slot] == ownerPid;
    long lastSampleMs = sampledAtMs[slot];
    sampledAtMs[slot] = sampleMs;
    if (sameOwner && sampleMs != lastSampleMs) {
      probedAtMs[slot] = monotonicMs; // it published since the last look
      alive[slot] = true;
      return true;
    }
    if (sameOwner && monotonicMs - probedAtMs[slot] < REPROBE_INTERVAL_MS) {
      return alive[slot];
    }
    if (pid[slot] != ownerPid || procDir[slot] == null) {
      procDir[slot] = new File("/proc/" + ownerPid);
    }
    generation[slot] = slotGeneration;
    pid[slot] = ownerPid;
    probedAtMs[slot] = monotonicMs;
    alive[slot] = probe != null ? probe.test(ownerPid) : procDir[slot].exists();
    return alive[slot];
  }
}
