package dev.microsandbox.otel.examples;

import dev.microsandbox.otel.labels.CatalogWriter;
import dev.microsandbox.otel.registry.RegistryAbi;
import dev.microsandbox.otel.registry.RegistryAccess;
import dev.microsandbox.otel.registry.RegistryLayout;
import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.support.Durations;
import dev.microsandbox.otel.support.LogSink;
import dev.microsandbox.otel.support.TimeSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * A stand-in for running sandboxes: creates (or joins) the v3 registry of a microsandbox home and
 * keeps N fake sandboxes alive in it with the layout code the reader uses. CPU wobbles, disk and
 * network counters grow, memory hovers near the limit, some sandboxes set the optional flags; with
 * churn, sandboxes restart (new run id) or are replaced by new ones. On exit it frees its slots.
 */
public final class Simulator implements AutoCloseable {

  /** Tenants the fake sandboxes are labelled with. */
  static final String[] TENANTS = {"acme", "globex", "initech"};

  static final String USAGE =
      String.join(
          System.lineSeparator(),
          "usage: java -jar msb-otel-simulator.jar [options]",
          "  --msb-home DIR      the home written (default: <java.io.tmpdir>/msb-otel-simulator;",
          "                      never the runtime's own unless named: point the sidecar at it",
          "                      with MSB_HOME)",
          "  --sandboxes N       sandboxes kept alive (default 5)",
          "  --period DUR        sample period (default 1s)",
          "  --churn N           restarts/replacements per minute (default 0)",
          "  --capacity N        slots when the registry is created here (default 1024)",
          "  --abi 3|2           the registry ABI to write: 3 (current runtimes, default) or 2"
              + " (older",
          "                      runtimes: msb-met-<hash>-v2, no writable-layer figures)",
          "  --first-id N        the first sandbox id (default 1001); give a second simulator of"
              + " the",
          "                      same home its own range (sandbox ids are unique per home)",
          "  --seed N            random seed (default: time)",
          "  --no-catalog        write no catalog (by default <home>/db/msb.db gets each sandbox's"
              + " labels,",
          "                      unless a catalog the simulator did not create is already there)",
          "  --allow-real-home   write into a home where a real runtime has run (a catalog the",
          "                      simulator did not create, or registry slots it did not write);",
          "                      without it the simulator refuses such a home",
          "");

  /** The default home: the simulator's own, never the runtime's. */
  static String defaultHome() {
    return Path.of(System.getProperty("java.io.tmpdir"), "msb-otel-simulator").toString();
  }

  /** Simulator settings; immutable. */
  static final class Options {
    private final String home;
    private final int sandboxes;
    private final Duration period;
    private final double churnPerMinute;
    private final int capacity;
    private final long seed;
    private final boolean catalog;
    private final RegistryAbi abi;
    private final int firstId;
    private final boolean allowRealHome;

    Options(
        String home,
        int sandboxes,
        Duration period,
        double churnPerMinute,
        int capacity,
        long seed,
        boolean catalog,
        RegistryAbi abi,
        int firstId,
        boolean allowRealHome) {
      this.home = home;
      this.sandboxes = sandboxes;
      this.period = period;
      this.churnPerMinute = churnPerMinute;
      this.capacity = capacity;
      this.seed = seed;
      this.catalog = catalog;
      this.abi = abi;
      this.firstId = firstId;
      this.allowRealHome = allowRealHome;
    }

    /** Whether a home where a real runtime has run may be written. */
    boolean allowRealHome() {
      return allowRealHome;
    }

    /** The id of the first sandbox; later ones count up from it. */
    int firstId() {
      return firstId;
    }

    /** The registry ABI written. */
    RegistryAbi abi() {
      return abi;
    }

    /** Whether sandbox labels are written to a catalog. */
    boolean catalog() {
      return catalog;
    }

    /** The microsandbox home whose registry is written. */
    String home() {
      return home;
    }

    /** How many sandboxes are kept alive. */
    int sandboxes() {
      return sandboxes;
    }

    /** How often samples are published. */
    Duration period() {
      return period;
    }

    /** Restart/replace events per minute. */
    double churnPerMinute() {
      return churnPerMinute;
    }

    /** Slots of a newly created registry. */
    int capacity() {
      return capacity;
    }

    /** Random seed. */
    long seed() {
      return seed;
    }

    static Options parse(String[] args) {
      String home = defaultHome();
      boolean allowRealHome = false;
      int sandboxes = 5;
      Duration period = Duration.ofSeconds(1);
      double churn = 0;
      int capacity = RegistryLayout.DEFAULT_CAPACITY;
      long seed = System.nanoTime();
      boolean catalog = true;
      RegistryAbi abi = RegistryAbi.V3;
      int firstId = 1001;
      for (int i = 0; i < args.length; i++) {
        String option = args[i];
        if (option.equals("--help") || option.equals("-h")) {
          return null;
        }
        if (option.equals("--no-catalog")) {
          catalog = false;
          continue;
        }
        if (option.equals("--allow-real-home")) {
          allowRealHome = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(option + " needs a value");
        }
        String value = args[++i];
        try {
          switch (option) {
            case "--msb-home":
              home = value;
              break;
            case "--sandboxes":
              sandboxes = Integer.parseInt(value);
              break;
            case "--period":
              period = Durations.parse(value);
              break;
            case "--churn":
              churn = Double.parseDouble(value);
              break;
            case "--capacity":
              capacity = Integer.parseInt(value);
              break;
            case "--seed":
              seed = Long.parseLong(value);
              break;
            case "--first-id":
              firstId = Integer.parseInt(value);
              break;
            case "--abi":
              abi = value.equals("2") ? RegistryAbi.V2 : value.equals("3") ? RegistryAbi.V3 : null;
              if (abi == null) {
                throw new IllegalArgumentException("--abi: '" + value + "' is not 3 or 2");
              }
              break;
            default:
              throw new IllegalArgumentException("unknown option '" + option + "'");
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(option + ": '" + value + "' is not a number");
        }
      }
      if (sandboxes < 0 || churn < 0 || period.isZero() || capacity < 1 || firstId < 1) {
        throw new IllegalArgumentException(
            "--sandboxes and --churn must be >= 0, --period,"
                + " --capacity and --first-id above 0");
      }
      return new Options(
          home, sandboxes, period, churn, capacity, seed, catalog, abi, firstId, allowRealHome);
    }
  }

  /** One fake sandbox: its identity, its slot and the state its figures evolve from. */
  private static final class FakeSandbox {
    static final String NAME_PREFIX = "sim-";

    /** Whether {@code name} is one the simulator gives its sandboxes. */
    static boolean isSimulated(String name) {
      return name.startsWith(NAME_PREFIX);
    }

    final int id;
    final String name;
    final int flags;
    final long memoryLimit;
    final double cpuBase;
    final double phase;
    int runId = 1;
    int slot;
    final SandboxSample sample = new SandboxSample();

    FakeSandbox(int id, Random random) {
      this.id = id;
      this.name = NAME_PREFIX + id; // unique per home, like the id, whichever --first-id
      int remainder = id % 3;
      this.flags =
          remainder == 0
              ? 0xff // every optional field, and a live memory limit that is resized now and then
              : remainder == 1
                  ? RegistryLayout.FLAG_CPU
                      | RegistryLayout.FLAG_MEMORY
                      | RegistryLayout.FLAG_MEMORY_AVAILABLE
                  : RegistryLayout.FLAG_CPU | RegistryLayout.FLAG_MEMORY;
      this.memoryLimit = (256L << 20) << random.nextInt(4); // 256 MiB .. 2 GiB
      this.cpuBase = 10 + random.nextInt(150);
      this.phase = random.nextDouble() * Math.PI * 2;
    }
  }

  private final Options options;
  private final RegistryWriter writer;

  /** The registry file, and whether this simulator created it (and so may remove it). */
  private final Path file;

  private final boolean createdRegistry;

  /** Null with --no-catalog, or when the home already has a catalog of msb's own. */
  private final CatalogWriter catalog;

  private final Random random;
  private final PrintStream log;
  private final LongSupplier clock;
  private final int pid = (int) ProcessHandle.current().pid();
  private final List<FakeSandbox> running = new ArrayList<>();
  private int nextId;
  private long ticks;
  private boolean closed;

  /** Opens (or creates) the registry of {@code options.home()} and starts the sandboxes. */
  Simulator(Options options, PrintStream log, LongSupplier clock) throws IOException {
    this.options = options;
    this.log = log;
    this.clock = clock;
    this.random = new Random(options.seed());
    this.nextId = options.firstId();
    this.file = RegistryLocation.registryFile(options.home(), options.abi());
    this.createdRegistry = !Files.exists(file);
    this.writer = RegistryWriter.openOrCreate(file, options.capacity(), options.abi());
    log.println(
        "simulator: registry "
            + file
            + " ("
            + writer.capacity()
            + " slots), MSB_HOME="
            + options.home());
    this.catalog =
        options.catalog() ? openCatalog(RegistryLocation.catalogFile(options.home()), log) : null;
    for (int i = 0; i < options.sandboxes(); i++) {
      start(new FakeSandbox(nextId++, random));
    }
  }

  private static CatalogWriter openCatalog(Path file, PrintStream log) throws IOException {
    try {
      if (!CatalogWriter.absentOrSimulated(file)) {
        log.println(
            "simulator: "
                + file
                + " is a catalog the simulator did not create; leaving it"
                + " alone (no labels written)");
        return null;
      }
      CatalogWriter writer = CatalogWriter.create(file).markSimulated();
      log.println("simulator: catalog " + file + " (labels tenant, user.id per sandbox)");
      return writer;
    } catch (SQLException e) {
      throw new IOException("cannot write the catalog " + file + ": " + e.getMessage(), e);
    }
  }

  /** One period: maybe a churn event, then a fresh sample for every sandbox. */
  synchronized void tick() {
    if (closed) {
      return; // the shutdown hook got here first
    }
    ticks++;
    double churnPerTick = options.churnPerMinute() * options.period().toMillis() / 60_000.0;
    if (!running.isEmpty() && random.nextDouble() < churnPerTick) {
      FakeSandbox victim = running.get(random.nextInt(running.size()));
      stop(victim, true);
      if (random.nextBoolean()) {
        victim.runId++;
        start(victim);
        log.println("simulator: restarted " + victim.name + " (run " + victim.runId + ")");
      } else {
        FakeSandbox fresh = new FakeSandbox(nextId++, random);
        start(fresh);
        log.println("simulator: replaced " + victim.name + " with " + fresh.name);
      }
    }
    long now = clock.getAsLong();
    double seconds = options.period().toMillis() / 1000.0;
    for (FakeSandbox s : running) {
      evolve(s, now, seconds);
      writer.publish(s.slot, s.sample);
    }
  }

  private void evolve(FakeSandbox s, long now, double seconds) {
    double t = ticks * seconds / 20.0 + s.phase;
    double cpu = Math.max(0, s.cpuBase + 40 * Math.sin(t) + random.nextGaussian() * 5);
    SandboxSample x = s.sample;
    long limit = limitAt(s);
    long memory = (long) (limit * (0.80 + 0.12 * Math.sin(t / 3)));
    long upperTotal = 4L << 30;
    long upperUsed =
        Math.min(upperTotal, x.upperUsedBytes() + (long) (random.nextInt(64 << 10) * seconds));
    x.times(x.startedAtMs(), now)
        .flags(s.flags)
        .cpu((float) cpu, x.vcpuTimeNs() + (long) (cpu / 100 * seconds * 1e9))
        .memory(limit, memory, limit - memory, memory + (memory >> 4))
        .io(
            x.diskReadBytes() + grow(2 << 20, seconds), x.diskWriteBytes() + grow(1 << 20, seconds),
            x.netRxBytes() + grow(512 << 10, seconds), x.netTxBytes() + grow(128 << 10, seconds))
        .upper(upperUsed, upperTotal - upperUsed, upperUsed + (upperUsed >> 3));
  }

  /** Ticks between two resizes of a sandbox whose limit is live (flag 0x80). */
  static final int RESIZE_TICKS = 30;

  /**
   * The sandbox's memory limit now: its boot allocation, or, where the runtime reports the live VM
   * size (0.7.x), that size, which grows by half and shrinks back every {@link #RESIZE_TICKS}.
   */
  private long limitAt(FakeSandbox s) {
    boolean live =
        (s.flags & RegistryLayout.FLAG_MEMORY_LIMIT_LIVE) != 0
            && options.abi() == RegistryAbi.V3; // an older runtime reports its boot allocation
    return live && (ticks / RESIZE_TICKS) % 2 == 1
        ? s.memoryLimit + s.memoryLimit / 2
        : s.memoryLimit;
  }

  private long grow(int perSecond, double seconds) {
    return (long) (random.nextInt(perSecond) * seconds);
  }

  private void start(FakeSandbox s) {
    long now = clock.getAsLong();
    s.sample
        .identity(s.id, s.runId, pid, s.name)
        .times(now, 0)
        .cpu(0, 0)
        .io(0, 0, 0, 0)
        .upper(64L << 20, 0, 0);
    s.slot = writer.claim(s.sample);
    if (s.slot < 0) {
      throw new IllegalStateException("registry full: no slot for " + s.name);
    }
    writer.activate(s.slot, s.runId, pid);
    running.add(s);
    label(s);
  }

  /** The labels a user might set on this sandbox, as msb keeps them: in its config. */
  private void label(FakeSandbox s) {
    if (catalog == null) {
      return;
    }
    try {
      catalog.put(
          s.id,
          s.name,
          CatalogWriter.labels(
              "tenant", TENANTS[s.id % TENANTS.length], "user.id", "user-" + (s.id % 7)),
          null);
    } catch (SQLException e) {
      log.println("simulator: could not label " + s.name + ": " + e.getMessage());
    }
  }

  private void stop(FakeSandbox s, boolean keepAsStale) {
    writer.release(s.slot, keepAsStale);
    running.remove(s);
  }

  /** Names of the sandboxes alive now. */
  synchronized List<String> names() {
    return running.stream().map(s -> s.name).collect(java.util.stream.Collectors.toList());
  }

  /**
   * Frees every slot this simulator holds; removes the registry file if this simulator created it
   * and no other writer (a second simulator of the home) holds a slot in it, else leaves it, as the
   * runtime leaves its own.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (FakeSandbox s : List.copyOf(running)) {
      stop(s, false);
    }
    writer.close();
    if (catalog != null) {
      try {
        catalog.close();
      } catch (SQLException e) {
        log.println("simulator: closing the catalog: " + e.getMessage());
      }
    }
    if (createdRegistry && writer.idle()) {
      try {
        Files.deleteIfExists(file);
        log.println("simulator: freed its slots and removed " + file + ", which it created");
        return;
      } catch (IOException e) {
        log.println("simulator: freed its slots; removing " + file + " failed: " + e);
        return;
      }
    }
    log.println(
        "simulator: freed its slots; "
            + file
            + (createdRegistry ? " stays: another writer holds slots there" : " stays, as found"));
  }

  /** Entry point: runs until interrupted (SIGTERM/SIGINT free the slots on the way out). */
  /**
   * What shows that a real runtime has run in the home of {@code options} (a catalog the simulator
   * did not create, a registry slot it did not write), or null. Read only: nothing is written.
   */
  static String realRuntimeIn(Options options) throws IOException {
    Path catalog = RegistryLocation.catalogFile(options.home());
    try {
      if (!CatalogWriter.absentOrSimulated(catalog)) {
        return catalog + " is a catalog the simulator did not create";
      }
    } catch (SQLException e) {
      return catalog + " is not a catalog the simulator can read (" + e.getMessage() + ")";
    }
    Path registry = RegistryLocation.registryFile(options.home(), options.abi());
    if (!Files.exists(registry)) {
      return null;
    }
    RegistryReader.Options everything =
        new RegistryReader.Options(Duration.ZERO, false, RegistryAccess.AUTO);
    try (RegistryReader reader =
        RegistryReader.open(registry, null, everything, TimeSource.SYSTEM, null, LogSink.QUIET)) {
      RegistrySnapshot slots = reader.read(true);
      for (int i = 0; i < slots.size(); i++) {
        String name = slots.get(i).name();
        if (!FakeSandbox.isSimulated(name)) {
          return registry + " holds a slot the simulator did not write (sandbox " + name + ")";
        }
      }
    }
    return null;
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("simulator: " + e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    if (options == null) {
      System.out.print(USAGE);
      return;
    }
    String realHome = options.allowRealHome() ? null : realRuntimeIn(options);
    if (realHome != null) {
      System.err.println(
          "simulator: refusing "
              + options.home()
              + ": "
              + realHome
              + ", so a real runtime has run there and the simulator's sandboxes would be exported"
              + " beside (or in place of) real ones. Give it a home of its own (--msb-home), or"
              + " --allow-real-home to write there anyway");
      System.exit(2);
      return;
    }
    Simulator simulator = new Simulator(options, System.out, System::currentTimeMillis);
    Thread main = Thread.currentThread();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  main.interrupt();
                  simulator.close();
                },
                "simulator-shutdown"));
    System.out.println(
        "simulator: "
            + options.sandboxes()
            + " sandboxes, period "
            + options.period()
            + ", churn "
            + options.churnPerMinute()
            + "/min; Ctrl+C to stop");
    try {
      while (true) {
        simulator.tick();
        Thread.sleep(options.period().toMillis());
      }
    } catch (InterruptedException e) {
      // shutting down: the hook frees the slots
    }
  }
}
