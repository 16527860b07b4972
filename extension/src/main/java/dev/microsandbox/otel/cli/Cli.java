package dev.microsandbox.otel.cli;

import dev.microsandbox.otel.labels.CatalogLabels;
import dev.microsandbox.otel.labels.LabelSource;
import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.support.Durations;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Set;

/**
 * The command line: {@code snapshot} prints what the reader sees, the equivalent of
 * {@code msb-metrics stdout}. Exit status 0 on success, 1 when the registry is absent or unreadable
 * (one line on stderr), 2 on bad arguments.
 */
public final class Cli {

  static final String USAGE = """
      usage: java -jar msb-otel-extension.jar snapshot [options]
        --msb-home DIR          microsandbox home (default: $MSB_HOME, else ~/.microsandbox)
        --registry FILE         read this registry file instead of the one derived from the home
        --format table|json     one line per sandbox, or one JSON object per sandbox (default table)
        --include-stale         also show stale slots, and active ones with a dead owner or old sample
        --max-sample-age DUR    leave out samples older than this (default 30s; 0 disables)
        --no-owner-check        do not skip slots whose owner pid is gone (other PID namespace)
        --watch DUR             repeat every DUR until interrupted
        --catalog FILE          labels from this catalog (default: <home>/db/msb.db)
        --no-labels             do not read the catalog
      """;

  /** A person at a terminal can wait for labels longer than a collection does. */
  static final Duration CATALOG_WAIT = Duration.ofSeconds(2);

  private Cli() {}

  /** Runs {@code args}; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return run(args, out, err, env, Long.MAX_VALUE);
  }

  /** As {@link #run(String[], PrintStream, PrintStream, Map)}, stopping a watch after {@code passes}. */
  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env,
      long passes) {
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
    return snapshot(options, out, err, passes);
  }

  private static int snapshot(SnapshotOptions options, PrintStream out, PrintStream err,
      long passes) {
    RegistryReader.Options readerOptions =
        new RegistryReader.Options(options.maxSampleAge(), options.checkOwner());
    try (RegistryReader reader = new RegistryReader(options.registry(), readerOptions,
            InstantSource.system(), null, (level, message) -> { });
        LabelSource labels = options.catalog() == null ? LabelSource.NONE
            : new CatalogLabels(options.catalog(), Set.of(), CATALOG_WAIT)) {
      String lastError = null;
      for (long pass = 0; pass < passes; pass++) {
        RegistrySnapshot snapshot = reader.read(options.includeStale());
        String error = error(snapshot, options);
        if (error != null) {
          if (options.watch() == null) {
            err.println("msb-otel: " + error);
            return 1;
          }
          if (!error.equals(lastError)) {
            err.println("msb-otel: " + error);
          }
        } else {
          labels.refresh(snapshot);
          print(snapshot, options, labels, out);
        }
        lastError = error;
        if (options.watch() == null) {
          return 0;
        }
        if (pass + 1 < passes && !sleep(options.watch())) {
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
      return "no registry at " + options.registry() + " (no sandbox has run under this home;"
          + " check --msb-home / MSB_HOME)";
    }
    return null;
  }

  private static void print(RegistrySnapshot snapshot, SnapshotOptions options, LabelSource labels,
      PrintStream out) {
    boolean json = options.json();
    if (!json) {
      out.println("# " + options.registry() + ": " + snapshot.size() + " sandbox"
          + (snapshot.size() == 1 ? "" : "es") + " of " + snapshot.capacity() + " slots");
    }
    for (int i = 0; i < snapshot.size(); i++) {
      SandboxSample s = snapshot.get(i);
      Map<String, String> sandboxLabels = labels.labelsOf(s.sandboxId());
      out.println(json ? SampleFormat.json(s, options.catalog() == null ? null : sandboxLabels)
          : SampleFormat.line(s, sandboxLabels));
    }
    out.flush();
  }

  private static boolean sleep(Duration period) {
    try {
      Thread.sleep(period);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Parsed {@code snapshot} arguments. */
  record SnapshotOptions(Path registry, boolean json, boolean includeStale, Duration maxSampleAge,
      boolean checkOwner, Duration watch, Path catalog) {

    /** Parses {@code args}; null means help was asked for. */
    static SnapshotOptions parse(String[] args, Map<String, String> env) {
      if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")
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
      Duration watch = null;
      Path catalog = null;
      boolean labels = true;
      for (int i = 1; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--msb-home" -> home = value(args, ++i, arg);
          case "--registry" -> registry = Path.of(value(args, ++i, arg));
          case "--format" -> {
            String format = value(args, ++i, arg);
            if (!format.equals("table") && !format.equals("json")) {
              throw new IllegalArgumentException("--format takes table or json, not '" + format
                  + "'");
            }
            json = format.equals("json");
          }
          case "--include-stale" -> includeStale = true;
          case "--max-sample-age" -> maxAge = duration(args, ++i, arg);
          case "--no-owner-check" -> checkOwner = false;
          case "--watch" -> {
            watch = duration(args, ++i, arg);
            if (watch.isZero()) {
              throw new IllegalArgumentException("--watch needs a period above zero");
            }
          }
          case "--catalog" -> catalog = Path.of(value(args, ++i, arg));
          case "--no-labels" -> labels = false;
          case "--help", "-h" -> {
            return null;
          }
          default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
        }
      }
      if (home != null && registry != null) {
        throw new IllegalArgumentException("--msb-home and --registry exclude each other");
      }
      String resolvedHome = home != null ? home : RegistryLocation.resolveHome(env);
      if (registry == null) {
        registry = RegistryLocation.registryFile(resolvedHome);
      }
      if (!labels) {
        catalog = null;
      } else if (catalog == null) {
        catalog = RegistryLocation.catalogFile(resolvedHome);
      }
      return new SnapshotOptions(registry, json, includeStale, maxAge, checkOwner, watch, catalog);
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
