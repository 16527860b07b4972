/**
 * The sandbox metrics on OpenTelemetry: the entry points and the wiring. The top floor with {@code
 * cli}: it may use every other package; none uses it.
 *
 * <p>The agent and the SDK find the entry points by service loader (the customizer providers and
 * the agent listener, compiled for Java 8 in {@code src/main/java8}); the bundle calls {@code
 * StandaloneSidecar}. One {@code ExtensionSetup} holds what the extension set up in one SDK, begun
 * by whichever path configures it ({@code PropertiesPath} for {@code OTEL_*} variables, {@code
 * DeclarativePath} for a file) and started by the listener; {@code StartupLines} says what runs.
 *
 * <p>Below, one room per role, each using only the rooms below it:
 *
 * <ul>
 *   <li>{@code export}: the wrapped push exporters and readers, the series producer;
 *   <li>{@code instruments}: the SDK instruments, the collector's health;
 *   <li>{@code sampling}: the registry passes and the outage buffer;
 *   <li>{@code data}: points and metric data built from a pass;
 *   <li>{@code settings}: the settings, read once into immutable objects;
 *   <li>{@code series}: what is exported, with which attributes, under which scope.
 * </ul>
 */
package dev.microsandbox.otel.metrics;
