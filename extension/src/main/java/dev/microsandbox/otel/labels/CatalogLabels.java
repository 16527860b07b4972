package dev.microsandbox.otel.labels;

import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.support.DaemonThreads;
import dev.microsandbox.otel.support.DistinctProblemLog;
import dev.microsandbox.otel.support.LogSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
 * that series do not flap (one line when it starts being slow, one when it answers again); a broken
 * config costs that sandbox its labels. A catalog deleted and created anew (another inode) is
 * noticed at the next look and opened anew.
 *
 * <p>Every byte of the catalog is untrusted: a config over {@link #MAX_CONFIG_CHARS} is not parsed,
 * labels follow {@link LabelKeys} (no identity look-alikes) and {@link LabelLimits}, and what was
 * left out is one WARN naming the sandbox. Memory stays bounded by the active sandboxes: per
 * sandbox, its kept labels and a digest of its config, never the config itself.
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

  /** The digest of every config too long to parse: one more look at it changes nothing. */
  private static final byte[] TOO_LONG = new byte[] {0};

  /** How long close() waits for the worker before leaving the connection's close to it. */
  private static final long STOP_WAIT_MS = 200;

  /** The longest config parsed for labels; a longer one costs its sandbox its labels. */
  static final int MAX_CONFIG_CHARS = 1 << 22;

  // The config's length and, within the limit, its text: a huge one never leaves SQLite.
  private static final String QUERY =
      "SELECT id, length(cfg), CASE WHEN length(cfg) <= "
          + MAX_CONFIG_CHARS
          + " THEN cfg END FROM (SELECT id, COALESCE(active_config, config) AS cfg FROM sandbox"
          + " WHERE id IN (SELECT value FROM json_each(?)))";

  /** What is known about one sandbox: a digest of the config its labels were parsed from. */
  private static final class Entry {
    final byte[] digest; // null: no config
    final Map<String, String> labels;

    Entry(byte[] digest, Map<String, String> labels) {
      this.digest = digest;
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
  private final LabelLimits limits;
  private final long timeoutNanos;
  private final LogSink log;
  private final DistinctProblemLog problems;
  private final String readableAgain;
  private final ExecutorService worker;

  // Owned by the worker thread.
  private final Map<Integer, Entry> entries = new HashMap<>();
  private volatile Connection connection;
  private Object openedFile; // the file key of the catalog the connection opened
  private volatile boolean closing;
  private long dataVersion = Long.MIN_VALUE;
  private boolean dirty;

  // Handed from the worker to collections.
  private volatile Published published = Published.EMPTY;
  private Future<Boolean> inFlight; // true: the look read the catalog
  private boolean slow; // a collection gave up waiting, and no look has answered in time since
  private boolean firstLookDone;

  /**
   * Labels from {@code catalog} with the label keys {@code keys} keeps, waiting at most {@code
   * timeout} per collection.
   */
  public CatalogLabels(Path catalog, LabelKeys keys, Duration timeout) {
    this(catalog, keys, LabelLimits.DEFAULTS, timeout);
  }

  /** As {@link #CatalogLabels(Path, LabelKeys, Duration)}, within {@code limits}. */
  public CatalogLabels(Path catalog, LabelKeys keys, LabelLimits limits, Duration timeout) {
    this(catalog, keys, limits, timeout, LogSink.of(LOGGER));
  }

  /**
   * Labels from {@code catalog} with the keys {@code keys} keeps, within {@code limits}, waiting at
   * most {@code timeout} per collection, logging through {@code log}.
   */
  public CatalogLabels(
      Path catalog, LabelKeys keys, LabelLimits limits, Duration timeout, LogSink log) {
    this.catalog = catalog;
    this.keys = keys;
    this.limits = limits;
    this.timeoutNanos = timeout.toNanos();
    this.log = log;
    this.problems = new DistinctProblemLog(log);
    this.readableAgain = "microsandbox catalog " + catalog + " is readable again; labels are back";
    this.worker = Executors.newSingleThreadExecutor(DaemonThreads.named("microsandbox-catalog"));
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

  /**
   * Waits for the look in flight until {@code deadline}. A slow catalog is one episode, however
   * many collections it lasts: one line when a collection first gives up waiting, one when a look
   * next reads the catalog in time.
   */
  private boolean finishedBy(long deadline) {
    try {
      boolean read = inFlight.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (read && slow) {
        slow = false;
        log.log(
            Level.INFO,
            "microsandbox catalog " + catalog + " answers in time again; labels are current");
      }
      return true;
    } catch (TimeoutException e) {
      if (!slow) {
        slow = true;
        log.log(
            Level.INFO,
            "microsandbox catalog "
                + catalog
                + " did not answer within "
                + Duration.ofNanos(timeoutNanos).toMillis()
                + " ms; collections use the labels already known until it answers in time"
                + " again");
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

  private boolean update(int[] activeIds) {
    try {
      return lookUp(activeIds);
    } finally {
      if (closing) {
        closeConnection(); // close() did not wait for this call to return
      }
    }
  }

  /** One look; whether it read the catalog (false: absent, locked or broken). */
  private boolean lookUp(int[] activeIds) {
    try {
      reopenIfRecreated();
      if (connection == null && !open()) {
        forget();
        return false;
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
      return true;
    } catch (SQLException e) {
      if (isBusy(e)) {
        problems.problem(
            "microsandbox catalog "
                + catalog
                + " is locked ("
                + e.getMessage()
                + "); the labels already known are kept until it can be read");
        return false;
      }
      problems.problem(
          "microsandbox catalog "
              + catalog
              + " cannot be read ("
              + e.getMessage()
              + "); metrics go out without labels until it can");
      closeConnection();
      forget();
      return false;
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
      return false;
    }
  }

  /**
   * A catalog deleted and created anew leaves the connection on the deleted file, which nobody
   * writes any more: compare the file's identity with the one opened, as for the registry.
   */
  private void reopenIfRecreated() {
    if (connection == null) {
      return;
    }
    Object now = fileKey();
    if (now != null && !now.equals(openedFile)) {
      log.log(
          Level.INFO, "microsandbox catalog " + catalog + " was created anew; opening it again");
      closeConnection();
      forget();
    }
  }

  private Object fileKey() {
    try {
      return Files.readAttributes(catalog, BasicFileAttributes.class).fileKey();
    } catch (IOException | UnsupportedOperationException e) {
      return null; // gone: the connection's next query says what is wrong
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
    String unsupported = SqliteLibrary.missing();
    if (unsupported != null) {
      problems.problem(
          "microsandbox catalog "
              + catalog
              + " cannot be used: "
              + unsupported
              + "; metrics go out without labels");
      return false;
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    config.setOpenMode(SQLiteOpenMode.READONLY);
    config.setBusyTimeout(1_000); // the worker may wait; collections never wait this long
    // The driver directly: the agent's class loaders do not see javax.sql (no DataSource), and
    // DriverManager's lookup is not reliable from an extension class loader.
    openedFile = fileKey();
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
    Set<Integer> unseen = new HashSet<>(ids.length * 2);
    for (int id : ids) {
      unseen.add(id);
    }
    try (PreparedStatement statement = connection.prepareStatement(QUERY)) {
      statement.setString(1, json.append(']').toString());
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) { // one row at a time: only the current config is ever held
          int id = rs.getInt(1);
          long length = rs.getLong(2);
          boolean tooLong = length > MAX_CONFIG_CHARS;
          known(id, tooLong ? null : rs.getString(3), tooLong ? length : 0);
          unseen.remove(id);
        }
      }
    }
    for (int id : unseen) {
      known(id, null, 0); // not in the catalog: no labels
    }
  }

  /** Records sandbox {@code id}'s config (null: none), parsing it only if it changed. */
  private void known(int id, String config, long tooLongChars) {
    byte[] digest = tooLongChars > 0 ? TOO_LONG : digest(config);
    Entry was = entries.get(id);
    if (was != null && Arrays.equals(was.digest, digest)) {
      return;
    }
    Map<String, String> labels;
    if (tooLongChars > 0) {
      warn(
          id,
          "its config is "
              + tooLongChars
              + " characters, over the "
              + MAX_CONFIG_CHARS
              + " this reader parses");
      labels = Map.of();
    } else {
      labels = parse(id, config);
    }
    entries.put(id, new Entry(digest, labels));
    dirty = true;
  }

  private static byte[] digest(String config) {
    if (config == null) {
      return null;
    }
    try {
      return MessageDigest.getInstance("SHA-256").digest(config.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private Map<String, String> parse(int id, String config) {
    if (config == null) {
      return Map.of(); // not in the catalog (or no config): no labels
    }
    try {
      LabelsJson.Parsed parsed = LabelsJson.parse(config, keys, limits);
      if (!parsed.notes.isEmpty()) {
        log.log(
            Level.WARNING,
            "microsandbox catalog: sandbox "
                + id
                + "'s labels: "
                + String.join("; ", parsed.notes));
      }
      return parsed.labels;
    } catch (LabelsJson.Invalid e) {
      warn(id, e.getMessage());
      return Map.of();
    }
  }

  private void warn(int id, String why) {
    log.log(Level.WARNING, "microsandbox catalog: sandbox " + id + " gets no labels: " + why);
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
