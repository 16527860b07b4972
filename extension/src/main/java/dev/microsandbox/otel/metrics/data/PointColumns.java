package dev.microsandbox.otel.metrics.data;

import dev.microsandbox.otel.otlp.NumberColumns;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.DoubleExemplarData;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.LongExemplarData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.PointData;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One sandbox metric's points, held as columns (times, value, attributes), and read either as
 * columns ({@link NumberColumns}, by our OTLP encoder) or as the SDK's point objects (a read-only
 * list, for every other exporter). A point object is made on the first {@link #get} of its index
 * and set again from the columns at every {@code get}, so a builder that is cleared and refilled
 * (for a reader or exporter in the reusable-data memory mode) allocates no point per sandbox. Not
 * thread-safe.
 */
public final class PointColumns extends AbstractList<PointData> implements NumberColumns {

  private final boolean doubles;
  private long[] starts = new long[16];
  private long[] times = new long[16];
  private long[] values = new long[16];
  private Attributes[] attributes = new Attributes[16];
  private Point[] points = new Point[16];
  private int size;

  /** Columns of long points, or of double points. */
  public PointColumns(boolean doubles) {
    this.doubles = doubles;
  }

  /** Forgets every point; the arrays are kept for the next {@link #add}s. */
  void reset() {
    size = 0;
  }

  /** Adds a long point. */
  public void addLong(long startEpochNanos, long epochNanos, Attributes attributes, long value) {
    add(startEpochNanos, epochNanos, attributes, value);
  }

  /** Adds a double point. */
  public void addDouble(
      long startEpochNanos, long epochNanos, Attributes attributes, double value) {
    add(startEpochNanos, epochNanos, attributes, Double.doubleToRawLongBits(value));
  }

  private void add(long startEpochNanos, long epochNanos, Attributes attributes, long value) {
    if (size == starts.length) {
      int room = size * 2;
      starts = Arrays.copyOf(starts, room);
      times = Arrays.copyOf(times, room);
      values = Arrays.copyOf(values, room);
      this.attributes = Arrays.copyOf(this.attributes, room);
    }
    starts[size] = startEpochNanos;
    times[size] = epochNanos;
    values[size] = value;
    // The attributes array lives in the old generation, and so do a sandbox's attributes: storing
    // the same reference again would still dirty a card for the collector, 14,000 times an export
    // at 1,000 sandboxes. It changes only with the sandbox's identity or labels.
    if (this.attributes[size] != attributes) {
      this.attributes[size] = attributes;
    }
    size++;
  }

  @Override
  public PointData get(int index) {
    if (index >= size) {
      throw new IndexOutOfBoundsException(index + " >= " + size);
    }
    if (index >= points.length) {
      points = Arrays.copyOf(points, Math.max(index + 1, points.length * 2));
    }
    Point point = points[index];
    if (point == null) {
      point = points[index] = doubles ? new DoublePoint() : new LongPoint();
    }
    point.start = starts[index];
    point.time = times[index];
    point.attributes = attributes[index];
    point.value = values[index];
    return point;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean doubles() {
    return doubles;
  }

  @Override
  public long[] startEpochNanos() {
    return starts;
  }

  @Override
  public long[] epochNanos() {
    return times;
  }

  @Override
  public long[] values() {
    return values;
  }

  @Override
  public Attributes[] attributes() {
    return attributes;
  }

  /** A point as the SDK's interfaces show it; its fields are set by {@link #get}. */
  private abstract static class Point implements PointData {
    long start;
    long time;
    Attributes attributes;
    long value; // a long, or a double's raw bits

    @Override
    public long getStartEpochNanos() {
      return start;
    }

    @Override
    public long getEpochNanos() {
      return time;
    }

    @Override
    public Attributes getAttributes() {
      return attributes;
    }
  }

  private static final class LongPoint extends Point implements LongPointData {
    @Override
    public long getValue() {
      return value;
    }

    @Override
    public List<LongExemplarData> getExemplars() {
      return Collections.emptyList();
    }
  }

  private static final class DoublePoint extends Point implements DoublePointData {
    @Override
    public double getValue() {
      return Double.longBitsToDouble(value);
    }

    @Override
    public List<DoubleExemplarData> getExemplars() {
      return Collections.emptyList();
    }
  }
}
