/**
 * How often the registry is read, and what is kept of it: {@code SandboxSampler} runs registry
 * passes (on each collection, or on its own period), hands each to the {@code lifecycle} run
 * tracker, and, on a period, copies every sample into the outage buffer {@code SampleBuffer}, from
 * which each push exporter drains what it has not sent. Uses {@code series} and {@code data}; used
 * by {@code instruments}, {@code export} and the wiring.
 */
package dev.microsandbox.otel.metrics.sampling;
