package dev.microsandbox.otel.metrics.sampling;

import dev.microsandbox.otel.metrics.data.MetricDataBuilder;
import dev.microsandbox.otel.metrics.series.SandboxSeries;
import dev.microsandbox.otel.metrics.series.SeriesAttributes;
import dev.microsandbox.otel.registry.RegistryLayout;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.SandboxSample;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The outage buffer: the new samples of the last {@code capacity} sampler passes ("collections"),
 * shared by every push exporter, each of which keeps its own position ({@link #drain}). A pass that
 * finds nothing new still counts as a collection, as upstream's does.
 *
 * <p>Samples are stored compactly, about 80 bytes each for realistic figures: each figure as its
 * significant bytes only (a header of sixteen 4-bit lengths says how many; a figure whose flag is
 * unset takes none), times as deltas, the attributes as one reference to the instance the attribute
 * cache already holds. Fields are written and read as whole little-endian longs, with no per-byte
 * loop, so encoding a sample costs a few nanoseconds.
 *
 * <p>Memory follows what is unsent, not the capacity: each exporter {@link #register registers} and
 * says how far it has {@link #sent}; a pass every registered exporter has sent is released, its
 * arrays kept as spares (at most {@link #SPARES}) for the next pass, so a steady sidecar holds the
 * passes of one export interval plus a spare, and a pass allocates nothing once the arrays have
 * grown to the registry's population. Only an outage fills the buffer to its capacity.
 *
 * <p>A sample is buffered once: a slot whose generation and sample time are unchanged since the
 * last pass is not new. Thread-safe: the sampler appends while exporters drain.
 *
 * <p>Positions count samples, not passes: pass {@code p}'s sample {@code i} is at {@code p *}
 * {@link #PASS_SPAN} {@code + i}, so a request may end inside a pass and the next start there.
 */
public final class SampleBuffer {

  /** One sampler pass; a released one holds no arrays. */
  private static final class Entry {
    byte[] bytes = NO_BYTES;
    int length;
    SeriesAttributes[] attributes = NO_ATTRIBUTES;
    int count;
    long baseMs;
  }

  private static final byte[] NO_BYTES = new byte[0];
  private static final SeriesAttributes[] NO_ATTRIBUTES = new SeriesAttributes[0];

  /** The most arrays of released passes kept for the passes to come. */
  static final int SPARES = 2;

  /** What an exporter gets: the buffered sandbox series, and how far it got. */
  public static final class Drained {
    /**
     * The position after the drained passes: the exporter's next start once this export succeeds.
     */
    public final long end;

    /** Passes that were evicted before this exporter sent them. */
    public final long dropped;

    /** One metric per reported metric with at least one point, in {@link SandboxSeries} order. */
    public final List<MetricData> metrics;

    /** Where the drain began: the asked-for position, or the oldest one held after evictions. */
    public final long start;

    Drained(long start, long end, long dropped, List<MetricData> metrics) {
      this.start = start;
      this.end = end;
      this.dropped = dropped;
      this.metrics = metrics;
    }
  }

  /**
   * The most samples one request carries (14 000 points, about 1 MB of OTLP): an export sends the
   * buffer in requests of this size, one after the other, so the memory an export needs (points,
   * marshalled message, and the HTTP sender's body buffer, which it keeps) is bounded by this, not
   * by the backlog.
   */
  public static final int MAX_SAMPLES_PER_REQUEST = 1_000;

  /**
   * The most one request's points are estimated to take encoded (2 MiB, half a Collector's default
   * 4 MiB gRPC limit): sandboxes whose labels make their points large go in more, smaller requests.
   * The estimate counts every series of a sample at its largest attribute set, so it errs high.
   */
  static final long MAX_REQUEST_BYTES = 2L << 20;

  /** An estimate of one point's own bytes: times, value, field tags and lengths. */
  private static final int POINT_BYTES = 48;

  /** Positions per pass: more than a pass can hold (two registries of the largest capacity). */
  static final long PASS_SPAN = 1L << 20;

  // A buffered sample's fields, in the order they are written: the sample time as a delta from
  // the pass's first, the run's age at that time, the flags, then the figures.
  private static final int SAMPLED_AT = 0;
  private static final int RUN_AGE = 1;
  private static final int FLAGS = 2;
  private static final int CPU_PERCENT = 3;
  private static final int VCPU_TIME = 4;
  private static final int MEMORY = 5;
  private static final int MEMORY_LIMIT = 6;
  private static final int MEMORY_AVAILABLE = 7;
  private static final int MEMORY_HOST_RESIDENT = 8;
  private static final int DISK_READ = 9;
  private static final int DISK_WRITE = 10;
  private static final int NET_RX = 11;
  private static final int NET_TX = 12;
  private static final int UPPER_USED = 13;
  private static final int UPPER_FREE = 14;
  private static final int UPPER_HOST_ALLOCATED = 15;

  /** Fields per sample. */
  private static final int FIELDS = 16;

  /**
   * The most one sample takes, plus the eight bytes of slack that let every field be written and
   * read as one little-endian long: a header, sixteen fields of at most eight bytes, the slack.
   */
  private static final int MAX_SAMPLE_BYTES = Long.BYTES + FIELDS * Long.BYTES + Long.BYTES;

  private static final VarHandle LE_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final Entry[] entries;
  private final SandboxSeries[] series;
  private long head; // number of passes ever appended: the position of the next one
  private long released; // every pass before this one is released (or was never appended)
  private long[] readers = new long[0]; // each registered exporter's position; MAX_VALUE: gone
  private final ArrayDeque<byte[]> spareBytes = new ArrayDeque<>();
  private final ArrayDeque<SeriesAttributes[]> spareAttributes = new ArrayDeque<>();
  private long[] seenGeneration = new long[0];
  private long[] seenSampledAt = new long[0];
  private final SandboxSample decoded = new SandboxSample();
  private final long[] decodedFields = new long[FIELDS];
  private final long[] encodedFields = new long[FIELDS];

  /** A buffer of the last {@code capacity} passes, exported as points of {@code series}. */
  public SampleBuffer(int capacity, SandboxSeries[] series) {
    this.series = series;
    entries = new Entry[capacity];
    for (int i = 0; i < capacity; i++) {
      entries[i] = new Entry();
    }
  }

  /** The position of the next pass: a new exporter starts here. */
  public synchronized long head() {
    return head * PASS_SPAN;
  }

  /**
   * Registers an exporter that starts at {@link #head} and reports its progress to {@link #sent}:
   * from now on, passes are released only once it has sent them.
   *
   * @return its number, for {@link #sent} and {@link #unregister}
   */
  public synchronized int register() {
    readers = Arrays.copyOf(readers, readers.length + 1);
    readers[readers.length - 1] = head * PASS_SPAN;
    return readers.length - 1;
  }

  /** Exporter {@code reader} has sent everything before {@code position}. */
  public synchronized void sent(int reader, long position) {
    readers[reader] = Math.max(readers[reader], position);
    releaseSent();
  }

  /** Exporter {@code reader} sends no more (shut down): it holds nothing back. */
  public synchronized void unregister(int reader) {
    readers[reader] = Long.MAX_VALUE;
    releaseSent();
  }

  /** Releases the passes every registered exporter has sent in full. */
  private void releaseSent() {
    long lowest = Long.MAX_VALUE;
    for (long position : readers) {
      lowest = Math.min(lowest, position);
    }
    long sent = Math.min(lowest / PASS_SPAN, head); // a pass sent in part is kept
    for (long pass = Math.max(released, head - entries.length); pass < sent; pass++) {
      Entry entry = entries[(int) (pass % entries.length)];
      if (entry.bytes != NO_BYTES && spareBytes.size() < SPARES) {
        spareBytes.push(entry.bytes);
        spareAttributes.push(entry.attributes);
      }
      Arrays.fill(entry.attributes, 0, entry.count, null);
      entry.bytes = NO_BYTES;
      entry.attributes = NO_ATTRIBUTES;
      entry.length = 0;
      entry.count = 0;
    }
    released = Math.max(released, sent);
  }

  /**
   * Appends one pass: the samples of {@code snapshot} not buffered before, with their attributes
   * ({@code attributes[i]} for {@code snapshot.get(i)}; null: filtered out, not buffered), evicting
   * the oldest pass when full.
   *
   * @return how many samples were new
   */
  public synchronized int append(RegistrySnapshot snapshot, SeriesAttributes[] attributes) {
    Entry entry = entries[(int) (head % entries.length)];
    entry.length = 0;
    entry.count = 0;
    if (entry.bytes == NO_BYTES && !spareBytes.isEmpty()) {
      entry.bytes = spareBytes.pop();
      entry.attributes = spareAttributes.pop();
    }
    entry.baseMs = snapshot.size() > 0 ? snapshot.get(0).sampledAtMs() : 0;
    if (snapshot.capacity() != seenGeneration.length) {
      seenGeneration = new long[snapshot.capacity()];
      seenSampledAt = new long[snapshot.capacity()];
      Arrays.fill(seenGeneration, -1);
    }
    for (int i = 0; i < snapshot.size(); i++) {
      SandboxSample s = snapshot.get(i);
      int slot = s.slot();
      if (attributes[i] == null
          || seenGeneration[slot] == s.generation() && seenSampledAt[slot] == s.sampledAtMs()) {
        continue;
      }
      seenGeneration[slot] = s.generation();
      seenSampledAt[slot] = s.sampledAtMs();
      encode(entry, s, attributes[i]);
    }
    head++;
    return entry.count;
  }

  /**
   * The samples from position {@code from} on as sandbox series with one point per buffered sample:
   * up to {@code until}, or fewer when they are more than {@link #MAX_SAMPLES_PER_REQUEST} or their
   * points more than {@link #MAX_REQUEST_BYTES} (at least one sample). Passes older than the buffer
   * holds are counted as dropped. The lock is held while decoding, never while exporting.
   *
   * @param points where the points go, cleared first: a new one, or one whose previous points
   *     nobody reads any more
   */
  public synchronized Drained drain(
      long from,
      long until,
      MetricDataBuilder points,
      Resource resource,
      InstrumentationScopeInfo scope) {
    long oldest = Math.max(0, head - entries.length);
    long fromPass = from / PASS_SPAN;
    long start = fromPass < oldest ? oldest * PASS_SPAN : from;
    long lastPass = Math.min(until / PASS_SPAN, head);
    points.clear();
    int samples = 0;
    long bytes = 0;
    long pass = start / PASS_SPAN;
    int first = (int) (start % PASS_SPAN);
    int next = first; // the sample after the last one taken, in pass
    requests:
    for (; pass < lastPass; pass++, first = 0, next = 0) {
      Entry entry = entries[(int) (pass % entries.length)];
      int offset = 0;
      for (int i = 0; i < entry.count; i++) {
        offset = decode(entry, offset, decoded, decodedFields);
        if (i < first) {
          continue; // sent by the request before
        }
        long size = (long) series.length * (POINT_BYTES + entry.attributes[i].largestSetBytes());
        if (samples > 0
            && (samples == MAX_SAMPLES_PER_REQUEST || bytes + size > MAX_REQUEST_BYTES)) {
          break requests;
        }
        points.add(decoded, entry.attributes[i]);
        samples++;
        bytes += size;
        next = i + 1;
      }
    }
    long end = pass < lastPass ? pass * PASS_SPAN + next : lastPass * PASS_SPAN;
    List<MetricData> metrics = new ArrayList<>();
    points.addMetrics(resource, scope, metrics);
    return new Drained(start, Math.max(end, start), Math.max(0, oldest - fromPass), metrics);
  }

  /** Points of this buffer's series, for {@link #drain}. */
  public MetricDataBuilder newPoints() {
    return new MetricDataBuilder(series);
  }

  /** Bytes held for buffered samples now, spares included (compressed references). */
  synchronized long retainedBytes() {
    long bytes = 0;
    for (Entry entry : entries) {
      bytes += entry.bytes.length + 4L * entry.attributes.length;
    }
    for (byte[] spare : spareBytes) {
      bytes += spare.length;
    }
    for (SeriesAttributes[] spare : spareAttributes) {
      bytes += 4L * spare.length;
    }
    return bytes;
  }

  /** Samples buffered now. */
  public synchronized long bufferedSamples() {
    long samples = 0;
    for (long position = Math.max(0, head - entries.length); position < head; position++) {
      samples += entries[(int) (position % entries.length)].count;
    }
    return samples;
  }

  // ---- encoding: a header of sixteen 4-bit byte lengths, then each field's significant bytes ----

  private void encode(Entry entry, SandboxSample s, SeriesAttributes attributes) {
    if (entry.count == entry.attributes.length) {
      entry.attributes = Arrays.copyOf(entry.attributes, Math.max(entry.count * 2, 64));
    }
    entry.attributes[entry.count++] = attributes;
    if (entry.bytes.length - entry.length < MAX_SAMPLE_BYTES) {
      entry.bytes = Arrays.copyOf(entry.bytes, Math.max(entry.bytes.length * 2, 1024));
    }
    byte[] b = entry.bytes;
    int header = entry.length;
    int at = header + Long.BYTES;
    long lengths = 0;
    int flags = s.flags();
    long[] fields = encodedFields;
    fields[SAMPLED_AT] = zigzag(s.sampledAtMs() - entry.baseMs);
    fields[RUN_AGE] = zigzag(s.sampledAtMs() - s.startedAtMs());
    fields[FLAGS] = Integer.toUnsignedLong(flags);
    fields[CPU_PERCENT] = Integer.toUnsignedLong(Float.floatToRawIntBits(s.cpuPercent()));
    fields[VCPU_TIME] = s.vcpuTimeNs();
    fields[MEMORY] = s.memoryBytes();
    fields[MEMORY_LIMIT] = s.memoryLimitBytes();
    fields[MEMORY_AVAILABLE] =
        (flags & RegistryLayout.FLAG_MEMORY_AVAILABLE) != 0 ? s.memoryAvailableBytes() : 0;
    fields[MEMORY_HOST_RESIDENT] =
        (flags & RegistryLayout.FLAG_MEMORY_HOST_RESIDENT) != 0 ? s.memoryHostResidentBytes() : 0;
    fields[DISK_READ] = s.diskReadBytes();
    fields[DISK_WRITE] = s.diskWriteBytes();
    fields[NET_RX] = s.netRxBytes();
    fields[NET_TX] = s.netTxBytes();
    fields[UPPER_USED] = (flags & RegistryLayout.FLAG_UPPER_USED) != 0 ? s.upperUsedBytes() : 0;
    fields[UPPER_FREE] = (flags & RegistryLayout.FLAG_UPPER_FREE) != 0 ? s.upperFreeBytes() : 0;
    fields[UPPER_HOST_ALLOCATED] =
        (flags & RegistryLayout.FLAG_UPPER_HOST_ALLOCATED) != 0 ? s.upperHostAllocatedBytes() : 0;
    for (int f = 0; f < FIELDS; f++) {
      long value = fields[f];
      int length = (71 - Long.numberOfLeadingZeros(value)) >>> 3; // significant bytes, 0 for 0
      LE_LONG.set(b, at, value); // all eight; the next field overwrites the excess
      at += length;
      lengths |= (long) length << (f * 4);
    }
    LE_LONG.set(b, header, lengths);
    entry.length = at;
  }

  /** Decodes the sample at {@code offset} into {@code into}; returns the next sample's offset. */
  private static int decode(Entry entry, int offset, SandboxSample into, long[] fields) {
    byte[] b = entry.bytes;
    long lengths = (long) LE_LONG.get(b, offset);
    int at = offset + Long.BYTES;
    for (int f = 0; f < FIELDS; f++) {
      int length = (int) (lengths >>> (f * 4)) & 0xf;
      long raw = length == 0 ? 0 : (long) LE_LONG.get(b, at); // eight bytes of slack follow
      fields[f] = length == 8 ? raw : raw & ((1L << (length * 8)) - 1);
      at += length;
    }
    long sampledAt = entry.baseMs + unzigzag(fields[SAMPLED_AT]);
    into.times(sampledAt - unzigzag(fields[RUN_AGE]), sampledAt)
        .flags((int) fields[FLAGS])
        .cpu(Float.intBitsToFloat((int) fields[CPU_PERCENT]), fields[VCPU_TIME])
        .memory(
            fields[MEMORY_LIMIT],
            fields[MEMORY],
            fields[MEMORY_AVAILABLE],
            fields[MEMORY_HOST_RESIDENT])
        .io(fields[DISK_READ], fields[DISK_WRITE], fields[NET_RX], fields[NET_TX])
        .upper(fields[UPPER_USED], fields[UPPER_FREE], fields[UPPER_HOST_ALLOCATED]);
    return at;
  }

  private static long zigzag(long value) {
    return (value << 1) ^ (value >> 63);
  }

  private static long unzigzag(long value) {
    return (value >>> 1) ^ -(value & 1);
  }
}
