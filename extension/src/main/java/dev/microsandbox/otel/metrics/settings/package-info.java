/**
 * The extension's settings, read once into immutable objects: {@code MicrosandboxSettings} (from
 * {@code OTEL_*} variables and properties, or {@code DeclarativeSettings} from a file), the
 * misspelling check ({@code SettingNames}), the sidecar's resource defaults ({@code
 * ResourceDefaults}) and whose defaults apply ({@code RunMode}). Uses {@code series} (a setting
 * chooses series, attributes and sandboxes) and the packages outside {@code metrics}; used by the
 * wiring only.
 */
package dev.microsandbox.otel.metrics.settings;
