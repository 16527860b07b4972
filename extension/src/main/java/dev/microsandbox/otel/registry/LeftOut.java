package dev.microsandbox.otel.registry;

/**
 * Why a pass left out an active slot whose copy was coherent: what it says about the run in that
 * slot, which the lifecycle tracker turns into a stop reason.
 */
public enum LeftOut {
  /** The runtime process that owns the slot is gone, and the slot was left active. */
  OWNER_DEAD,
  /** The latest sample is older (or further ahead) than the maximum sample age. */
  TOO_OLD,
  /** A newer run of the same sandbox is reported instead. */
  SUPERSEDED
}
