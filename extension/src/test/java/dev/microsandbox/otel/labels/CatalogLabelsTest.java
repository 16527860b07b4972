package dev.microsandbox.otel.labels;

import static dev.microsandbox.otel.labels.CatalogWriter.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.registry.RegistrySnapshot;
import dev.microsandbox.otel.registry.RegistryWriter;
import dev.microsandbox.otel.registry.SandboxSample;
import dev.microsandbox.otel.support.TimeSource;
import dev.microsandbox.otel.testing.RecordingLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Labels from a real SQLite catalog in WAL mode, changed by a live writer between collections; the
 * catalog created by our writer and by the released msb's own migrations.
 */
@ParameterizedClass(name = "{0} catalog")
@EnumSource(CatalogOrigin.class)
class CatalogLabelsTest {

  @Parameter CatalogOrigin origin;

  /** The production bound, for the tests about a catalog that is locked or slow. */
  static final Duration TIMEOUT = Duration.ofMillis(50);

  /**
   * For the tests about which labels arrive: a loaded CI machine must not turn them into timing
   * tests.
   */
  static final Duration PATIENT = Duration.ofSeconds(5);

  @TempDir Path home;
  RegistryWriter writer;
  RegistryReader reader;
  final Map<Integer, Integer> slots = new HashMap<>();
  final List<LogRecord> logged = new ArrayList<>();
  final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          logged.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  Path catalogFile() {
    return home.resolve("db/msb.db");
  }

  @BeforeEach
  void setUp() throws Exception {
    Path registry = home.resolve("registry");
    writer = RegistryWriter.openOrCreate(registry, 16);
    reader =
        new RegistryReader(
            registry, RegistryReader.Options.DEFAULTS, TimeSource.SYSTEM, null, new RecordingLog());
    Logger.getLogger(CatalogLabels.class.getName()).addHandler(capture);
  }

  @AfterEach
  void tearDown() {
    Logger.getLogger(CatalogLabels.class.getName()).removeHandler(capture);
    reader.close();
    writer.close();
  }

  void start(int id) {
    long now = System.currentTimeMillis();
    SandboxSample s =
        new SandboxSample()
            .identity(id, 1, (int) ProcessHandle.current().pid(), "sb-" + id)
            .times(now - 1000, now);
    int slot = writer.start(s, 1, s.pid());
    slots.put(id, slot);
  }

  void stop(int id) {
    writer.release(slots.remove(id), true);
  }

  RegistrySnapshot snapshot() {
    return reader.read(false);
  }

  long warnings(String containing) {
    return logged.stream()
        .filter(
            r ->
                r.getLevel().intValue() >= Level.WARNING.intValue()
                    && r.getMessage().contains(containing))
        .count();
  }

  @Test
  void labelsAppearChangeWithTheConfigAndVanishWithTheSandbox() throws Exception {
    try (CatalogWriter catalog = origin.create(catalogFile());
        CatalogLabels labels = new CatalogLabels(catalogFile(), LabelKeys.ALL, PATIENT)) {
      catalog.put(1, "one", labels("user.id", "alice", "env", "prod"), null);
      catalog.put(2, "two", labels("tenant", "old"), labels("tenant", "acme"));
      start(1);
      start(2);
      labels.refresh(snapshot());
      assertEquals(
          List.of("env", "user.id"), List.copyOf(labels.labelsOf(1).keySet()), "ordered by key");
      assertEquals(Map.of("user.id", "alice", "env", "prod"), labels.labelsOf(1));
      assertEquals(Map.of("tenant", "acme"), labels.labelsOf(2), "active_config wins over config");
      Map<String, String> first = labels.labelsOf(1);
      labels.refresh(snapshot());
      assertSame(first, labels.labelsOf(1), "unchanged config: the same labels instance");

      catalog.put(1, "one", labels("user.id", "bob"), null);
      labels.refresh(snapshot());
      assertEquals(
          Map.of("user.id", "bob"), labels.labelsOf(1), "a committed change shows next time");

      stop(2);
      labels.refresh(snapshot());
      assertEquals(Map.of(), labels.labelsOf(2), "evicted with the sandbox");
      assertEquals(Map.of("user.id", "bob"), labels.labelsOf(1));
    }
  }

  @Test
  void excludedKeysNeverAppear() throws Exception {
    try (CatalogWriter catalog = origin.create(catalogFile());
        CatalogLabels labels =
            new CatalogLabels(catalogFile(), LabelKeys.of(Set.of("user.id"), null), PATIENT)) {
      catalog.put(1, "one", labels("user.id", "alice", "tenant", "acme"), null);
      start(1);
      labels.refresh(snapshot());
      assertEquals(Map.of("tenant", "acme"), labels.labelsOf(1));
    }
  }

  @Test
  void missingCatalogThenCreatedSwitchesLabelsOnWithoutRestart() throws Exception {
    start(1);
    try (CatalogLabels labels = new CatalogLabels(catalogFile(), LabelKeys.ALL, PATIENT)) {
      for (int i = 0; i < 5; i++) {
        labels.refresh(snapshot());
        assertEquals(Map.of(), labels.labelsOf(1));
      }
      assertEquals(1, warnings("does not exist"), "one line, not one per collection");
      try (CatalogWriter catalog = origin.create(catalogFile())) {
        catalog.put(1, "one", labels("tenant", "acme"), null);
        labels.refresh(snapshot());
        assertEquals(Map.of("tenant", "acme"), labels.labelsOf(1));
      }
    }
  }

  @Test
  void unmigratedCatalogMeansNoLabelsUntilTheTableExists() throws Exception {
    start(1);
    java.nio.file.Files.createDirectories(catalogFile().getParent());
    java.nio.file.Files.createFile(catalogFile()); // an empty database, not migrated yet
    try (CatalogLabels labels = new CatalogLabels(catalogFile(), LabelKeys.ALL, PATIENT)) {
      for (int i = 0; i < 3; i++) {
        labels.refresh(snapshot());
        assertEquals(Map.of(), labels.labelsOf(1));
      }
      assertEquals(1, warnings("no such table"));
      try (CatalogWriter catalog = origin.create(catalogFile())) { // migrated
        catalog.put(1, "one", labels("tenant", "acme"), null);
        labels.refresh(snapshot());
        assertEquals(Map.of("tenant", "acme"), labels.labelsOf(1));
      }
    }
  }

  @Test
  void aBrokenConfigCostsOnlyThatSandboxItsLabels() throws Exception {
    try (CatalogWriter catalog = origin.create(catalogFile());
        CatalogLabels labels = new CatalogLabels(catalogFile(), LabelKeys.ALL, PATIENT)) {
      catalog.put(1, "malformed", "{\"labels\": {\"a\": ", null);
      catalog.put(2, "number", "{\"labels\": {\"a\": 5}}", null);
      catalog.put(3, "array", "{\"labels\": [\"a\"]}", null);
      catalog.put(4, "good", labels("tenant", "acme"), null);
      catalog.put(5, "no-labels", "{\"image\": \"alpine\"}", null);
      for (int id = 1; id <= 6; id++) {
        start(id); // 6 is not in the catalog at all
      }
      labels.refresh(snapshot());
      labels.refresh(snapshot());
      for (int id : new int[] {1, 2, 3, 5, 6}) {
        assertEquals(Map.of(), labels.labelsOf(id), "sandbox " + id);
      }
      assertEquals(Map.of("tenant", "acme"), labels.labelsOf(4));
      assertEquals(1, warnings("sandbox 1 gets no labels: config is not valid JSON"));
      assertEquals(1, warnings("sandbox 2 gets no labels: label \"a\" is a number, not a string"));
      assertEquals(1, warnings("sandbox 3 gets no labels: \"labels\" is an array, not an object"));
    }
  }

  /** Refreshes as collections do and fails if one of them waits on the catalog. */
  void collectQuickly(CatalogLabels labels, int times) {
    for (int i = 0; i < times; i++) {
      long started = System.nanoTime();
      labels.refresh(snapshot());
      long millis = (System.nanoTime() - started) / 1_000_000;
      assertTrue(millis < 500, "a collection waited " + millis + " ms on the catalog");
    }
  }

  void awaitLabels(CatalogLabels labels, int id, Map<String, String> expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!labels.labelsOf(id).equals(expected) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      labels.refresh(snapshot());
    }
    assertEquals(expected, labels.labelsOf(id));
  }

  @Test
  void aLongWriteTransactionDelaysNothingAndStaysInvisibleUntilCommitted() throws Exception {
    try (CatalogWriter catalog = origin.create(catalogFile());
        CatalogLabels labels = new CatalogLabels(catalogFile(), LabelKeys.ALL, TIMEOUT)) {
      catalog.put(1, "one", labels("tenant", "acme"), null);
      start(1);
      awaitLabels(labels, 1, Map.of("tenant", "acme"));
      catalog.execute("BEGIN IMMEDIATE");
      catalog.put(1, "one", labels("tenant", "changed"), null);
      collectQuickly(labels, 5);
      assertEquals(Map.of("tenant", "acme"), labels.labelsOf(1), "uncommitted is not visible");
      catalog.execute("COMMIT");
      awaitLabels(labels, 1, Map.of("tenant", "changed"));
    }
  }

  /**
   * At start the catalog is slower than a collection's 50 ms (opening it, loading SQLite, or a
   * writer's lock, as here for 300 ms): the first collection still waits for the labels that exist,
   * so no start exports a label-less series; later collections wait 50 ms again.
   */
  @Test
  void theFirstCollectionAfterStartWaitsForTheLabelsThatExist() throws Exception {
    try (CatalogWriter catalog = origin.create(catalogFile(), "DELETE")) {
      catalog.put(1, "one", labels("tenant", "acme"), null);
      start(1);
      catalog.execute("BEGIN EXCLUSIVE");
      Thread committer =
          new Thread(
              () -> {
                try {
                  Thread.sleep(300);
                  catalog.execute("COMMIT");
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      committer.start();
      try (CatalogLabels labels = new CatalogLabels(catalogFile(), LabelKeys.ALL, TIMEOUT)) {
        long started = System.nanoTime();
        labels.refresh(snapshot());
        assertEquals(
            Map.of("tenant", "acme"), labels.labelsOf(1), "labels in the first collection");
        assertTrue(
            System.nanoTime() - started < CatalogLabels.FIRST_LOOK_WAIT.toNanos() + 500_000_000L,
            "bounded");
        committer.join();
        catalog.execute("BEGIN EXCLUSIVE");
        start(2);
        long again = System.nanoTime();
        labels.refresh(snapshot());
        assertTrue(System.nanoTime() - again < 500_000_000L, "later collections wait 50 ms");
        catalog.execute("COMMIT");
      }
    }
  }

  @Test
  void anExclusivelyLockedCatalogCostsLabelsNotTime() throws Exception {
    try (CatalogWriter catalog = origin.create(catalogFile(), "DELETE");
        CatalogLabels labels = new CatalogLabels(catalogFile(), LabelKeys.ALL, TIMEOUT)) {
      catalog.put(1, "one", labels("tenant", "acme"), null);
      start(1);
      awaitLabels(labels, 1, Map.of("tenant", "acme"));

      catalog.execute("BEGIN EXCLUSIVE"); // rollback-journal mode: readers are locked out
      catalog.put(1, "one", labels("tenant", "changed"), null);
      start(2);
      collectQuickly(labels, 5);
      assertEquals(Map.of("tenant", "acme"), labels.labelsOf(1), "known labels kept while locked");
      assertEquals(Map.of(), labels.labelsOf(2), "unknown ones wait for the catalog");
      // Counted before the commit: a look-up slower than 50 ms afterwards, on a loaded machine, is
      // another episode and may rightly log again. Whether a look outlasts 50 ms under the lock
      // depends on SQLite's locking path; that it is said at most once does not.
      assertTrue(
          logged.stream()
                  .filter(r -> r.getMessage().contains("did not answer within 50 ms"))
                  .count()
              <= 1,
          () ->
              "at most one line for the whole locked episode: "
                  + logged.stream()
                      .map(LogRecord::getMessage)
                      .collect(java.util.stream.Collectors.toList()));
      catalog.execute("COMMIT");
      awaitLabels(labels, 1, Map.of("tenant", "changed"));
    }
  }

  @Test
  void aLockOutlastingSqlitesBusyTimeoutIsOneWarningAndKnownLabelsStay() throws Exception {
    try (CatalogWriter catalog = origin.create(catalogFile(), "DELETE");
        CatalogLabels labels = new CatalogLabels(catalogFile(), LabelKeys.ALL, TIMEOUT)) {
      catalog.put(1, "one", labels("tenant", "acme"), null);
      start(1);
      awaitLabels(labels, 1, Map.of("tenant", "acme"));

      catalog.execute("BEGIN EXCLUSIVE");
      catalog.put(1, "one", labels("tenant", "changed"), null);
      // Collections go on until SQLite gives up on the lock (its 1 s busy timeout), then as many
      // again: the lock is said once, however long it lasts.
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int after = 0;
      while (after < 10) {
        assertTrue(System.nanoTime() < until, "no 'is locked' warning: " + allLines());
        collectQuickly(labels, 1);
        assertEquals(
            Map.of("tenant", "acme"), labels.labelsOf(1), "known labels kept while locked");
        if (warnings("is locked") > 0) {
          after++;
        }
        Thread.sleep(100);
      }
      assertEquals(1, warnings("is locked"), "SQLite gave up on the lock: one line, however long");
      assertEquals(1, lines("did not answer within 50 ms"), "one episode: " + allLines());
      catalog.execute("COMMIT");
      awaitLabels(labels, 1, Map.of("tenant", "changed"));
      assertEquals(1, lines("readable again"));
      dev.microsandbox.otel.e2e.E2e.await(
          Duration.ofSeconds(10),
          () -> {
            labels.refresh(snapshot());
            return lines("answers in time again; labels are current") == 1;
          },
          this::allLines);
      assertEquals(1, lines("did not answer within 50 ms"), this::allLines);
    }
  }

  @Test
  void closingWhileTheWorkerWaitsOnALockedCatalogReturnsAtOnceAndTheConnectionStillCloses()
      throws Exception {
    try (CatalogWriter catalog = origin.create(catalogFile(), "DELETE")) {
      CatalogLabels labels = new CatalogLabels(catalogFile(), LabelKeys.ALL, TIMEOUT);
      catalog.put(1, "one", labels("tenant", "acme"), null);
      start(1);
      awaitLabels(labels, 1, Map.of("tenant", "acme"));
      catalog.execute("BEGIN EXCLUSIVE");
      catalog.put(1, "one", labels("tenant", "changed"), null);
      collectQuickly(labels, 1); // the worker is now in SQLite's 1 s busy wait
      long started = System.nanoTime();
      labels.close();
      long millis = (System.nanoTime() - started) / 1_000_000;
      assertTrue(millis < 600, "close() does not sit out SQLite's busy wait: " + millis + " ms");
      dev.microsandbox.otel.e2e.E2e.await(
          Duration.ofSeconds(3),
          labels::connectionClosed,
          () -> "the worker closes the connection once its SQLite call returns");
      catalog.execute("ROLLBACK");
    }
  }

  long lines(String containing) {
    return logged.stream().filter(r -> r.getMessage().contains(containing)).count();
  }

  String allLines() {
    return logged.stream().map(LogRecord::getMessage).collect(Collectors.joining("\n"));
  }

  @Test
  void aCatalogCreatedAnewIsOpenedAnew() throws Exception {
    try (CatalogLabels labels = new CatalogLabels(catalogFile(), LabelKeys.ALL, PATIENT)) {
      try (CatalogWriter catalog = origin.create(catalogFile())) {
        catalog.put(1, "one", labels("tenant", "old"), null);
      }
      start(1);
      awaitLabels(labels, 1, Map.of("tenant", "old"));
      for (String suffix : new String[] {"", "-wal", "-shm"}) {
        java.nio.file.Files.deleteIfExists(Path.of(catalogFile() + suffix));
      }
      try (CatalogWriter catalog = origin.create(catalogFile())) {
        catalog.put(1, "one", labels("tenant", "new"), null);
        catalog.put(2, "two", labels("tenant", "second"), null);
      }
      start(2);
      awaitLabels(labels, 1, Map.of("tenant", "new"));
      awaitLabels(labels, 2, Map.of("tenant", "second"));
      assertEquals(1, lines("was created anew"), this::allLines);
    }
  }

  @Test
  void aHugeLabelIsCutAndThousandsOfLabelsAreCappedWithOneWarningNamingTheSandbox()
      throws Exception {
    String[] many = new String[2 * 3_000];
    for (int i = 0; i < 3_000; i++) {
      many[2 * i] = String.format("k%04d", i);
      many[2 * i + 1] = "v" + i;
    }
    try (CatalogWriter catalog = origin.create(catalogFile());
        CatalogLabels labels = new CatalogLabels(catalogFile(), LabelKeys.ALL, PATIENT)) {
      catalog.put(1, "one", labels("tenant", "acme", "blob", "x".repeat(1 << 20)), null);
      catalog.put(2, "two", labels(many), null);
      start(1);
      start(2);
      awaitLabels(
          labels,
          1,
          Map.of("tenant", "acme", "blob", "x".repeat(LabelLimits.DEFAULT_MAX_VALUE_LENGTH)));
      dev.microsandbox.otel.e2e.E2e.await(
          Duration.ofSeconds(10),
          () -> {
            labels.refresh(snapshot());
            return labels.labelsOf(2).size() == LabelLimits.DEFAULT_MAX_LABELS;
          },
          () -> labels.labelsOf(2).size() + " labels");
      assertEquals("v0", labels.labelsOf(2).get("k0000"), "the first by key are kept");
      assertEquals(null, labels.labelsOf(2).get("k0032"));
      assertEquals(
          1, warnings("sandbox 1's labels: 1 label values are cut to 256"), this::allLines);
      assertEquals(
          1, warnings("sandbox 2's labels: 2968 labels over the limit of 32"), this::allLines);
    }
  }

  @Test
  void limitsFollowTheSdksAttributeLimits() throws Exception {
    try (CatalogWriter catalog = origin.create(catalogFile());
        CatalogLabels labels =
            new CatalogLabels(catalogFile(), LabelKeys.ALL, new LabelLimits(2, 3), PATIENT)) {
      catalog.put(1, "one", labels("a", "12345", "b", "x", "c", "y"), null);
      start(1);
      awaitLabels(labels, 1, Map.of("a", "123", "b", "x"));
    }
  }

  @Test
  void aConfigTooLongToParseCostsItsSandboxItsLabelsOnly() throws Exception {
    try (CatalogWriter catalog = origin.create(catalogFile());
        CatalogLabels labels = new CatalogLabels(catalogFile(), LabelKeys.ALL, PATIENT)) {
      catalog.put(1, "one", labels("tenant", "x".repeat(CatalogLabels.MAX_CONFIG_CHARS)), null);
      catalog.put(2, "two", labels("tenant", "acme"), null);
      start(1);
      start(2);
      awaitLabels(labels, 2, Map.of("tenant", "acme"));
      assertEquals(Map.of(), labels.labelsOf(1));
      assertEquals(1, warnings("sandbox 1 gets no labels: its config is"), this::allLines);
    }
  }

  @Test
  void keysThatWouldPassForIdentityInPrometheusAreDroppedWithOneWarningEach() throws Exception {
    LabelKeys reserving =
        LabelKeys.ALL.reserving(Set.of("sandbox.name", "sandbox.id", "container.id"));
    try (CatalogWriter catalog = origin.create(catalogFile());
        CatalogLabels labels = new CatalogLabels(catalogFile(), reserving, PATIENT)) {
      catalog.put(
          1,
          "one",
          labels(
              "sandbox_name", "forged",
              "Sandbox-Id", "999",
              "container_id", "1",
              "otel_scope_name", "mine",
              "otel.scope.version", "9",
              "__name__", "x",
              "tenant", "acme"),
          null);
      start(1);
      awaitLabels(labels, 1, Map.of("tenant", "acme"));
      assertEquals(1, warnings("sandbox 1's labels:"), this::allLines);
      for (String key :
          new String[] {
            "sandbox_name",
            "Sandbox-Id",
            "container_id",
            "otel_scope_name",
            "otel.scope.version",
            "__name__"
          }) {
        assertEquals(1, warnings("label '" + key + "' is dropped"), this::allLines);
      }
    }
  }
}
