/**
 * The {@code snapshot} command: one registry pass printed as a table or JSON, with labels, for an
 * operator at a shell, and with {@code --watch} the runs that start and stop ({@code RunLines}).
 * Depends on {@code registry}, {@code labels}, {@code lifecycle} and {@code support}; nothing
 * depends on it but the bundle's main.
 */
package dev.microsandbox.otel.cli;
