package dev.microsandbox.otel.registry;

import static dev.microsandbox.otel.registry.RegistryLayout.*;

import dev.microsandbox.otel.support.LogSink;
import dev.microsandbox.otel.support.TimeSource;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntPredicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads the registry: turns the slots of the mapped file ({@link RegistryMapping}) into coherent
 * samples, following the v3 reading protocol. The protocol is written once, here; how the mapped
 * bytes are loaded (FFM on Java 22+, a mapped buffer on 11+) is the {@link RegistryMemory} seam's
 * business. Never writes to the registry, never throws from {@link #read}: a missing registry is an
 * empty snapshot, a broken one an empty snapshot with a {@link RegistryProblem}, logged once per
 * distinct problem.
 *
 * <p>Every pass compares the open file's size with the mapping (one {@code fstat}), so a file cut
 * short is a problem, not a read past its end. In steady state a pass allocates nothing: sample
 * holders are reused and decoded names are cached per slot until the name bytes change.
 *
 * <p>Not thread-safe: one reader per collecting thread, or callers serialise.
 */
public final class RegistryReader implements AutoCloseable {

  /** How often the file's identity, size and permissions are checked while mapped. */
  public static final long RECHECK_INTERVAL_MS = 1_000;

  private static final Logger LOGGER = Logger.getLogger(RegistryReader.class.getName());

  /** The reader's messages through java.util.logging, as an agent logs. */
  public static final LogSink JUL = LOGGER::log;

  /**
   * The seqlock-protected part of a slot the reader copies: sandbox_id up to the end of the name.
   */
  private static final long FIELDS_START = S_SANDBOX_ID;

  private static final int FIELDS_LEN = (int) (S_NAME + NAME_CAPACITY - FIELDS_START);

  /** Name bytes copied with the figures; longer names take a second copy (most names are short). */
  private static final int SHORT_NAME = 32;

  private static final VarHandle U16 =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle U32 =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle U64 =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** Reader settings; immutable. */
  public static final class Options {
    /** Upstream's defaults: 30 s, owner probe on; the best mapping the JVM offers. */
    public static final Options DEFAULTS =
        new Options(Duration.ofSeconds(30), true, RegistryAccess.AUTO);

    private final Duration maxSampleAge;
    private final boolean checkOwner;
    private final RegistryAccess access;

    /**
     * @param maxSampleAge active slots whose latest sample is older are left out; zero disables
     * @param checkOwner whether active slots whose owner pid is gone are left out
     * @param access how the registry is mapped
     */
    public Options(Duration maxSampleAge, boolean checkOwner, RegistryAccess access) {
      this.maxSampleAge = Objects.requireNonNull(maxSampleAge);
      this.checkOwner = checkOwner;
      this.access = Objects.requireNonNull(access);
    }

    /** Active slots whose latest sample is older are left out; zero disables. */
    public Duration maxSampleAge() {
      return maxSampleAge;
    }

    /** Whether active slots whose owner pid is gone are left out. */
    public boolean checkOwner() {
      return checkOwner;
    }

    /** How the registry is mapped. */
    public RegistryAccess access() {
      return access;
    }

    /** These options with another mapping. */
    public Options with(RegistryAccess otherAccess) {
      return new Options(maxSampleAge, checkOwner, otherAccess);
    }
  }

  private final RegistryAbi abi;

  /** Where the name sits in {@link #fields}, and where its length does. */
  private final int nameAt;

  private final int nameLenAt;

  /** The older-ABI registry of the same home, merged into every pass; null: none. */
  private RegistryReader legacy;

  private final TimeSource clock;
  private final RegistryAccess access;
  private final long maxSampleAgeMs;
  private final OwnerLiveness liveness;
  private final RegistryMapping mapping;
  private final RegistrySnapshot snapshot = new RegistrySnapshot();
  private RegistryMemory cachesFor; // the mapping the slot caches below belong to

  // Per-slot name cache: the bytes a name was decoded from, their length (-1 = invalid), the text.
  private byte[][] nameBytes = new byte[0][];
  private int[] nameLen = new int[0];
  // A slot's fields, sandbox_id through the name, copied between the two seq loads and decoded from
  // here: one checked copy (a second for a name over 32 bytes) instead of twenty checked loads, and
  // no copy of the unused end of the name field.
  private final byte[] fields = new byte[FIELDS_LEN];
  private String[] names = new String[0];

  /** A reader of {@code file} that logs through java.util.logging. */
  public RegistryReader(Path file, Options options, TimeSource clock) {
    this(file, options, clock, null, JUL);
  }

  /**
   * A reader with an explicit owner probe (null: procfs) and log sink (the CLI keeps it quiet and
   * prints {@link RegistrySnapshot#problem()} itself).
   */
  public RegistryReader(
      Path file, Options options, TimeSource clock, IntPredicate ownerProbe, LogSink log) {
    this(file, RegistryAbi.V3, options, clock, ownerProbe, log);
  }

  /** A reader of a registry of {@code abi}. */
  public RegistryReader(
      Path file,
      RegistryAbi abi,
      Options options,
      TimeSource clock,
      IntPredicate ownerProbe,
      LogSink log) {
    this.abi = abi;
    this.nameAt = (int) (abi.nameAt - FIELDS_START);
    this.nameLenAt = (int) (abi.nameLenAt - FIELDS_START);
    this.clock = clock;
    this.access = options.access().resolved();
    this.maxSampleAgeMs = options.maxSampleAge().toMillis();
    this.mapping = new RegistryMapping(file, abi, access, log);
    if (!options.checkOwner()) {
      this.liveness = null;
    } else if (ownerProbe != null) {
      this.liveness = OwnerLiveness.using(ownerProbe);
    } else {
      this.liveness = OwnerLiveness.procfs();
      if (liveness == null) {
        log.log(
            Level.WARNING,
            "/proc is not mounted: dead sandbox owners cannot be detected by pid;"
                + " only the maximum sample age guard applies");
      }
    }
  }

  /**
   * One pass over the registry. Returns the reader's own snapshot object, refilled: valid until the
   * next call.
   *
   * @param includeStale also report stale slots, and active slots whose owner is dead or whose
   *     sample is too old, as {@link RegistryLayout#SLOT_STALE} (an inspection view; exporters pass
   *     false)
   */
  public RegistrySnapshot read(boolean includeStale) {
    snapshot.reset();
    long now = clock.wallMillis();
    long monotonicNow = clock.monotonicMillis();
    try {
      RegistryMemory memory = mapping.attach(monotonicNow);
      if (memory != null) {
        int capacity = mapping.capacity();
        if (memory != cachesFor) {
          resizeCaches(capacity);
          cachesFor = memory;
        }
        snapshot.present = true;
        snapshot.capacity = capacity;
        for (int slot = 0; slot < capacity; slot++) {
          readSlot(memory, slot, includeStale, now, monotonicNow);
        }
        // Also a native call: on Java 11-21 a SIGBUS in compiled code surfaces as an asynchronous
        // InternalError at the next such transition, which must be here, inside this try.
        mapping.ensureNotCutShort();
        mapping.readable();
      }
    } catch (IOException | RuntimeException | InternalError e) {
      // InternalError: the file shrank under the mapping (SIGBUS turned into an error by the JVM).
      mapping.failed(e);
      snapshot.size = 0;
    }
    snapshot.problem = mapping.problem();
    if (legacy != null) {
      // Its problems are its own (logged once each by it); they never cost this registry's runs.
      snapshot.appendMissingRuns(legacy.read(includeStale), mapping.capacity());
    }
    if (!includeStale) {
      snapshot.dropSupersededRuns();
    }
    return snapshot;
  }

  /**
   * The reader for one home: {@code registry} (its ABI from its name) and, where given, the same
   * home's older-ABI {@code legacy} registry merged into every pass.
   *
   * @param legacy the v2 registry to merge, or null (an explicitly named registry is read alone)
   */
  public static RegistryReader open(
      Path registry,
      Path legacy,
      Options options,
      TimeSource clock,
      IntPredicate ownerProbe,
      LogSink log) {
    RegistryReader reader =
        new RegistryReader(
            registry, RegistryLocation.abiOf(registry), options, clock, ownerProbe, log);
    return legacy == null
        ? reader
        : reader.withLegacy(
            new RegistryReader(legacy, RegistryAbi.V2, options, clock, ownerProbe, log));
  }

  /**
   * Merges the registry {@code legacy} reads (the same home's older-ABI registry) into every pass
   * from now on: a run this registry holds is reported from here, one only the legacy registry
   * holds from there, and its slots are numbered after this registry's. The legacy reader is owned
   * (and closed) by this one from now on.
   */
  RegistryReader withLegacy(RegistryReader legacy) {
    this.legacy = legacy;
    return this;
  }

  /** The ABI of the registry this reader reads. */
  public RegistryAbi abi() {
    return abi;
  }

  /**
   * How this reader maps the registry: {@link RegistryAccess#FFM} or {@link RegistryAccess#BUFFER}.
   */
  public RegistryAccess access() {
    return access;
  }

  /** Unmaps the registry. The reader may be used again; it will remap. */
  @Override
  public void close() {
    mapping.close();
    if (legacy != null) {
      legacy.close();
    }
  }

  private void resizeCaches(int slots) {
    if (nameLen.length == slots) {
      Arrays.fill(nameLen, -1);
    } else {
      nameBytes = new byte[slots][NAME_CAPACITY];
      nameLen = new int[slots];
      names = new String[slots];
      Arrays.fill(nameLen, -1);
      SandboxSample[] holders = new SandboxSample[slots];
      for (int i = 0; i < slots; i++) {
        holders[i] = new SandboxSample();
      }
      snapshot.samples = holders;
    }
    if (liveness != null) {
      liveness.resize(slots);
    }
  }

  // ---- one slot ----

  private static boolean visible(int state, boolean includeStale) {
    return state == SLOT_ACTIVE || (includeStale && state == SLOT_STALE);
  }

  private void readSlot(
      RegistryMemory m, int slot, boolean includeStale, long now, long monotonicNow) {
    long base = slotOffset(slot);
    SandboxSample s = snapshot.samples[snapshot.size];
    for (int attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
      int state = m.getIntAcquire(base + S_STATE);
      if (!visible(state, includeStale)) {
        return;
      }
      long g1 = m.getLongAcquire(base + S_GENERATION);
      long s1 = m.getLongAcquire(base + S_SEQ);
      if ((s1 & 1) != 0) {
        Thread.onSpinWait();
        continue;
      }
      int nameLength = readFields(m, base, slot, s);
      m.acquireFence(); // the plain reads above happen before the second seq load
      long s2 = m.getLongAcquire(base + S_SEQ);
      long g2 = m.getLongAcquire(base + S_GENERATION);
      int state2 = m.getIntAcquire(base + S_STATE);
      if (s1 == s2 && g1 == g2 && visible(state2, includeStale)) {
        if (nameLength >= 0) { // coherent: the new name becomes the slot's cached bytes
          System.arraycopy(fields, nameAt, nameBytes[slot], 0, nameLength);
          names[slot] = new String(nameBytes[slot], 0, nameLength, StandardCharsets.UTF_8);
          nameLen[slot] = nameLength;
        }
        s.slot = slot;
        s.state = state2;
        s.generation = g2;
        s.name = names[slot];
        accept(s, includeStale, now, monotonicNow);
        return;
      }
      Thread.onSpinWait();
    }
    snapshot.skippedInconsistent++;
  }

  /**
   * Plain reads of a slot's fields (one bulk copy, then decoded from the heap copy); returns the
   * new name length when the name must be decoded, else -1. The copy may be torn: nothing read here
   * is trusted until the second seq load agrees.
   */
  private int readFields(RegistryMemory m, long base, int slot, SandboxSample s) {
    byte[] f = fields;
    m.copy(base + FIELDS_START, f, 0, nameAt + SHORT_NAME); // figures, name_len, a short name
    s.sandboxId = i32(f, S_SANDBOX_ID);
    s.runId = i32(f, S_RUN_ID);
    s.pid = i32(f, S_PID);
    s.startedAtMs = i64(f, S_STARTED_AT_MS);
    s.sampledAtMs = i64(f, S_SAMPLED_AT_MS);
    s.flags = i32(f, S_SAMPLE_FLAGS) & abi.flagMask;
    s.abi = abi;
    s.memoryLimitBytes = unsigned(i64(f, S_MEMORY_LIMIT));
    s.vcpuTimeNs = unsigned(i64(f, S_VCPU_TIME_NS));
    s.cpuPercent = Float.intBitsToFloat(i32(f, S_CPU_PERCENT_BITS));
    s.memoryBytes = unsigned(i64(f, S_MEMORY));
    s.memoryAvailableBytes = unsigned(i64(f, S_MEMORY_AVAILABLE));
    s.memoryHostResidentBytes = unsigned(i64(f, S_MEMORY_HOST_RESIDENT));
    s.diskReadBytes = unsigned(i64(f, S_DISK_READ));
    s.diskWriteBytes = unsigned(i64(f, S_DISK_WRITE));
    s.netRxBytes = unsigned(i64(f, S_NET_RX));
    s.netTxBytes = unsigned(i64(f, S_NET_TX));
    boolean upper = abi.hasUpperFields();
    s.upperUsedBytes = upper ? unsigned(i64(f, S_UPPER_USED)) : 0;
    s.upperFreeBytes = upper ? unsigned(i64(f, S_UPPER_FREE)) : 0;
    s.upperHostAllocatedBytes = upper ? unsigned(i64(f, S_UPPER_HOST_ALLOCATED)) : 0;
    int len = Math.min(Short.toUnsignedInt((short) U16.get(f, nameLenAt)), NAME_CAPACITY);
    if (len > SHORT_NAME) {
      m.copy(base + abi.nameAt + SHORT_NAME, f, nameAt + SHORT_NAME, len - SHORT_NAME);
    }
    if (len == nameLen[slot] && Arrays.equals(f, nameAt, nameAt + len, nameBytes[slot], 0, len)) {
      return -1;
    }
    return len;
  }

  private static int i32(byte[] f, long slotOffset) {
    return (int) U32.get(f, (int) (slotOffset - FIELDS_START));
  }

  private static long i64(byte[] f, long slotOffset) {
    return (long) U64.get(f, (int) (slotOffset - FIELDS_START));
  }

  private void accept(SandboxSample s, boolean includeStale, long now, long monotonicNow) {
    if (s.sampledAtMs <= 0) {
      return; // activated but never sampled
    }
    if (s.state == SLOT_ACTIVE) {
      boolean dead =
          liveness != null && !liveness.isAlive(s.slot, s.generation, s.pid, monotonicNow);
      boolean tooOld = maxSampleAgeMs > 0 && now - s.sampledAtMs > maxSampleAgeMs;
      if (dead || tooOld) {
        if (dead) {
          snapshot.skippedDeadOwner++;
        } else {
          snapshot.skippedTooOld++;
        }
        if (!includeStale) {
          return;
        }
        s.state = SLOT_STALE;
      }
    }
    snapshot.size++;
  }

  /** A u64 read as a Java long: values at or above 2^63 are clamped, never negative. */
  static long unsigned(long raw) {
    return raw < 0 ? Long.MAX_VALUE : raw;
  }
}
