package dev.microsandbox.otel.lifecycle;

import static io.opentelemetry.api.common.AttributeKey.doubleKey;
import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

import dev.microsandbox.otel.support.FailureLog;
import dev.microsandbox.otel.support.TimeSource;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.logs.LogRecordBuilder;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.LoggerProvider;
import io.opentelemetry.api.logs.Severity;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Each run's start and stop as an OpenTelemetry log record (an event), emitted once through the
 * logger provider of the SDK the extension runs on: the application's logs pipeline (its exporters,
 * resource and processors) or the sidecar's. The event name goes in the record's event-name field
 * where the agent's API has one (1.50 and up, agent 2.16), else in the {@code event.name}
 * attribute. Never throws.
 */
public final class RunEvents implements RunListener {

  /** Why a run ended, on its stop event and on the stops counter. */
  public static final AttributeKey<String> STOP_REASON = stringKey("microsandbox.stop.reason");

  /** The event name, as an attribute, where the API has no event-name field. */
  public static final AttributeKey<String> EVENT_NAME = stringKey("event.name");

  /** From the run's start to its last sample. */
  public static final AttributeKey<Double> RUN_DURATION = doubleKey("microsandbox.run.duration");

  /** vCPU seconds of the run. */
  public static final AttributeKey<Double> RUN_CPU_TIME = doubleKey("microsandbox.run.cpu.time");

  /** The largest memory sample of the run, in bytes. */
  public static final AttributeKey<Long> RUN_MEMORY_PEAK = longKey("microsandbox.run.memory.peak");

  /** Disk bytes read by the run. */
  public static final AttributeKey<Long> RUN_DISK_READ =
      longKey("microsandbox.run.disk.bytes_read");

  /** Disk bytes written by the run. */
  public static final AttributeKey<Long> RUN_DISK_WRITTEN =
      longKey("microsandbox.run.disk.bytes_written");

  /** Network bytes received by the run. */
  public static final AttributeKey<Long> RUN_NET_RECEIVED =
      longKey("microsandbox.run.network.bytes_received");

  /** Network bytes sent by the run. */
  public static final AttributeKey<Long> RUN_NET_SENT =
      longKey("microsandbox.run.network.bytes_sent");

  private static final java.util.logging.Logger LOGGER =
      java.util.logging.Logger.getLogger(RunEvents.class.getName());

  /** Whether this API's log record builder has the event-name field (API 1.50 and up). */
  static final boolean EVENT_NAME_FIELD = hasEventNameField();

  private final Logger logger;
  private final BiConsumer<SandboxRun, AttributesBuilder> identity;
  private final TimeSource clock;
  private final FailureLog failures =
      new FailureLog(LOGGER, "microsandbox metrics: emitting a sandbox start or stop event failed");

  /**
   * @param scope the instrumentation scope's name, and {@code version} its version
   * @param identity puts a run's identity and labels on an event's attributes
   */
  public RunEvents(
      LoggerProvider provider,
      String scope,
      String version,
      BiConsumer<SandboxRun, AttributesBuilder> identity,
      TimeSource clock) {
    this.logger = provider.loggerBuilder(scope).setInstrumentationVersion(version).build();
    this.identity = identity;
    this.clock = clock;
  }

  @Override
  public void started(SandboxRun run) {
    emit(
        RunMessages.START,
        run,
        Severity.INFO,
        run.startedAtMs(),
        RunMessages.startLine(run),
        Attributes.builder());
  }

  @Override
  public void stopped(SandboxRun run, StopReason reason) {
    AttributesBuilder totals =
        Attributes.builder()
            .put(STOP_REASON, reason.value())
            .put(RUN_DURATION, run.durationSeconds())
            .put(RUN_CPU_TIME, run.cpuTimeSeconds())
            .put(RUN_MEMORY_PEAK, run.memoryPeakBytes())
            .put(RUN_DISK_READ, run.diskReadBytes())
            .put(RUN_DISK_WRITTEN, run.diskWriteBytes())
            .put(RUN_NET_RECEIVED, run.netRxBytes())
            .put(RUN_NET_SENT, run.netTxBytes());
    Severity severity =
        reason == StopReason.OWNER_DEAD || reason == StopReason.STALLED
            ? Severity.WARN
            : Severity.INFO;
    emit(
        RunMessages.STOP,
        run,
        severity,
        run.lastSampledAtMs(),
        RunMessages.stopLine(run, reason),
        totals);
  }

  private void emit(
      String event,
      SandboxRun run,
      Severity severity,
      long atMs,
      String body,
      AttributesBuilder attributes) {
    try {
      identity.accept(run, attributes);
      LogRecordBuilder record = logger.logRecordBuilder();
      if (EVENT_NAME_FIELD) {
        record.setEventName(event);
      } else {
        attributes.put(EVENT_NAME, event);
      }
      record
          .setTimestamp(atMs, TimeUnit.MILLISECONDS)
          .setObservedTimestamp(clock.wallMillis(), TimeUnit.MILLISECONDS)
          .setSeverity(severity)
          .setSeverityText(severity.name())
          .setBody(body)
          .setAllAttributes(attributes.build())
          .emit();
    } catch (Throwable e) { // a broken logs pipeline costs the event, never the pass
      failures.failed(e);
    }
  }

  private static boolean hasEventNameField() {
    try {
      LogRecordBuilder.class.getMethod("setEventName", String.class);
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
