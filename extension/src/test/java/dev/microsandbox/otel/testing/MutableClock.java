package dev.microsandbox.otel.testing;

import dev.microsandbox.otel.support.TimeSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clocks tests move by hand: a wall clock and a monotonic clock that move together on {@link
 * #advance}, while {@link #stepWall} moves only the wall clock, as an operator or NTP does.
 */
public final class MutableClock implements TimeSource {

  private final AtomicLong wallMillis;
  private final AtomicLong monotonicNanos = new AtomicLong(1_000_000_000L);

  /** A wall clock at {@code millis} (Unix ms). */
  public MutableClock(long millis) {
    this.wallMillis = new AtomicLong(millis);
  }

  /** A clock standing still at {@code millis}, for tests that only need a fixed wall time. */
  public static MutableClock fixed(long millis) {
    return new MutableClock(millis);
  }

  /** Real time passes: both clocks move forward. */
  public void advance(long deltaMillis) {
    wallMillis.addAndGet(deltaMillis);
    monotonicNanos.addAndGet(deltaMillis * 1_000_000L);
  }

  /** The wall clock is stepped (backwards when negative); the monotonic clock does not move. */
  public void stepWall(long deltaMillis) {
    wallMillis.addAndGet(deltaMillis);
  }

  /** Sets the wall clock; the monotonic clock does not move. */
  public void set(long newMillis) {
    wallMillis.set(newMillis);
  }

  @Override
  public long wallMillis() {
    return wallMillis.get();
  }

  @Override
  public long monotonicNanos() {
    return monotonicNanos.get();
  }
}
