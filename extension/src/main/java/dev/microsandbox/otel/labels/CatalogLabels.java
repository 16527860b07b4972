package dev.microsandbox.otel.labels;

import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.support.DistinctProblemLog;
import dev.microsandbox.otel.support.LogSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.JDBC;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteOpenMode;

/**
 * Labels from the microsandbox catalog ({@code $MSB_HOME/db/msb.db}, SQLite in WAL mode, written by
 * msb): the {@code labels} object of each sandbox's {@code active_config}, else {@code config}.
 *
 * <p>One read-only connection, used by one daemon thread. Per collection it asks SQLite whether
 * anyone committed since the last look ({@code PRAGMA data_version}); only then, or when sandboxes
 * it has not seen appear, does it run one batched query for the active ids. A config is parsed once
 * per distinct text; labels of sandboxes that left the registry are evicted.
 *
 * <p>Labels never hold metrics back: a collection waits for the catalog at most the configured
 * timeout (the first one after start at most {@link #FIRST_LOOK_WAIT}), then goes on with what is
 * known. A missing, unmigrated or broken catalog means no labels (one log line per distinct
 * problem) and is retried next collection; a slow or locked one keeps the labels already known, so
 * that series do not flap; a broken config costs that sandbox its labels.
 */
public final class CatalogLabels implements LabelSource {

  private static final Logger LOGGER = Logger.getLogger(CatalogLabels.class.getName());

  /**
   * The longest the first collection waits for the catalog, which then also opens it and loads
   * SQLite's native library: without it every start's first export (the sidecar's first second)
   * would go out without the labels that exist, a label-less series per sandbox per restart. The
   * first collection runs on a collecting thread (sampler, metric reader, scrape), never the
   * application's.
   */
  static final Duration FIRST_LOOK_WAIT = Duration.ofSeconds(2);

  /** How long close() waits for the worker before leaving the connection's close to it. */
  private static final long STOP_WAIT_MS = 200;

  private static final String QUERY =
      "SELECT id, COALESCE(active_config, config) FROM sandbox WHERE id IN (SELECT value FROM"
          + " json_each(?))";

  /** What is known about one sandbox: the config text its labels were parsed from. */
  private static final class Entry {
    final String config;
    final Map<String, String> labels;

    Entry(String config, Map<String, String> labels) {
      this.config = config;
      this.labels = labels;
    }
  }

  /** An immutable id → labels index for collections: sorted ids, looked up without boxing. */
  private static final class Published {
    static final Published EMPTY = new Published(new int[0], List.of());

    final int[] ids;
    final List<Map<String, String>> labels;

    Published(int[] ids, List<Map<String, String>> labels) {
      this.ids = ids;
      this.labels = labels;
    }

    Map<String, String> get(int id) {
      int i = Arrays.binarySearch(ids, id);
      return i >= 0 ? labels.get(i) : null;
    }
  }

  private final Path catalog;
  private final LabelKeys keys;
  private final long timeoutNanos;
  private final LogSink log;
  private final DistinctProblemLog problems;
  private final String readableAgain;
  private final ExecutorService worker;

  // Owned by the worker thread.
  private final Map<Integer, Entry> entries = new HashMap<>();
  private volatile Connection connection;
  private volatile boolean closing;
  private long dataVersion = Long.MIN_VALUE;
  private boolean dirty;

  // Handed from the worker to collections.
  private volatile Published published = Published.EMPTY;
  private Future<?> inFlight;
  private boolean slowLogged;
  private boolean firstLookDone;

  /**
   * Labels from {@code catalog} with the label keys {@code keys} keeps, waiting at most {@code
   * timeout} per collection.
   */
  public CatalogLabels(Path catalog, LabelKeys keys, Duration timeout) {
    this(catalog, keys, timeout, LogSink.of(LOGGER));
  }

  /** As {@link #CatalogLabels(Path, LabelKeys, Duration)}, logging through {@code log}. */
  public CatalogLabels(Path catalog, LabelKeys keys, Duration timeout, LogSink log) {
    this.catalog = catalog;
    this.keys = keys;
    this.timeoutNanos = timeout.toNanos();
    this.log = log;
    this.problems = new DistinctProblemLog(log);
    this.readableAgain = "microsandbox catalog " + catalog + " is readable again; labels are back";
    this.worker =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "microsandbox-catalog");
              thread.setDaemon(true);
              return thread;
            });
    // Open the catalog (and load SQLite's native library) now, not in the first collection.
    this.inFlight = worker.submit(() -> update(new int[0]));
  }

  @Override
  public void refresh(RegistrySnapshot snapshot) {
    long deadline =
        System.nanoTime()
            + (firstLookDone ? timeoutNanos : Math.max(timeoutNanos, FIRST_LOOK_WAIT.toNanos()));
    firstLookDone = true;
    if (!finishedBy(deadline)) {
      return; // still busy with an earlier look (or the warm-up): keep what is known
    }
    int[] ids = new int[snapshot.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = snapshot.get(i).sandboxId();
    }
    try {
      inFlight = worker.submit(() -> update(ids));
    } catch (RejectedExecutionException e) {
      return; // closed
    }
    finishedBy(deadline);
  }

  /** Waits for the look in flight until {@code deadline}; says once when the catalog is slow. */
  private boolean finishedBy(long deadline) {
    try {
      inFlight.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      slowLogged = false;
      return true;
    } catch (TimeoutException e) {
      if (!slowLogged) {
        slowLogged = true;
        log.log(
            Level.INFO,
            "microsandbox catalog "
                + catalog
                + " did not answer within "
                + Duration.ofNanos(timeoutNanos).toMillis()
                + " ms; this collection uses the labels"
                + " already known");
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | RuntimeException e) {
      LOGGER.log(Level.FINE, "catalog refresh failed", e); // update() reports its own problems
      return true;
    }
  }

  @Override
  public Map<String, String> labelsOf(int sandboxId) {
    Map<String, String> labels = published.get(sandboxId);
    return labels != null ? labels : Map.of();
  }

  /**
   * Stops the worker and closes the connection without waiting out a slow worker: one that stops
   * within {@link #STOP_WAIT_MS} is followed by the close here; one still inside SQLite (a locked
   * catalog's busy wait, up to a second) closes the connection itself as its call returns.
   */
  @Override
  public void close() {
    closing = true;
    worker.shutdownNow();
    try {
      if (!worker.awaitTermination(STOP_WAIT_MS, TimeUnit.MILLISECONDS)) {
        return; // the worker's finally block closes the connection
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeConnection();
  }

  /** Whether the catalog connection is closed (or was never opened). */
  boolean connectionClosed() {
    try {
      Connection open = connection;
      return open == null || open.isClosed();
    } catch (SQLException e) {
      return false;
    }
  }

  // ---- worker thread ----

  private void update(int[] activeIds) {
    try {
      lookUp(activeIds);
    } finally {
      if (closing) {
        closeConnection(); // close() did not wait for this call to return
      }
    }
  }

  private void lookUp(int[] activeIds) {
    try {
      if (connection == null && !open()) {
        forget();
        return;
      }
      long version = dataVersion();
      boolean changed = version != dataVersion;
      int[] wanted =
          changed
              ? activeIds
              : Arrays.stream(activeIds).filter(id -> !entries.containsKey(id)).toArray();
      if (wanted.length > 0) {
        query(wanted);
      }
      dataVersion = version;
      evictAllBut(activeIds);
      problems.clear(readableAgain);
    } catch (SQLException e) {
      if (isBusy(e)) {
        problems.problem(
            "microsandbox catalog "
                + catalog
                + " is locked ("
                + e.getMessage()
                + "); the labels already known are kept until it can be read");
        return;
      }
      problems.problem(
          "microsandbox catalog "
              + catalog
              + " cannot be read ("
              + e.getMessage()
              + "); metrics go out without labels until it can");
      closeConnection();
      forget();
    } catch (RuntimeException | LinkageError e) {
      // e.g. SQLite's native library cannot be loaded (a noexec temporary directory)
      problems.problem(
          "microsandbox catalog "
              + catalog
              + " cannot be used ("
              + e
              + "); metrics go"
              + " out without labels");
      closeConnection();
      forget();
    }
  }

  private boolean open() throws SQLException {
    if (!Files.isRegularFile(catalog)) {
      problems.problem(
          "microsandbox catalog "
              + catalog
              + " does not exist (yet); metrics go out"
              + " without labels until msb creates it");
      return false;
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    config.setOpenMode(SQLiteOpenMode.READONLY);
    config.setBusyTimeout(1_000); // the worker may wait; collections never wait this long
    // The driver directly: the agent's class loaders do not see javax.sql (no DataSource), and
    // DriverManager's lookup is not reliable from an extension class loader.
    connection = JDBC.createConnection("jdbc:sqlite:" + catalog, config.toProperties());
    dataVersion = Long.MIN_VALUE;
    return true;
  }

  private long dataVersion() throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("PRAGMA data_version")) {
      return rs.next() ? rs.getLong(1) : Long.MIN_VALUE;
    }
  }

  private void query(int[] ids) throws SQLException {
    StringBuilder json = new StringBuilder(ids.length * 6 + 2).append('[');
    for (int i = 0; i < ids.length; i++) {
      json.append(i == 0 ? "" : ",").append(ids[i]);
    }
    Map<Integer, String> configs = new HashMap<>();
    try (PreparedStatement statement = connection.prepareStatement(QUERY)) {
      statement.setString(1, json.append(']').toString());
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          configs.put(rs.getInt(1), rs.getString(2));
        }
      }
    }
    for (int id : ids) {
      String config = configs.get(id);
      Entry known = entries.get(id);
      if (known == null || !Objects.equals(known.config, config)) {
        entries.put(id, new Entry(config, parse(id, config)));
        dirty = true;
      }
    }
  }

  private Map<String, String> parse(int id, String config) {
    if (config == null) {
      return Map.of(); // not in the catalog (or no config): no labels
    }
    try {
      return LabelsJson.parse(config, keys);
    } catch (LabelsJson.Invalid e) {
      log.log(
          Level.WARNING,
          "microsandbox catalog: sandbox " + id + " gets no labels: " + e.getMessage());
      return Map.of();
    }
  }

  /** Drops sandboxes that left the registry and publishes what changed. */
  private void evictAllBut(int[] activeIds) {
    if (entries.size() != activeIds.length) { // every active id has an entry: extra ones left
      Set<Integer> active = new HashSet<>(activeIds.length * 2);
      for (int id : activeIds) {
        active.add(id);
      }
      dirty |= entries.keySet().retainAll(active);
    }
    if (dirty) {
      int[] ids = entries.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
      List<Map<String, String>> labels = new ArrayList<>(ids.length);
      for (int id : ids) {
        labels.add(entries.get(id).labels);
      }
      published = new Published(ids, List.copyOf(labels));
      dirty = false;
    }
  }

  private void forget() {
    entries.clear();
    published = Published.EMPTY;
    dirty = false;
  }

  private synchronized void closeConnection() {
    try {
      if (connection != null) {
        connection.close();
      }
    } catch (SQLException e) {
      LOGGER.log(Level.FINE, "closing the catalog failed", e);
    }
    connection = null;
  }

  /** Locked by another connection: sqlite-jdbc reports the primary result code. */
  private static boolean isBusy(SQLException e) {
    return e.getErrorCode() == SQLiteErrorCode.SQLITE_BUSY.code
        || e.getErrorCode() == SQLiteErrorCode.SQLITE_LOCKED.code;
  }
}
