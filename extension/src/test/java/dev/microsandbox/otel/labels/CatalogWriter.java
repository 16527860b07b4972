package dev.microsandbox.otel.labels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.sqlite.JDBC;

/**
 * The writer side of the catalog, in the shape msb writes it ({@code $MSB_HOME/db/msb.db}, WAL
 * mode, table {@code sandbox}, labels in the config's {@code labels} object): for the simulator, so
 * labels can be tried without microsandbox, and for tests, which change it while collections read
 * it. The extension itself only ever opens the catalog read-only ({@link CatalogLabels}).
 */
public final class CatalogWriter implements AutoCloseable {

  /**
   * {@code PRAGMA application_id} of a catalog this class created ("msbs"): the simulator writes
   * only into a catalog that carries it, never into one msb made.
   */
  public static final int SIMULATED_APPLICATION_ID = 0x6d736273;

  private final Connection writer;

  private CatalogWriter(Connection writer) {
    this.writer = writer;
  }

  /** Creates {@code file} (and its directory) with the sandbox table, in WAL mode, as msb does. */
  public static CatalogWriter create(Path file) throws IOException, SQLException {
    return create(file, "WAL");
  }

  /** As {@link #create(Path)} with another journal mode (DELETE: writers block readers). */
  public static CatalogWriter create(Path file, String journalMode)
      throws IOException, SQLException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Connection connection = JDBC.createConnection("jdbc:sqlite:" + file, new Properties());
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA journal_mode=" + journalMode);
      s.execute("PRAGMA busy_timeout=2000");
      s.execute(
          "CREATE TABLE IF NOT EXISTS sandbox (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
              + " config TEXT NOT NULL, active_config TEXT NULL, status TEXT NOT NULL DEFAULT"
              + " 'running', ephemeral INTEGER NOT NULL DEFAULT 0, created_at TEXT DEFAULT"
              + " CURRENT_TIMESTAMP, updated_at TEXT DEFAULT CURRENT_TIMESTAMP)");
    }
    return new CatalogWriter(connection);
  }

  /**
   * Opens a catalog that exists already, whoever created it (msb's own migrations, for a test held
   * to the released runtime), in {@code journalMode}; rows then go in as the runtime writes them.
   */
  public static CatalogWriter open(Path file, String journalMode) throws SQLException {
    Connection connection = JDBC.createConnection("jdbc:sqlite:" + file, new Properties());
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA journal_mode=" + journalMode);
      s.execute("PRAGMA busy_timeout=2000");
    }
    return new CatalogWriter(connection);
  }

  /**
   * Whether {@code file} is absent or a catalog this class created: the simulator's test before it
   * writes, so that it never touches a real msb catalog.
   */
  public static boolean absentOrSimulated(Path file) throws SQLException {
    if (!Files.exists(file)) {
      return true;
    }
    try (Connection c = JDBC.createConnection("jdbc:sqlite:" + file, new Properties());
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("PRAGMA application_id")) {
      return r.next() && r.getInt(1) == SIMULATED_APPLICATION_ID;
    }
  }

  /** Marks the catalog as one this class created (see {@link #absentOrSimulated}). */
  public CatalogWriter markSimulated() throws SQLException {
    execute("PRAGMA application_id=" + SIMULATED_APPLICATION_ID);
    return this;
  }

  /** A config whose labels are the given key/value pairs. */
  public static String labels(String... keyValues) {
    StringBuilder json = new StringBuilder("{\"image\":\"python:3.12\",\"cpus\":2,\"labels\":{");
    for (int i = 0; i < keyValues.length; i += 2) {
      json.append(i == 0 ? "" : ",")
          .append('"')
          .append(keyValues[i])
          .append("\":\"")
          .append(keyValues[i + 1])
          .append('"');
    }
    return json.append("},\"env\":{\"A\":\"1\"}}").toString();
  }

  /**
   * Inserts or replaces a running sandbox's row, as the runtime writes it: the row, and, where the
   * catalog has msb's {@code sandbox_labels} table, the labels of the config's {@code labels}
   * object there too (msb 0.6 keeps them in both).
   */
  public void put(int id, String name, String config, String activeConfig) throws SQLException {
    try (PreparedStatement s =
        writer.prepareStatement(
            "INSERT OR REPLACE INTO sandbox (id, name, config, active_config, status) VALUES (?, ?,"
                + " ?, ?, 'Running')")) {
      s.setInt(1, id);
      s.setString(2, name);
      s.setString(3, config);
      s.setString(4, activeConfig);
      s.executeUpdate();
    }
    if (hasTable("sandbox_labels")) {
      try (PreparedStatement delete =
          writer.prepareStatement("DELETE FROM sandbox_labels WHERE sandbox_id = ?")) {
        delete.setInt(1, id);
        delete.executeUpdate();
      }
      try (PreparedStatement insert =
          writer.prepareStatement(
              "INSERT INTO sandbox_labels (sandbox_id, key, value) SELECT ?, key, value FROM"
                  + " json_each(CASE WHEN json_valid(?) THEN json_extract(?, '$.labels') END)"
                  + " WHERE type = 'text'")) {
        String labelled = activeConfig != null ? activeConfig : config;
        insert.setInt(1, id);
        insert.setString(2, labelled);
        insert.setString(3, labelled);
        insert.executeUpdate();
      }
    }
  }

  private boolean hasTable(String table) throws SQLException {
    try (PreparedStatement s =
        writer.prepareStatement("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")) {
      s.setString(1, table);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    }
  }

  /** Runs a statement on the writer connection. */
  public void execute(String sql) throws SQLException {
    try (Statement s = writer.createStatement()) {
      s.execute(sql);
    }
  }

  @Override
  public void close() throws SQLException {
    writer.close();
  }
}
