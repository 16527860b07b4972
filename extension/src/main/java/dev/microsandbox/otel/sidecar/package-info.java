/**
 * What the sidecar process owns that an application keeps for itself: its log ({@code SidecarLog},
 * level and text or JSON lines, for the lean form that runs on the plain SDK) and where its data
 * goes, said in one line at start and in every export failure ({@code ExportTargets}). Depends on
 * {@code support} and the OpenTelemetry SDK; used by {@code metrics}.
 */
package dev.microsandbox.otel.sidecar;
