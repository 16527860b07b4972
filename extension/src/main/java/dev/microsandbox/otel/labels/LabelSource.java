package dev.microsandbox.otel.labels;

import dev.microsandbox.otel.registry.RegistrySnapshot;
import java.util.Map;

/** Per-sandbox labels for the sandboxes of a registry pass. */
public interface LabelSource extends AutoCloseable {

  /** No labels at all, and no catalog access. */
  LabelSource NONE =
      new LabelSource() {
        @Override
        public void refresh(RegistrySnapshot snapshot) {}

        @Override
        public Map<String, String> labelsOf(int sandboxId) {
          return Map.of();
        }

        @Override
        public void close() {}
      };

  /**
   * Brings labels up to date for the sandboxes of {@code snapshot}; bounded in time, never throws.
   */
  void refresh(RegistrySnapshot snapshot);

  /**
   * The labels of {@code sandboxId}, sorted by key; the same instance while they are unchanged, so
   * callers may cache by identity. Empty when unknown.
   */
  Map<String, String> labelsOf(int sandboxId);

  @Override
  void close();
}
