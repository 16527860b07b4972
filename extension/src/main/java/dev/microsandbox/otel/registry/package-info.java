/**
 * The shared-memory registry the microsandbox runtime writes: its byte layout ({@code
 * RegistryLayout}, drawn at the top of that file), where it lives ({@code RegistryLocation}), how
 * it is reached and read ({@code RegistryAccess}: positional reads on Java 11+, an FFM mapping on
 * 22+, or libc's {@code shm_open}/{@code fstat}/{@code mmap} on 22+, the one way in on macOS;
 * opened as a {@code RegistryHandle}, read through the one seam {@code RegistryMemory}), the checks
 * before a file is trusted ({@code RegistryMapping}), the slot protocol ({@code RegistryReader})
 * and what a pass yields ({@code RegistrySnapshot} of {@code SandboxSample}s). The writer that
 * writes the way the runtime does, for the simulator and the tests, lives with the tests: the
 * extension itself never writes. Depends only on {@code support}; knows nothing of OpenTelemetry.
 */
package dev.microsandbox.otel.registry;
