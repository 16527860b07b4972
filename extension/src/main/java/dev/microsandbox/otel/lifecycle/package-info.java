/**
 * Sandbox runs from pass to pass: {@code RunTracker} follows each run (sandbox id, run id) through
 * the registry passes and tells a {@code RunListener} of each start and stop, with a {@code
 * StopReason}; {@code SandboxRun} is a run with its totals; {@code RunEvents} turns them into
 * OpenTelemetry log records. Depends on {@code registry}, {@code labels} and {@code support}, and
 * on the OpenTelemetry logs API; used by {@code metrics} (the events, the stops counter) and {@code
 * cli} ({@code snapshot --watch}).
 */
package dev.microsandbox.otel.lifecycle;
