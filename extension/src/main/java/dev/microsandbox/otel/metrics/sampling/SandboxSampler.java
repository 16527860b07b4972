package dev.microsandbox.otel.metrics.sampling;

import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.lifecycle.RunListener;
import dev.microsandbox.otel.lifecycle.RunTracker;
import dev.microsandbox.otel.lifecycle.StopReason;
import dev.microsandbox.otel.metrics.series.SandboxAttributes;
import dev.microsandbox.otel.metrics.series.SeriesAttributes;
import dev.microsandbox.otel.metrics.series.SeriesSelection;
import dev.microsandbox.otel.registry.RegistryProblem;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.support.DaemonThreads;
import dev.microsandbox.otel.support.FailureLog;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.logging.Logger;

/**
 * One registry pass: read the registry, refresh labels, resolve each sandbox's attributes (and with
 * them whether the sandbox filter reports it), and, when an outage buffer is configured, append the
 * new samples to it. The latest pass (what the observable instruments report) is the reader's own
 * snapshot, valid until the next read: both happen under this object's lock, so nothing is copied.
 * Runs on the metric reader's collection ({@link #pass()} from the callback) or on its own period,
 * on a daemon thread ({@link #start}), independent of the export interval. Nothing it does throws.
 */
public final class SandboxSampler implements AutoCloseable {

  private static final Logger LOGGER = Logger.getLogger(SandboxSampler.class.getName());

  /** What a caller does with each sandbox of the latest pass. */
  public interface LatestConsumer {
    void accept(SandboxSample sample, SeriesAttributes attributes);
  }

  private final RegistryReader reader;
  private final LabelSource labels;
  private final SandboxAttributes attributes;
  private final SampleBuffer buffer; // null: no outage buffer
  private final RunTracker runs;
  private final IntPredicate isReported; // of the latest pass's i-th sample

  // The latest pass: the reader's snapshot (refilled only by the next pass) and its attributes.
  private RegistrySnapshot latest;
  private SeriesAttributes[] latestAttributes = new SeriesAttributes[0]; // null: filtered out
  private int latestReported;
  private final long[] registryErrors = new long[RegistryProblem.Kind.values().length];

  private ScheduledExecutorService schedule;
  private Consumer<RegistryProblem> onRefusal; // null: none
  private boolean registryRead; // a pass has read the registry: a refusal since is an outage
  private final FailureLog failures =
      new FailureLog(
          LOGGER,
          "microsandbox metrics: reading the registry failed; sandbox series are missing from"
              + " this collection");
  private boolean allOwnersDeadLogged;
  private boolean closed;

  /**
   * Passes over {@code reader}, labelled from {@code labels}, reported with {@code attributes}, and
   * (where sampling runs on its own period) copied into {@code buffer}, which may be null.
   */
  public SandboxSampler(
      RegistryReader reader,
      LabelSource labels,
      SandboxAttributes attributes,
      SampleBuffer buffer) {
    this(reader, labels, attributes, buffer, RunListener.NONE);
  }

  /**
   * As {@link #SandboxSampler(RegistryReader, LabelSource, SandboxAttributes, SampleBuffer)},
   * telling {@code runs} of every run of a reported sandbox that starts or stops.
   */
  public SandboxSampler(
      RegistryReader reader,
      LabelSource labels,
      SandboxAttributes attributes,
      SampleBuffer buffer,
      RunListener runs) {
    this.reader = reader;
    this.labels = labels;
    this.attributes = attributes;
    this.buffer = buffer;
    this.runs = new RunTracker(runs);
    this.isReported = i -> latestAttributes[i] != null;
  }

  /** The series this sampler's attributes are built for. */
  public SeriesSelection selection() {
    return attributes.selection();
  }

  /**
   * Samples every {@code period} on a daemon thread from now on, instead of on collections.
   *
   * @param onRefusal told of each pass that finds the registry refusing this process ({@link
   *     RegistryProblem.Kind#refusesThisProcess()}) before any pass has read it: the wrong user or
   *     a squatted file, which only an operator mends. Once read, a refusal is an outage (the
   *     registry recreated unreadable, a link put in its place, for a while): logged once, counted,
   *     and read again as soon as it is readable. Null: the log says it, as for any problem
   */
  public synchronized void start(Duration period, Consumer<RegistryProblem> onRefusal) {
    this.onRefusal = onRefusal;
    schedule =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("microsandbox-sampler"));
    schedule.scheduleAtFixedRate(this::pass, 0, period.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Attaches the registry without a pass: the problem found, or null ({@link
   * RegistryReader#check}).
   */
  public synchronized RegistryProblem check() {
    return reader.check();
  }

  /** Whether passes run on their own period (else each collection runs one). */
  public synchronized boolean scheduled() {
    return schedule != null;
  }

  /** One pass; never throws, and a failed one is logged (again when it changes, or hourly). */
  public synchronized void pass() {
    if (closed) {
      return; // racing shutdown: do not remap what close() released
    }
    try {
      RegistrySnapshot snapshot = reader.read(false);
      RegistryProblem problem = snapshot.problem();
      if (problem != null) {
        registryErrors[problem.kind().ordinal()]++;
        if (onRefusal != null && !registryRead && problem.kind().refusesThisProcess()) {
          onRefusal.accept(problem);
        }
      } else if (snapshot.present()) {
        registryRead = true;
      }
      latest = snapshot;
      labels.refresh(snapshot);
      int size = snapshot.size();
      if (latestAttributes.length < size) {
        latestAttributes = new SeriesAttributes[Math.max(size, latestAttributes.length * 2)];
      }
      int reported = 0;
      for (int i = 0; i < size; i++) {
        SandboxSample s = snapshot.get(i);
        SeriesAttributes reportedAs = attributes.ifReported(s, labels.labelsOf(s.sandboxId()));
        if (latestAttributes[i] != reportedAs) { // see SandboxMetricData.Point: no card to refine
          latestAttributes[i] = reportedAs;
        }
        reported += reportedAs == null ? 0 : 1;
      }
      latestReported = reported;
      explainIfEveryOwnerLooksDead(snapshot);
      if (buffer != null) {
        buffer.append(snapshot, latestAttributes);
      }
      runs.observe(snapshot, isReported, labels);
    } catch (Throwable e) {
      // Whatever it is (an OutOfMemoryError included), a scheduled pass that threw would never
      // run again: the sampler logs it and lives on, on every thread it runs on.
      failures.failed(e);
    }
  }

  /** Hands every reported sandbox of the latest pass to {@code consumer}. */
  public synchronized void forEachLatest(LatestConsumer consumer) {
    for (int i = 0; latest != null && i < latest.size(); i++) {
      if (latestAttributes[i] != null) {
        consumer.accept(latest.get(i), latestAttributes[i]);
      }
    }
  }

  /** Sandboxes the latest pass reports (the filters' choice). */
  public synchronized int latestCount() {
    return latest == null ? 0 : latestReported;
  }

  /** Active slots the latest pass left out because their owner is gone. */
  public synchronized int skippedDeadOwner() {
    return latest == null ? 0 : latest.skippedDeadOwner();
  }

  /** Active slots the latest pass left out because their sample was too old. */
  public synchronized int skippedTooOld() {
    return latest == null ? 0 : latest.skippedTooOld();
  }

  /** Slots the latest pass left out as older runs of sandboxes whose newer run is reported. */
  public synchronized int skippedSuperseded() {
    return latest == null ? 0 : latest.skippedSuperseded();
  }

  /** Slots the latest pass left out because no coherent read succeeded. */
  public synchronized int skippedInconsistent() {
    return latest == null ? 0 : latest.skippedInconsistent();
  }

  /** Runs of reported sandboxes seen to stop for {@code reason} since start. */
  public synchronized long stops(StopReason reason) {
    return runs.stops(reason);
  }

  /** Passes so far that found the registry unreadable, by {@link RegistryProblem.Kind} ordinal. */
  public synchronized long registryErrors(int kindOrdinal) {
    return registryErrors[kindOrdinal];
  }

  /** Stops sampling; releases the catalog and the registry mapping. */
  @Override
  public void close() {
    ScheduledExecutorService running;
    synchronized (this) {
      closed = true;
      running = schedule;
    }
    if (running != null) {
      running.shutdownNow();
      try {
        running.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      labels.close();
      reader.close();
    }
  }

  /**
   * Every active slot skipped as owner_dead is nearly always a JVM in another PID namespace (a
   * container) that cannot see msb's pids, not a host full of dead runtimes: say so once.
   */
  private void explainIfEveryOwnerLooksDead(RegistrySnapshot snapshot) {
    int dead = snapshot.skippedDeadOwner();
    if (dead == 0 || snapshot.size() > 0 || snapshot.skippedTooOld() > 0 || allOwnersDeadLogged) {
      return;
    }
    allOwnersDeadLogged = true;
    LOGGER.warning(
        "microsandbox metrics: every active sandbox ("
            + dead
            + ") is skipped because"
            + " its owner pid does not exist in this JVM's view. If this JVM runs in another PID"
            + " namespace than msb (a container), set OTEL_MICROSANDBOX_OWNER_CHECK=false; the"
            + " maximum sample age still keeps frozen samples out");
  }
}
