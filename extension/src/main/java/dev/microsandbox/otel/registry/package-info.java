/**
 * The shared-memory registry the microsandbox runtime writes: its byte layout ({@code
 * RegistryLayout}, drawn at the top of that file), where it lives ({@code RegistryLocation}), the
 * read-only mapping behind one seam for Java 11–21 and 22+ ({@code RegistryMemory}), the slot
 * protocol ({@code RegistryReader}) and what a pass yields ({@code RegistrySnapshot} of {@code
 * SandboxSample}s). {@code RegistryWriter} writes the way the runtime does, for the simulator and
 * the tests; the extension itself never writes. Depends only on {@code support}; knows nothing of
 * OpenTelemetry.
 */
package dev.microsandbox.otel.registry;
