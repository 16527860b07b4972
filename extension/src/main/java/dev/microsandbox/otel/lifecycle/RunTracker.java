package dev.microsandbox.otel.lifecycle;

import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.registry.LeftOut;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.SandboxSample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Follows runs (sandbox id, run id and start) from pass to pass and tells a {@link RunListener} of
 * each start and stop. A run lives in one slot, so runs are tracked per slot: a pass that shows a
 * slot with another run, or no longer shows it (freed, or marked stale by its writer), ended the
 * run it held ({@link StopReason#EXITED}), unless that run shows up in another slot of the same
 * pass (an older runtime's registry merged after a current one whose size changed moves its slot
 * numbers): then it carries on there. A pass that leaves the run's slot out says why ({@link
 * LeftOut}: owner dead, too old, superseded; a slot whose writer died mid-sample is left out like
 * that too, and its run stops with the totals of its last coherent sample). A slot read
 * incoherently while its writer lives, or a pass that could not read the registry, says nothing:
 * its runs carry on. Runs present at the first pass get no start; a run gets one stop at most,
 * however often it is left out afterwards or comes back. Memory follows the slots in use. Not
 * thread-safe: one pass at a time (the sampler's lock).
 */
public final class RunTracker {

  private final RunListener listener;
  private final long[] stops = new long[StopReason.values().length];
  private SandboxRun[] bySlot = new SandboxRun[0];
  private long[] seenInPass = new long[0];
  private long pass;

  // One pass's bookkeeping, reused: runs first met in it (by id and run id), runs that left their
  // slot, runs left out with the reason, and runs to announce once moves are known.
  private final Map<Long, SandboxRun> metThisPass = new HashMap<>();
  private final List<SandboxRun> leftTheirSlot = new ArrayList<>();
  private final List<SandboxRun> leftOut = new ArrayList<>();
  private final List<StopReason> leftOutReasons = new ArrayList<>();
  private final List<SandboxRun> toAnnounce = new ArrayList<>();

  /** Tells {@code listener} of the runs that start and stop. */
  public RunTracker(RunListener listener) {
    this.listener = listener;
  }

  /**
   * Takes one pass.
   *
   * @param reported whether the {@code i}-th sample of the pass is reported (the sandbox filter); a
   *     run that never was gets no events and is not counted
   * @param labels the labels of the pass's sandboxes, refreshed for this pass
   */
  public void observe(RegistrySnapshot snapshot, IntPredicate reported, LabelSource labels) {
    if (snapshot.problem() != null) {
      return; // the registry could not be read: its runs are unknown, not gone
    }
    pass++; // 1: the first pass, whose runs are never announced
    for (int i = 0; i < snapshot.size(); i++) {
      SandboxSample s = snapshot.get(i);
      SandboxRun run = runAt(s);
      run.update(s, labels.labelsOf(s.sandboxId()));
      if (reported.test(i)) {
        run.reported = true;
        if (!run.announced) {
          toAnnounce.add(run);
        }
      }
    }
    for (int i = 0; i < snapshot.leftOutCount(); i++) {
      SandboxSample s = snapshot.leftOut(i);
      SandboxRun run = runAt(s);
      if (!run.ended) {
        if (!s.isTorn()) {
          run.update(s, run.labels); // a torn copy's totals are not the run's: keep the last ones
        }
        leftOut.add(run);
        leftOutReasons.add(reasonFor(s.leftOut()));
      }
    }
    for (int i = 0; i < snapshot.unreadCount(); i++) {
      int slot = snapshot.unreadSlot(i);
      if (slot < seenInPass.length) {
        seenInPass[slot] = pass;
      }
    }
    for (int slot = 0; slot < bySlot.length; slot++) {
      if (bySlot[slot] != null && seenInPass[slot] != pass) {
        leftTheirSlot.add(bySlot[slot]);
        bySlot[slot] = null;
      }
    }
    for (SandboxRun gone : leftTheirSlot) {
      SandboxRun moved = metThisPass.get(key(gone.sandboxId, gone.runId));
      if (moved != null && moved.sameRunAs(gone)) {
        moved.carryOn(gone);
      } else {
        end(gone, StopReason.EXITED);
      }
    }
    for (int i = 0; i < leftOut.size(); i++) {
      end(leftOut.get(i), leftOutReasons.get(i));
    }
    for (SandboxRun run : toAnnounce) {
      if (!run.announced && !run.ended) {
        run.announced = true;
        listener.started(run);
      }
    }
    metThisPass.clear();
    leftTheirSlot.clear();
    leftOut.clear();
    leftOutReasons.clear();
    toAnnounce.clear();
  }

  /** Stops seen so far for {@code reason}, of runs that were reported. */
  public long stops(StopReason reason) {
    return stops[reason.ordinal()];
  }

  /**
   * The run {@code s} belongs to, tracked at its slot from now on; a different run that held the
   * slot has left it. A run first met already left out is never announced.
   */
  private SandboxRun runAt(SandboxSample s) {
    int slot = s.slot();
    if (slot >= bySlot.length) {
      int size = Math.max(slot + 1, bySlot.length * 2);
      bySlot = Arrays.copyOf(bySlot, size);
      seenInPass = Arrays.copyOf(seenInPass, size);
    }
    seenInPass[slot] = pass;
    SandboxRun run = bySlot[slot];
    if (run != null && run.is(s)) {
      return run;
    }
    if (run != null) {
      leftTheirSlot.add(run); // freed and claimed again between two passes, or moved
    }
    run = new SandboxRun(s);
    run.announced = s.leftOut() != null || pass == 1;
    bySlot[slot] = run;
    metThisPass.put(key(run.sandboxId, run.runId), run);
    return run;
  }

  private static Long key(int sandboxId, int runId) {
    return ((long) sandboxId << 32) | (runId & 0xffffffffL);
  }

  private void end(SandboxRun run, StopReason reason) {
    if (run.ended) {
      return;
    }
    run.ended = true;
    if (run.reported) {
      stops[reason.ordinal()]++;
      listener.stopped(run, reason);
    }
  }

  private static StopReason reasonFor(LeftOut leftOut) {
    switch (leftOut) {
      case OWNER_DEAD:
        return StopReason.OWNER_DEAD;
      case TOO_OLD:
        return StopReason.STALLED;
      case SUPERSEDED:
        return StopReason.REPLACED;
      default:
        throw new IllegalArgumentException("no stop reason for " + leftOut);
    }
  }
}
