/**
 * Small helpers every other package uses: the clock ({@code TimeSource}), log sinks that say a
 * problem once, the extension's published state, duration and glob parsing, the running Java's
 * version. The ground floor: it depends on no other package of the extension.
 */
package dev.microsandbox.otel.support;
