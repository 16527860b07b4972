/**
 * Small helpers every other package uses: the clock ({@code TimeSource}), log sinks that say a
 * problem once, the daemon threads of its own ({@code DaemonThreads}), the extension's published
 * state, duration and glob parsing, the running Java's version, the C library's facts per platform
 * ({@code PosixPlatform}) and, on Java 22+, calls into it ({@code Libc}). The ground floor: it
 * depends on no other package of the extension.
 */
package dev.microsandbox.otel.support;
