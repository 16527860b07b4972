/**
 * The shared-memory registry the microsandbox runtime writes: its byte layout ({@code
 * RegistryLayout}, drawn at the top of that file), where it lives ({@code RegistryLocation}), the
 * read-only access behind one seam, positional reads on Java 11+ and an FFM mapping on 22+ ({@code
 * RegistryMemory}), the checks before a file is trusted ({@code RegistryMapping}), the slot
 * protocol ({@code RegistryReader}) and what a pass yields ({@code RegistrySnapshot} of {@code
 * SandboxSample}s). {@code RegistryWriter} writes the way the runtime does, for the simulator and
 * the tests; the extension itself never writes. Depends only on {@code support}; knows nothing of
 * OpenTelemetry.
 */
package dev.microsandbox.otel.registry;
