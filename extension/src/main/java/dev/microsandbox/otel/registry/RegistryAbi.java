package dev.microsandbox.otel.registry;

import static dev.microsandbox.otel.registry.RegistryLayout.FLAGS_V2;
import static dev.microsandbox.otel.registry.RegistryLayout.S2_NAME;
import static dev.microsandbox.otel.registry.RegistryLayout.S2_NAME_LEN;
import static dev.microsandbox.otel.registry.RegistryLayout.S_NAME;
import static dev.microsandbox.otel.registry.RegistryLayout.S_NAME_LEN;

/**
 * The registry ABIs the reader understands: what differs between them is only where the name sits
 * and which optional figures exist (see {@link RegistryLayout}); the protocol is the same.
 */
public enum RegistryAbi {
  /** Current runtimes: writable-layer figures, the name at 0xb0. */
  V3(RegistryLayout.VERSION, S_NAME_LEN, S_NAME, ~0),
  /** Older runtimes: no writable-layer figures, the name at 0x98. */
  V2(RegistryLayout.VERSION_2, S2_NAME_LEN, S2_NAME, FLAGS_V2);

  final int version;
  final long nameLenAt;
  final long nameAt;
  final int flagMask;

  RegistryAbi(int version, long nameLenAt, long nameAt, int flagMask) {
    this.version = version;
    this.nameLenAt = nameLenAt;
    this.nameAt = nameAt;
    this.flagMask = flagMask;
  }

  /** The header's {@code version}. */
  public int version() {
    return version;
  }

  /** Whether slots of this ABI carry the writable-layer figures. */
  public boolean hasUpperFields() {
    return this == V3;
  }
}
