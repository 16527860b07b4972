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
 * Reads the registry: turns the slots of the attached file ({@link RegistryMapping}) into coherent
 * samples, following the v3 reading protocol. The protocol is written once, here; how the bytes are
 * reached (a mapping through FFM on Java 22+, positional reads on 11+) is the {@link
 * RegistryMemory} seam's business. Never writes to the registry, never throws from {@link #read}: a
 * missing registry is an empty snapshot, a broken one an empty snapshot with a {@link
 * RegistryProblem}, logged once per distinct problem.
 *
 * <p>The seqlock read runs over a batch of {@link #BATCH_SLOTS} slots in three phases, each after a
 * {@link RegistryMemory#refresh}: (1) each visible slot's state, generation (g1) and seq (s1),
 * acquire loads; (2) the fields of those whose s1 is even, plain copies; an acquire fence; (3) seq
 * (s2), generation (g2) and state again. A copy is one sample only if s1 equals s2 (so no write
 * opened or closed between phases 1 and 3), g1 equals g2 (the slot was not reused), and the state
 * is still visible; the fields are not trusted, not even decoded, before that. On a mapping the
 * acquire loads and the fence order the phases; for positional reads each phase is a read of its
 * own, ordered after the one before (see {@link PreadRegistryMemory}). A slot that fails is tried
 * alone, at most {@link RegistryLayout#MAX_READ_ATTEMPTS} times in all, then skipped and counted
 * until the next pass. A slot still mid-write whose owner is dead, or whose sample is too old, will
 * never be closed (a runtime killed mid-sample): its run is left out for that reason, with the
 * identity its activation wrote (fields no sample write touches) and figures marked {@link
 * SandboxSample#isTorn torn}.
 *
 * <p>Every pass compares the open file's size with the registry's (one {@code fstat}), so a file
 * cut short is a problem, not a read past its end. Memory follows what is in use, not what the
 * header claims: per-slot caches grow to the highest slot seen visible. In steady state a pass
 * allocates nothing: sample holders are reused and decoded names are cached per slot until the name
 * bytes change.
 *
 * <p>Not thread-safe: one reader per collecting thread, or callers serialise.
 */
public final class RegistryReader implements AutoCloseable {

  /** How often the file's identity, size, permissions and owner are checked while attached. */
  public static final long RECHECK_INTERVAL_MS = 1_000;

  /** Slots read per batch (the positional reader's copies are this many slots at a time). */
  static final int BATCH_SLOTS = 64;

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
        new Options(Duration.ofSeconds(30), true, RegistryAccess.AUTO, null);

    private final Duration maxSampleAge;
    private final boolean checkOwner;
    private final RegistryAccess access;
    private final Path home;

    /**
     * @param maxSampleAge active slots whose latest sample is older, or stamped further ahead of
     *     the clock, are left out; zero disables
     * @param checkOwner whether active slots whose owner pid is gone are left out
     * @param access how the registry is read
     * @param home the microsandbox home, whose owner must own the registry (msb runs as that user);
     *     null: this process's user must
     */
    public Options(Duration maxSampleAge, boolean checkOwner, RegistryAccess access, Path home) {
      this.maxSampleAge = Objects.requireNonNull(maxSampleAge);
      this.checkOwner = checkOwner;
      this.access = Objects.requireNonNull(access);
      this.home = home;
    }

    /** As the four-argument constructor, for a registry this process's user must own. */
    public Options(Duration maxSampleAge, boolean checkOwner, RegistryAccess access) {
      this(maxSampleAge, checkOwner, access, null);
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

    /** The microsandbox home whose owner must own the registry; null: this process's user. */
    public Path home() {
      return home;
    }

    /** These options with another way of reading. */
    public Options with(RegistryAccess otherAccess) {
      return new Options(maxSampleAge, checkOwner, otherAccess, home);
    }

    /** These options for the registry of {@code otherHome}. */
    public Options withHome(Path otherHome) {
      return new Options(maxSampleAge, checkOwner, access, otherHome);
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
  private final SampleAges ages = new SampleAges();
  private final RegistryMapping mapping;
  private final RegistrySnapshot snapshot = new RegistrySnapshot();
  private RegistryMemory cachesFor; // the memory the slot caches below belong to

  // Per-slot name cache, grown to the highest slot seen visible: the bytes a name was decoded from
  // (null: none yet) and the text.
  private byte[][] nameBytes = new byte[0][];
  private String[] names = new String[0];

  // One batch: the slots whose fields were copied, their g1 and s1, and the copies (sandbox_id
  // through the name, one checked copy each, a second for a name over 32 bytes).
  private final int[] batchSlot = new int[BATCH_SLOTS];
  private final long[] batchGeneration = new long[BATCH_SLOTS];
  private final long[] batchSeq = new long[BATCH_SLOTS];
  private final byte[] fields = new byte[BATCH_SLOTS * FIELDS_LEN];

  // Slots of the batch to try again alone, and those being tried.
  private int[] failed = new int[BATCH_SLOTS];
  private int failedCount;
  private int[] retrying = new int[BATCH_SLOTS];

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
    this.mapping = new RegistryMapping(file, options.home(), abi, access, log);
    if (!options.checkOwner()) {
      this.liveness = null;
    } else if (ownerProbe != null) {
      this.liveness = OwnerLiveness.using(ownerProbe);
    } else {
      this.liveness = OwnerLiveness.ofThisHost();
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
          forgetSlots();
          cachesFor = memory;
        }
        snapshot.present = true;
        snapshot.capacity = capacity; // attach() checked that the file still holds every slot
        for (int first = 0; first < capacity; first += BATCH_SLOTS) {
          readBatchWithRetries(
              memory,
              first,
              Math.min(BATCH_SLOTS, capacity - first),
              includeStale,
              now,
              monotonicNow);
        }
        mapping.readable();
      }
    } catch (IOException | RuntimeException | Error e) {
      // A file cut short under the reader (a short positional read, or a fault in a mapping), or
      // anything else: let the registry go; the next pass attaches anew.
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
   * Attaches the registry as a pass would, reading no slot: the problem found (logged as a pass
   * logs it), or null when it is readable or not created yet. Lets a start-up say at once what the
   * first pass would otherwise say only at the first collection.
   */
  public RegistryProblem check() {
    try {
      mapping.attach(clock.monotonicMillis());
    } catch (IOException | RuntimeException | Error e) {
      mapping.failed(e);
    }
    return mapping.problem();
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

  /** Slots this reader keeps caches for; grows with the slots seen in use (tests). */
  int cachedSlots() {
    return Math.max(names.length, snapshot.samples.length);
  }

  /** A new file: its slots are new, so is every cached name and owner verdict. */
  private void forgetSlots() {
    nameBytes = new byte[0][];
    names = new String[0];
    ages.forget();
    if (liveness != null) {
      liveness.forget();
    }
  }

  // ---- one batch of slots ----

  private static boolean visible(int state, boolean includeStale) {
    return state == SLOT_ACTIVE || (includeStale && state == SLOT_STALE);
  }

  private void readBatchWithRetries(
      RegistryMemory m, int first, int count, boolean includeStale, long now, long monotonicNow)
      throws IOException {
    failedCount = 0;
    readBatch(m, first, count, includeStale, now, monotonicNow);
    for (int attempt = 1; failedCount > 0 && attempt < MAX_READ_ATTEMPTS; attempt++) {
      int[] pending = failed;
      int pendingCount = failedCount;
      failed = retrying;
      retrying = pending;
      failedCount = 0;
      Thread.onSpinWait();
      for (int i = 0; i < pendingCount; i++) {
        readBatch(m, pending[i], 1, includeStale, now, monotonicNow);
      }
    }
    int unread = 0;
    for (int i = 0; i < failedCount; i++) {
      if (!leaveOutIfAbandoned(m, failed[i], now, monotonicNow)) {
        failed[unread++] = failed[i];
      }
    }
    snapshot.skippedInconsistent += unread;
    snapshot.unread(failed, unread);
  }

  /**
   * Leaves out the run of a slot no attempt could read when its write was abandoned: the slot is
   * active and sampled, and its owner is dead or its sample too old (see {@link #staleness}); a
   * live writer merely mid-write is left for the next pass. Only the identity of the copy is
   * trusted: the runtime writes it at activation and a sample write does not touch it.
   */
  private boolean leaveOutIfAbandoned(RegistryMemory m, int slot, long now, long monotonicNow)
      throws IOException {
    long base = slotOffset(slot);
    m.refresh(base, SLOT_LEN);
    int state = m.getIntAcquire(base + S_STATE);
    if (state != SLOT_ACTIVE) {
      return false;
    }
    long generation = m.getLongAcquire(base + S_GENERATION);
    copyFields(m, base, 0);
    SandboxSample s = decode(slot, 0, state, generation);
    LeftOut why = s.sampledAtMs > 0 ? staleness(s, now, monotonicNow) : null;
    if (why == null) {
      return false;
    }
    s.torn = true;
    snapshot.leaveOut(snapshot.size, why);
    return true;
  }

  /**
   * The three phases of the class comment over slots {@code first} to {@code first + count - 1}; a
   * slot without a coherent copy goes to {@link #failed}.
   */
  private void readBatch(
      RegistryMemory m, int first, int count, boolean includeStale, long now, long monotonicNow)
      throws IOException {
    m.refresh(slotOffset(first), count * SLOT_LEN);
    int copied = 0;
    for (int slot = first; slot < first + count; slot++) {
      long base = slotOffset(slot);
      if (!visible(m.getIntAcquire(base + S_STATE), includeStale)) {
        continue;
      }
      long g1 = m.getLongAcquire(base + S_GENERATION);
      long s1 = m.getLongAcquire(base + S_SEQ);
      if ((s1 & 1) != 0) {
        failed[failedCount++] = slot; // mid-write
        continue;
      }
      batchSlot[copied] = slot;
      batchGeneration[copied] = g1;
      batchSeq[copied] = s1;
      copied++;
    }
    if (copied == 0) {
      return;
    }
    long from = slotOffset(batchSlot[0]);
    int length = (int) (slotOffset(batchSlot[copied - 1]) + SLOT_LEN - from);
    m.refresh(from, length);
    for (int k = 0; k < copied; k++) {
      copyFields(m, slotOffset(batchSlot[k]), k * FIELDS_LEN);
    }
    m.acquireFence(); // the plain reads above happen before the second seq loads
    m.refresh(from, length);
    for (int k = 0; k < copied; k++) {
      int slot = batchSlot[k];
      long base = slotOffset(slot);
      long s2 = m.getLongAcquire(base + S_SEQ);
      long g2 = m.getLongAcquire(base + S_GENERATION);
      int state2 = m.getIntAcquire(base + S_STATE);
      if (s2 == batchSeq[k] && g2 == batchGeneration[k] && visible(state2, includeStale)) {
        accept(decode(slot, k * FIELDS_LEN, state2, g2), includeStale, now, monotonicNow);
      } else if (visible(state2, includeStale)) {
        failed[failedCount++] = slot; // written or reused meanwhile
      }
    }
  }

  /**
   * Plain copies of a slot's fields to {@code at} in {@link #fields}: the figures, name_len and a
   * short name, then the rest of a longer name. The copy may be torn: nothing here is trusted until
   * the second seq load agrees; the name length is clamped, so even a torn one stays inside.
   */
  private void copyFields(RegistryMemory m, long base, int at) {
    m.copy(base + FIELDS_START, fields, at, nameAt + SHORT_NAME);
    int len = nameLength(at);
    if (len > SHORT_NAME) {
      m.copy(base + abi.nameAt + SHORT_NAME, fields, at + nameAt + SHORT_NAME, len - SHORT_NAME);
    }
  }

  private int nameLength(int at) {
    return Math.min(Short.toUnsignedInt((short) U16.get(fields, at + nameLenAt)), NAME_CAPACITY);
  }

  /** A coherent copy at {@code at}, decoded into the next free holder of the snapshot. */
  private SandboxSample decode(int slot, int at, int state, long generation) {
    SandboxSample s = snapshot.nextHolder();
    byte[] f = fields;
    s.slot = slot;
    s.state = state;
    s.generation = generation;
    s.torn = false;
    s.sandboxId = i32(f, at, S_SANDBOX_ID);
    s.runId = i32(f, at, S_RUN_ID);
    s.pid = i32(f, at, S_PID);
    s.startedAtMs = i64(f, at, S_STARTED_AT_MS);
    s.sampledAtMs = i64(f, at, S_SAMPLED_AT_MS);
    s.flags = i32(f, at, S_SAMPLE_FLAGS) & abi.flagMask;
    s.abi = abi;
    s.memoryLimitBytes = unsigned(i64(f, at, S_MEMORY_LIMIT));
    s.vcpuTimeNs = unsigned(i64(f, at, S_VCPU_TIME_NS));
    s.cpuPercent = Float.intBitsToFloat(i32(f, at, S_CPU_PERCENT_BITS));
    s.memoryBytes = unsigned(i64(f, at, S_MEMORY));
    s.memoryAvailableBytes = unsigned(i64(f, at, S_MEMORY_AVAILABLE));
    s.memoryHostResidentBytes = unsigned(i64(f, at, S_MEMORY_HOST_RESIDENT));
    s.diskReadBytes = unsigned(i64(f, at, S_DISK_READ));
    s.diskWriteBytes = unsigned(i64(f, at, S_DISK_WRITE));
    s.netRxBytes = unsigned(i64(f, at, S_NET_RX));
    s.netTxBytes = unsigned(i64(f, at, S_NET_TX));
    boolean upper = abi.hasUpperFields();
    s.upperUsedBytes = upper ? unsigned(i64(f, at, S_UPPER_USED)) : 0;
    s.upperFreeBytes = upper ? unsigned(i64(f, at, S_UPPER_FREE)) : 0;
    s.upperHostAllocatedBytes = upper ? unsigned(i64(f, at, S_UPPER_HOST_ALLOCATED)) : 0;
    String name = name(slot, at + nameAt, nameLength(at));
    if (s.name != name) { // an unchanged reference is not stored again: see SandboxMetricData.Point
      s.name = name;
    }
    return s;
  }

  /** The slot's cached name while its bytes are unchanged, else the bytes decoded and cached. */
  private String name(int slot, int from, int len) {
    if (slot >= names.length) {
      int size = Math.max(slot + 1, names.length * 2);
      names = Arrays.copyOf(names, size);
      nameBytes = Arrays.copyOf(nameBytes, size);
    }
    byte[] cached = nameBytes[slot];
    if (cached == null
        || cached.length != len
        || !Arrays.equals(fields, from, from + len, cached, 0, len)) {
      nameBytes[slot] = Arrays.copyOfRange(fields, from, from + len);
      names[slot] = new String(fields, from, len, StandardCharsets.UTF_8);
    }
    return names[slot];
  }

  private static int i32(byte[] f, int at, long slotOffset) {
    return (int) U32.get(f, at + (int) (slotOffset - FIELDS_START));
  }

  private static long i64(byte[] f, int at, long slotOffset) {
    return (long) U64.get(f, at + (int) (slotOffset - FIELDS_START));
  }

  private void accept(SandboxSample s, boolean includeStale, long now, long monotonicNow) {
    s.leftOut = null;
    if (s.sampledAtMs <= 0) {
      return; // activated but never sampled
    }
    if (s.state == SLOT_ACTIVE) {
      LeftOut why = staleness(s, now, monotonicNow);
      if (why != null) {
        if (!includeStale) {
          snapshot.leaveOut(snapshot.size, why);
          return;
        }
        s.leftOut = why;
        s.state = SLOT_STALE;
      }
    }
    snapshot.size++;
  }

  /**
   * Why the run of active slot {@code s} is no longer live, counted: its owner is dead, or its
   * sample has not moved for longer than the guard on this reader's monotonic clock ({@link
   * SampleAges}: a wall-clock step stalls no live run), or, first seen, is stamped further ahead of
   * the clock than the guard (a sample from the future would otherwise pass as live for as long as
   * the skew lasts); null while it is live.
   */
  private LeftOut staleness(SandboxSample s, long now, long monotonicNow) {
    if (liveness != null
        && !liveness.isAlive(s.slot, s.generation, s.pid, s.sampledAtMs, monotonicNow)) {
      snapshot.skippedDeadOwner++;
      return LeftOut.OWNER_DEAD;
    }
    if (maxSampleAgeMs > 0
        && ages.tooOld(s.slot, s.generation, s.sampledAtMs, now, monotonicNow, maxSampleAgeMs)) {
      snapshot.skippedTooOld++;
      return LeftOut.TOO_OLD;
    }
    return null;
  }

  /** A u64 read as a Java long: values at or above 2^63 are clamped, never negative. */
  static long unsigned(long raw) {
    return raw < 0 ? Long.MAX_VALUE : raw;
  }
}
