package dev.microsandbox.otel.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteDataSource;

/**
 * A real SQLite catalog in the shape msb writes ({@code $MSB_HOME/db/msb.db}, WAL mode, table
 * {@code sandbox}), with a writer connection tests change it through while collections read it.
 */
public final class TestCatalog implements AutoCloseable {

  private final Connection writer;

  private TestCatalog(Connection writer) {
    this.writer = writer;
  }

  /** Creates {@code file} (and its directory) with the sandbox table, in WAL mode, as msb does. */
  public static TestCatalog create(Path file) throws Exception {
    return create(file, "WAL");
  }

  /** As {@link #create(Path)} with another journal mode (DELETE: writers block readers). */
  public static TestCatalog create(Path file, String journalMode) throws Exception {
    Files.createDirectories(file.getParent());
    SQLiteDataSource source = new SQLiteDataSource();
    source.setUrl("jdbc:sqlite:" + file);
    Connection connection = source.getConnection();
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA journal_mode=" + journalMode);
      s.execute("CREATE TABLE IF NOT EXISTS sandbox (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
          + " config TEXT NOT NULL, active_config TEXT NULL, status TEXT NOT NULL DEFAULT 'running',"
          + " ephemeral INTEGER NOT NULL DEFAULT 0, created_at TEXT DEFAULT CURRENT_TIMESTAMP,"
          + " updated_at TEXT DEFAULT CURRENT_TIMESTAMP)");
    }
    return new TestCatalog(connection);
  }

  /** A config whose labels are the given key/value pairs. */
  public static String labels(String... keyValues) {
    StringBuilder json = new StringBuilder("{\"image\":\"python:3.12\",\"cpus\":2,\"labels\":{");
    for (int i = 0; i < keyValues.length; i += 2) {
      json.append(i == 0 ? "" : ",").append('"').append(keyValues[i]).append("\":\"")
          .append(keyValues[i + 1]).append('"');
    }
    return json.append("},\"env\":{\"A\":\"1\"}}").toString();
  }

  /** Inserts or replaces a sandbox row. */
  public void put(int id, String name, String config, String activeConfig) throws SQLException {
    try (PreparedStatement s = writer.prepareStatement(
        "INSERT OR REPLACE INTO sandbox (id, name, config, active_config) VALUES (?, ?, ?, ?)")) {
      s.setInt(1, id);
      s.setString(2, name);
      s.setString(3, config);
      s.setString(4, activeConfig);
      s.executeUpdate();
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
