package dev.microsandbox.otel.testing;

import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand. */
public final class MutableClock implements InstantSource {

  private final AtomicLong millis;

  /** Starts at {@code millis} (Unix ms). */
  public MutableClock(long millis) {
    this.millis = new AtomicLong(millis);
  }

  /** Moves the clock forward. */
  public void advance(long deltaMillis) {
    millis.addAndGet(deltaMillis);
  }

  /** Sets the clock. */
  public void set(long newMillis) {
    millis.set(newMillis);
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }
}
