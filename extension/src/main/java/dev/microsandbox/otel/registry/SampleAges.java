package dev.microsandbox.otel.registry;

import java.util.Arrays;

/**
 * How old each active slot's sample is, on the reader's own monotonic clock: the time since a pass
 * last saw the sample move (its stamp changed). The runtime stamps samples with the wall clock,
 * which NTP, a resume or a migration may step either way by any amount; a sample that moved is
 * fresh whatever its stamp says, and one that stops moving ages at the monotonic clock's pace, so a
 * step stalls no live run and a runtime that stops sampling still goes stale. Only at a slot's
 * first sight, or a new run's in it, is there nothing but the stamp against the wall clock to go
 * by: that age, and a stamp ahead of the wall clock, hold until the sample moves.
 *
 * <p>Kept per slot and keyed by the slot's generation; the arrays follow the slots in use.
 */
final class SampleAges {

  private long[] generation = new long[0];
  private long[] sampledAtMs = new long[0];
  private long[] movedAtMs = new long[0]; // monotonic
  private long[] firstAgeMs =
      new long[0]; // the stamp's wall-clock age at first sight; 0 once moved

  /** Forgets every slot (a registry attached anew). */
  void forget() {
    grow(0);
  }

  /**
   * Whether the sample of {@code slot} (of {@code slotGeneration}, stamped {@code sampleMs}) is
   * older than {@code maxAgeMs}, or stamped further ahead of the wall clock than that, as of wall
   * time {@code wallMs} and monotonic time {@code monotonicMs}.
   */
  boolean tooOld(
      int slot, long slotGeneration, long sampleMs, long wallMs, long monotonicMs, long maxAgeMs) {
    if (slot >= generation.length) {
      grow(Math.max(slot + 1, generation.length * 2));
    }
    if (generation[slot] != slotGeneration) { // first sight of this run in this slot
      generation[slot] = slotGeneration;
      sampledAtMs[slot] = sampleMs;
      movedAtMs[slot] = monotonicMs;
      firstAgeMs[slot] = wallMs - sampleMs;
    } else if (sampledAtMs[slot] != sampleMs) { // it moved: fresh, whatever the stamp
      sampledAtMs[slot] = sampleMs;
      movedAtMs[slot] = monotonicMs;
      firstAgeMs[slot] = 0;
    }
    long first = firstAgeMs[slot];
    return first < -maxAgeMs || Math.max(first, 0) + (monotonicMs - movedAtMs[slot]) > maxAgeMs;
  }

  private void grow(int size) {
    int old = size == 0 ? 0 : generation.length;
    generation = Arrays.copyOf(generation, size);
    Arrays.fill(generation, old, size, -1);
    sampledAtMs = Arrays.copyOf(sampledAtMs, size);
    movedAtMs = Arrays.copyOf(movedAtMs, size);
    firstAgeMs = Arrays.copyOf(firstAgeMs, size);
  }
}
