package dev.microsandbox.otel.cli;

import dev.microsandbox.otel.labels.CatalogLabels;
import dev.microsandbox.otel.labels.LabelKeys;
import dev.microsandbox.otel.labels.LabelLimits;
import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.lifecycle.RunTracker;
import dev.microsandbox.otel.registry.RegistryAbi;
import dev.microsandbox.otel.registry.RegistryAccess;
import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.support.Durations;
import dev.microsandbox.otel.support.LogSink;
import dev.microsandbox.otel.support.TimeSource;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The command line: {@code snapshot} prints what the reader sees, the equivalent of {@code
 * msb-metrics stdout}. Exit status 0 on success, 1 when the registry is absent or unreadable (one
 * line on stderr), 2 on bad arguments, {@value #FAILED} when the command itself fails (a fault of
 * ours, said with its cause and trace on stderr).
 */
public final class Cli {

  static final String USAGE =
      String.join(
          System.lineSeparator(),
          "usage: java -jar msb-otel-agent.jar snapshot [options]",
          "   (or java -jar msb-otel-extension.jar snapshot [options])",
          "  --msb-home DIR          microsandbox home (default: $MSB_HOME, else ~/.microsandbox)",
          "  --registry FILE         read this registry file alone (a -v2 name: the older runtimes'"
              + " ABI)",
          "  --format table|json     one line per sandbox, or one JSON object per sandbox (default"
              + " table)",
          "  --include-stale         also show stale slots, and active ones with a dead owner or"
              + " old sample",
          "  --max-sample-age DUR    leave out samples older than this (default 30s; 0 disables)",
          "  --no-owner-check        do not skip slots whose owner pid is gone (other PID"
              + " namespace)",
          "  --reader auto|ffm|buffer|native  how the registry is read (default auto: FFM on"
              + " Java 22+, libc's shm_open on macOS)",
          "  --watch DUR             repeat every DUR until interrupted, with a line for each"
              + " run that starts or stops",
          "  --catalog FILE          labels from this catalog (default: <home>/db/msb.db)",
          "  --no-labels             do not read the catalog",
          "");

  /** The exit status of a command that failed for a reason of its own, not the registry's. */
  public static final int FAILED = 3;

  /** A person at a terminal can wait for labels longer than a collection does. */
  static final Duration CATALOG_WAIT = Duration.ofSeconds(2);

  private Cli() {}

  /** Runs {@code args}; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return run(args, out, err, env, Long.MAX_VALUE);
  }

  /**
   * As {@link #run(String[], PrintStream, PrintStream, Map)}, stopping a watch after {@code
   * passes}.
   */
  static int run(
      String[] args, PrintStream out, PrintStream err, Map<String, String> env, long passes) {
    SnapshotOptions options;
    try {
      options = SnapshotOptions.parse(args, env);
    } catch (IllegalArgumentException e) {
      err.println("msb-otel: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    if (options == null) {
      out.print(USAGE);
      return 0;
    }
    try {
      return snapshot(options, out, err, passes);
    } catch (RuntimeException | LinkageError e) {
      // Not the user's arguments nor the registry: say what broke, for the bug report.
      err.println("msb-otel: the snapshot command failed: " + e);
      e.printStackTrace(err);
      return FAILED;
    }
  }

  private static int snapshot(
      SnapshotOptions options, PrintStream out, PrintStream err, long passes) {
    RegistryReader.Options readerOptions =
        new RegistryReader.Options(
            options.maxSampleAge, options.checkOwner, options.access, options.ownerHome);
    // The command prints problems itself: the registry's as its error, the catalog's not at all
    // (a snapshot sends no metrics; the JSON's "labels": null and the table's missing labels say
    // it).
    Path registry = options.registry;
    Path legacy = null;
    if (options.home != null) { // derived from the home: the runtime's name files may correct it
      RegistryLocation.Choice current = RegistryLocation.choose(options.home, RegistryAbi.V3);
      if (current.note != null) {
        err.println("msb-otel: " + current.note);
      }
      registry = current.path;
      legacy = RegistryLocation.choose(options.home, RegistryAbi.V2).path;
    }
    try (RegistryReader reader =
            RegistryReader.open(
                registry, legacy, readerOptions, TimeSource.SYSTEM, null, LogSink.QUIET);
        LabelSource labels =
            options.catalog == null
                ? LabelSource.NONE
                : new CatalogLabels(
                    options.catalog,
                    LabelKeys.ALL,
                    LabelLimits.DEFAULTS,
                    CATALOG_WAIT,
                    LogSink.QUIET)) {
      String lastError = null;
      // A watch follows runs as an exporter does: on its pass, which leaves stale slots out.
      RunTracker runs =
          options.watch == null ? null : new RunTracker(new RunLines(out, options.json));
      for (long pass = 0; pass < passes; pass++) {
        if (runs != null && options.includeStale) {
          RegistrySnapshot exporters = reader.read(false);
          labels.refresh(exporters);
          runs.observe(exporters, i -> true, labels);
        }
        RegistrySnapshot snapshot = reader.read(options.includeStale);
        String error = error(snapshot, options);
        if (error != null) {
          if (options.watch == null) {
            err.println("msb-otel: " + error);
            return 1;
          }
          if (!error.equals(lastError)) {
            err.println("msb-otel: " + error);
          }
        } else {
          labels.refresh(snapshot);
          if (runs != null && !options.includeStale) {
            runs.observe(snapshot, i -> true, labels);
          }
          print(snapshot, options, labels, out);
        }
        lastError = error;
        if (options.watch == null) {
          return 0;
        }
        if (pass + 1 < passes && !sleep(options.watch)) {
          return 0;
        }
      }
      return 0;
    }
  }

  private static String error(RegistrySnapshot snapshot, SnapshotOptions options) {
    if (snapshot.problem() != null) {
      return snapshot.problem().message();
    }
    if (!snapshot.present()) {
      return absentRegistry(options);
    }
    return null;
  }

  /** Why there is no registry, in terms of what the user gave: a file, a home, or neither. */
  static String absentRegistry(SnapshotOptions options) {
    if (options.home == null) {
      return "no registry at " + options.registry + ": the file does not exist";
    }
    String why =
        "no registry at "
            + options.registry
            + " for microsandbox home '"
            + options.home
            + "' (from "
            + options.homeSource
            + ")";
    if (!Files.isDirectory(Path.of(options.home.isEmpty() ? "." : options.home))) {
      return why
          + ": the directory "
          + options.home
          + " does not exist; check "
          + options.homeSource;
    }
    String unreachable = options.access.sharedMemoryUnreachable();
    if (unreachable != null) {
      return why + ": " + unreachable;
    }
    String hint = RegistryLocation.trailingSlashHint(options.home);
    if (hint != null) {
      return why + ": no sandbox has run under this home. " + hint;
    }
    return why + ": no sandbox has run under this home yet, or msb runs with another home";
  }

  private static void print(
      RegistrySnapshot snapshot, SnapshotOptions options, LabelSource labels, PrintStream out) {
    boolean json = options.json;
    if (!json) {
      out.println(
          "# "
              + options.registry
              + ": "
              + snapshot.size()
              + " sandbox"
              + (snapshot.size() == 1 ? "" : "es")
              + " of "
              + snapshot.capacity()
              + " slots");
    }
    for (int i = 0; i < snapshot.size(); i++) {
      SandboxSample s = snapshot.get(i);
      Map<String, String> sandboxLabels = labels.labelsOf(s.sandboxId());
      out.println(
          json
              ? SampleFormat.json(s, options.catalog == null ? null : sandboxLabels)
              : SampleFormat.line(s, sandboxLabels));
    }
    out.flush();
  }

  private static boolean sleep(Duration period) {
    try {
      Thread.sleep(period.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Parsed {@code snapshot} arguments. */
  static final class SnapshotOptions {
    final Path registry;

    /** The home the registry was derived from, or null when {@code --registry} named the file. */
    final String home;

    /** Where {@link #home} came from: {@code --msb-home}, {@code MSB_HOME} or {@code HOME}. */
    final String homeSource;

    final boolean json;
    final boolean includeStale;
    final Duration maxSampleAge;
    final boolean checkOwner;
    final RegistryAccess access;
    final Duration watch;
    final Path catalog;
    final Path ownerHome; // the home whose owner must own the registry; null: none resolved

    private SnapshotOptions(
        Path registry,
        String home,
        Path ownerHome,
        String homeSource,
        boolean json,
        boolean includeStale,
        Duration maxSampleAge,
        boolean checkOwner,
        RegistryAccess access,
        Duration watch,
        Path catalog) {
      this.registry = registry;
      this.home = home;
      this.ownerHome = ownerHome;
      this.homeSource = homeSource;
      this.json = json;
      this.includeStale = includeStale;
      this.maxSampleAge = maxSampleAge;
      this.checkOwner = checkOwner;
      this.access = access;
      this.watch = watch;
      this.catalog = catalog;
    }

    /** Parses {@code args}; null means help was asked for. */
    static SnapshotOptions parse(String[] args, Map<String, String> env) {
      if (args.length == 0
          || args[0].equals("--help")
          || args[0].equals("-h")
          || args[0].equals("help")) {
        return null;
      }
      if (!args[0].equals("snapshot")) {
        throw new IllegalArgumentException("unknown command '" + args[0] + "'");
      }
      String home = null;
      Path registry = null;
      boolean json = false;
      boolean includeStale = false;
      Duration maxAge = RegistryReader.Options.DEFAULTS.maxSampleAge();
      boolean checkOwner = true;
      RegistryAccess access = RegistryAccess.AUTO;
      Duration watch = null;
      Path catalog = null;
      boolean labels = true;
      for (int i = 1; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--msb-home":
            home = value(args, ++i, arg);
            break;
          case "--registry":
            registry = Path.of(value(args, ++i, arg));
            break;
          case "--format":
            String format = value(args, ++i, arg);
            if (!format.equals("table") && !format.equals("json")) {
              throw new IllegalArgumentException(
                  "--format takes table or json, not '" + format + "'");
            }
            json = format.equals("json");
            break;
          case "--include-stale":
            includeStale = true;
            break;
          case "--max-sample-age":
            maxAge = duration(args, ++i, arg);
            break;
          case "--no-owner-check":
            checkOwner = false;
            break;
          case "--reader":
            access = access(value(args, ++i, arg));
            break;
          case "--watch":
            watch = duration(args, ++i, arg);
            if (watch.isZero()) {
              throw new IllegalArgumentException("--watch needs a period above zero");
            }
            break;
          case "--catalog":
            catalog = Path.of(value(args, ++i, arg));
            break;
          case "--no-labels":
            labels = false;
            break;
          case "--help":
          case "-h":
            return null;
          default:
            throw new IllegalArgumentException("unknown option '" + arg + "'");
        }
      }
      if (home != null && registry != null) {
        throw new IllegalArgumentException("--msb-home and --registry exclude each other");
      }
      String homeSource =
          home != null ? "--msb-home" : env.containsKey("MSB_HOME") ? "MSB_HOME" : "HOME";
      String resolvedHome =
          home != null ? home : RegistryLocation.resolveHome(env, System.getProperty("user.home"));
      String shownHome = registry == null ? resolvedHome : null;
      if (registry == null) {
        registry = RegistryLocation.registryFile(resolvedHome);
      }
      if (!labels) {
        catalog = null;
      } else if (catalog == null) {
        catalog = RegistryLocation.catalogFile(resolvedHome);
      }
      return new SnapshotOptions(
          registry,
          shownHome,
          resolvedHome.isEmpty() ? null : Path.of(resolvedHome),
          homeSource,
          json,
          includeStale,
          maxAge,
          checkOwner,
          access,
          watch,
          catalog);
    }

    private static RegistryAccess access(String text) {
      RegistryAccess access = RegistryAccess.parse(text);
      if (access == null) {
        throw new IllegalArgumentException(
            "--reader takes " + RegistryAccess.CHOICES + ", not '" + text + "'");
      }
      String unavailable = access.unavailableReason();
      if (unavailable != null) {
        throw new IllegalArgumentException("--reader " + text + ": " + unavailable);
      }
      return access;
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length || args[i].startsWith("--")) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[i];
    }

    private static Duration duration(String[] args, int i, String option) {
      try {
        return Durations.parse(value(args, i, option));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
      }
    }
  }
}
