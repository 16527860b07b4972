package dev.microsandbox.otel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.microsandbox.otel.e2e.AgentJvm;
import dev.microsandbox.otel.e2e.E2e;
import dev.microsandbox.otel.e2e.Otlp;
import dev.microsandbox.otel.e2e.TrivialApp;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user_events exporter against the real kernel interface and the real consumer, in one guest
 * start (../shared/kvm): the bundle on an application JVM with the simulator's 50 sandboxes, then
 * the bundle's sidecar, each captured by {@code perf record -e user_events:otlp_metrics} and
 * printed by {@code perf script -s otlp_events.py}; every buffer decoded here with the official
 * proto classes. Last, the writes per export of 1000 sandboxes at the default and the hard limit,
 * as ftrace counts them.
 */
class UserEventsVmIT {

  static final Path RUN_IN_VM =
      Path.of(System.getProperty("msb.kvm.dir", "../../shared/kvm"))
          .resolve("run-in-vm")
          .toAbsolutePath()
          .normalize();
  static final Pattern EVENTS_COUNTER =
      Pattern.compile("name=microsandbox\\.collector\\.user_events\\.events.*?value=(\\d+)");

  /** The upstream agents the extension build fetched (see AgentCompatibilityIT). */
  static final Path AGENTS = Path.of(System.getProperty("msb.agents.dir"));

  /**
   * The oldest agent that runs the exporter in the guest: it needs Java 22+ (FFM) and agent 2.4+
   * (its OTLP marshaler), and agents before 2.10 do not start on Java 25, the guest's JVM.
   */
  static final String OLDEST_AGENT = "2.10.0";

  @TempDir Path work;

  /** One decoded event. */
  record Event(
      int pid, int protocol, String version, int size, ExportMetricsServiceRequest request) {
    Metric metric() {
      return request.getResourceMetrics(0).getScopeMetrics(0).getMetrics(0);
    }

    /** The points of the event's metric, of whatever type. */
    int points() {
      Metric m = metric();
      switch (m.getDataCase()) {
        case GAUGE:
          return m.getGauge().getDataPointsCount();
        case SUM:
          return m.getSum().getDataPointsCount();
        case HISTOGRAM:
          return m.getHistogram().getDataPointsCount();
        case EXPONENTIAL_HISTOGRAM:
          return m.getExponentialHistogram().getDataPointsCount();
        case SUMMARY:
          return m.getSummary().getDataPointsCount();
        default:
          return 0;
      }
    }
  }

  @Test
  void applicationAndSidecarEventsAsPerfReceivesThem() throws Exception {
    boolean available =
        Files.isExecutable(RUN_IN_VM)
            && PrometheusExampleIT.onPath("qemu-system-x86_64").isPresent()
            && PrometheusExampleIT.onPath("perf").isPresent();
    assumeTrue(
        available || System.getenv("CI") != null,
        "needs the user_events guest: "
            + RUN_IN_VM
            + " (../shared/kvm, or -Dmsb.kvm.dir; MSB_TEST_KERNEL for another kernel),"
            + " qemu-system-x86 and linux-perf; .ci/run installs them");
    assertTrue(available, "CI must have " + RUN_IN_VM + ", qemu-system-x86_64 and perf");
    Path javaBin = E2e.JAVA_HOME.resolve("bin/java");
    // On this machine's kernel first, for real: one WARN naming the cause, the application runs.
    String hostWarning = hostWarning();
    if (E2e.feature(E2e.JAVA_HOME) < 22) {
      assertTrue(
          hostWarning.contains(
              "needs Java 22 or newer (the FFM API) and this JVM is Java "
                  + E2e.feature(E2e.JAVA_HOME)),
          hostWarning);
      return; // the guest run needs the FFM API: it is the Java 22+ run's
    }
    assertTrue(
        hostWarning.contains("tracefs is not mounted")
            || hostWarning.contains("was built without CONFIG_USER_EVENTS"),
        hostWarning);
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("JAVA", javaBin.toString());
    env.put("BUNDLE", PrometheusExampleIT.BUNDLE.toAbsolutePath().toString());
    env.put("SIMULATOR", PrometheusExampleIT.SIMULATOR.toAbsolutePath().toString());
    env.put("EXTENSION", AgentJvm.extensionJar().toAbsolutePath().toString());
    env.put(
        "AGENT_OLDEST",
        AGENTS
            .resolve("opentelemetry-javaagent-" + OLDEST_AGENT + ".jar")
            .toAbsolutePath()
            .toString());
    env.put(
        "AGENT_NEWEST",
        AGENTS.resolve("opentelemetry-javaagent-newest.jar").toAbsolutePath().toString());
    env.put("APP_CP", AgentJvm.codeSource(TrivialApp.class).toString());
    env.put("APP_MAIN", TrivialApp.class.getName());
    env.put(
        "OTLP_EVENTS",
        ReadmeRecipesIT.EXAMPLES
            .resolve("user-events/otlp_events.py")
            .toAbsolutePath()
            .normalize()
            .toString());
    env.put(
        "FORMATS",
        Path.of(UserEventsVmIT.class.getResource("/user-events-formats.py").toURI()).toString());
    env.put("WORK", work.toString());
    Path script = Path.of(UserEventsVmIT.class.getResource("/user-events-guest.sh").toURI());
    ProcessBuilder builder =
        new ProcessBuilder(
                RUN_IN_VM.toString(),
                "--timeout",
                Integer.toString(GUEST_TIMEOUT_S),
                "--",
                "bash",
                script.toString())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("guest.log").toFile());
    builder.environment().putAll(env);
    int status = runGuest(builder);
    // A guest that ran out of time is slow, not lost: booting it again would only double the wait.
    if (status == GUEST_LOST
        && read("guest.log").contains(GUEST_LOST_MESSAGE)
        && !read("guest.log").contains("(qemu status 124;")) {
      // Seen once in CI: the emulated guest powered off before running the script (no output,
      // no status), and not reproduced since. The harness's fault, not the exporter's: one more
      // boot.
      System.err.println(
          "UserEventsVmIT: the guest was lost before the script ran; booting again: "
              + read("guest.log"));
      status = runGuest(builder);
    }
    assertEquals(
        0,
        status,
        () ->
            read("guest.log")
                + read("app.log")
                    .lines()
                    .filter(l -> !l.contains("LoggingMetricExporter"))
                    .reduce("", (a, b) -> a + "\n" + b));
    assertFalse(read("dmesg.txt").contains("perf buffer not large enough"));

    // Our spelling of the event and the Rust exporter's (a trailing ';') are one event to the
    // kernel, so a consumer of either sees the same; a different definition is refused.
    String formats = read("formats.txt");
    assertTrue(formats.contains("ours 0 ") && formats.contains("rust 0 "), formats);
    assertTrue(
        formats.contains("other 98 "), "EADDRINUSE: the kernel compares definitions\n" + formats);
    assertEquals(1, formats.lines().filter(l -> l.startsWith("status ")).count(), formats);

    // As a user that may not reach tracefs, or may not write the file: which, and the fix.
    String data = "/sys/kernel/tracing/user_events_data";
    assertTrue(
        read("nobody-dir.log")
            .contains(
                "user_events exporter does nothing: this user"
                    + " (nobody) may not enter /sys/kernel/tracing to reach "
                    + data
                    + "; run as root, or give"
                    + " the user access to "
                    + data
                    + " and its directory"),
        read("nobody-dir.log"));
    assertTrue(
        read("nobody-file.log")
            .contains(
                "user_events exporter does nothing: open "
                    + data
                    + ": EACCES: this user (nobody) may not write "
                    + data),
        read("nobody-file.log"));
    assertFalse(read("nobody-dir.log").contains("CONFIG_USER_EVENTS"), "not a missing feature");

    // A registry of another user than this process's (whose home does not exist): refused before
    // it is opened, naming both users and the fix; one of its own it may not read: EACCES.
    assertTrue(
        read("perm-root.log")
            .contains(
                "it is owned by 'root', but msb runs as 'nobody' (this process's user, since the"
                    + " microsandbox home /tmp/.microsandbox does not exist)"),
        read("perm-root.log"));
    assertTrue(read("perm-root.log").contains("or as 'root'"), read("perm-root.log"));
    assertTrue(
        read("perm-own.log")
            .contains(
                "it is mode ---------, owned by 'nobody', and this process runs as 'nobody': its"
                    + " owner may not read it (msb creates it rw-------; fix: chmod 600"
                    + " /tmp/perm/reg"),
        read("perm-own.log"));

    // The application: 50 sandboxes, the JVM's metrics, nothing before perf, nothing after.
    int appPid = Integer.parseInt(read("app.pid").trim());
    List<Event> app = events("app-events.txt");
    assertTrue(app.size() > 20, "events: " + app.size());
    Set<String> names = new TreeSet<>();
    Map<String, TreeMap<Long, Integer>> pointsPerExport = new HashMap<>(); // by metric, time
    Set<String> seriesAtTime = new java.util.HashSet<>();
    boolean histogram = false;
    for (Event e : app) {
      // perf's pid field is the writing thread's id; the process is in the resource.
      assertEquals(0, e.protocol());
      assertEquals("v0.19.00", e.version());
      assertTrue(e.size() <= 4000, "event of " + e.size() + " bytes");
      Map<String, String> resource =
          Otlp.attributes(e.request().getResourceMetrics(0).getResource().getAttributesList());
      assertEquals(Integer.toString(appPid), resource.get("process.pid"));
      assertEquals("unknown_service:java", resource.get("service.name"), "the app's resource");
      assertEquals("java", resource.get("telemetry.sdk.language"));
      String name = e.metric().getName();
      names.add(name);
      assertTrue(name.startsWith("microsandbox.") || name.startsWith("jvm."), name);
      histogram |= e.metric().hasHistogram() && e.metric().getHistogram().getDataPointsCount() > 0;
      for (Otlp.Point p : Otlp.points(List.of(e.request()))) {
        if (p.attributes().containsKey("sandbox.name")) {
          String series = name + p.attributes() + "@" + p.point().getTimeUnixNano();
          assertTrue(seriesAtTime.add(series), "captured twice: " + series);
          pointsPerExport
              .computeIfAbsent(name, k -> new TreeMap<>())
              .merge(p.point().getTimeUnixNano(), 1, Integer::sum);
        }
      }
    }
    assertTrue(histogram, "a histogram (jvm.gc.duration) among " + names);
    assertTrue(names.containsAll(E2e.SANDBOX_METRICS), names.toString());
    // perf's window may cut the first and the last export it sees (an export is several events):
    // those hold at most every sandbox; every export between them holds all 50.
    for (String metric :
        List.of("microsandbox.memory.usage", "microsandbox.memory.limit", "microsandbox.uptime")) {
      List<Integer> perExport = new ArrayList<>(pointsPerExport.get(metric).values());
      assertTrue(perExport.size() >= 3, metric + ": exports captured: " + perExport);
      assertTrue(perExport.stream().allMatch(n -> n <= 50), metric + ": " + perExport);
      assertEquals(
          Collections.nCopies(perExport.size() - 2, 50),
          perExport.subList(1, perExport.size() - 1),
          metric + ": every sandbox in every export perf saw whole");
    }
    assertEquals(
        List.of(0L),
        counterValues("app-before.log").stream()
            .distinct()
            .collect(java.util.stream.Collectors.toList()),
        "nothing written before perf attached");
    List<Long> during = counterValues("app-during.log");
    List<Long> after = counterValues("app.log");
    long atDetach = during.get(during.size() - 1);
    assertTrue(atDetach > 0);
    assertTrue(
        after.get(after.size() - 1) - atDetach <= app.size(),
        "after perf detached the count stays where perf left it: " + after);
    String appLog = read("app.log");
    assertTrue(appLog.contains("a tracer attached") && appLog.contains("no tracer listens"));

    // The sidecar at the smallest limit: its own resource, every gauge for every sandbox, each
    // point alone in an event larger than the limit.
    List<Event> sidecar = events("sidecar-events.txt");
    assertFalse(sidecar.isEmpty(), read("sidecar.log"));
    Map<String, Set<String>> sandboxesByMetric = new HashMap<>();
    for (Event e : sidecar) {
      assertTrue(e.size() <= 4000);
      assertEquals(
          "microsandbox",
          Otlp.attributes(e.request().getResourceMetrics(0).getResource().getAttributesList())
              .get("service.name"));
      assertTrue(
          e.size() > 256 && e.points() == 1,
          "a point over the limit goes alone: "
              + e.points()
              + " points of "
              + e.metric().getName()
              + " in "
              + e.size()
              + " bytes");
      for (Otlp.Point p : Otlp.points(List.of(e.request()))) {
        if (p.attributes().containsKey("sandbox.name")) {
          sandboxesByMetric
              .computeIfAbsent(e.metric().getName(), k -> new TreeSet<>())
              .add(p.attributes().get("sandbox.name"));
        }
      }
    }
    assertEquals(new TreeSet<>(E2e.SANDBOX_METRICS), new TreeSet<>(sandboxesByMetric.keySet()));
    for (String metric :
        List.of(
            "microsandbox.memory.usage",
            "microsandbox.memory.limit",
            "microsandbox.uptime",
            "microsandbox.disk.bytes_read",
            "microsandbox.network.bytes_sent")) {
      assertEquals(50, sandboxesByMetric.get(metric).size(), metric);
    }

    // The extension jar in the plain upstream agents, oldest and newest: every sandbox's gauges.
    for (String agent : List.of("oldest", "newest")) {
      List<Event> events = events("agent-" + agent + "-events.txt");
      assertFalse(events.isEmpty(), read("agent-" + agent + ".log"));
      Map<String, Set<String>> sandboxes = new HashMap<>();
      for (Event e : events) {
        assertTrue(e.size() <= 4000);
        assertEquals(
            "unknown_service:java",
            Otlp.attributes(e.request().getResourceMetrics(0).getResource().getAttributesList())
                .get("service.name"),
            "the application's resource");
        for (Otlp.Point p : Otlp.points(List.of(e.request()))) {
          // Both sets: the msb series name the sandbox sandbox.name, the semconv ones
          // container.name.
          String sandbox =
              p.attributes().getOrDefault("sandbox.name", p.attributes().get("container.name"));
          if (sandbox != null) {
            sandboxes.computeIfAbsent(e.metric().getName(), k -> new TreeSet<>()).add(sandbox);
          }
        }
      }
      for (String metric :
          List.of("microsandbox.memory.usage", "microsandbox.uptime", "container.cpu.time")) {
        assertEquals(
            50,
            sandboxes.getOrDefault(metric, Set.of()).size(),
            agent + " agent, " + metric + ": " + read("agent-" + agent + ".log"));
      }
      // The exporter prefers delta: each counter point starts where the series' last one ended.
      Map<String, Long> lastTime = new HashMap<>();
      int continued = 0;
      for (Event e : events) {
        if (!e.metric().getName().equals("container.cpu.time")) {
          continue;
        }
        assertEquals(
            io.opentelemetry.proto.metrics.v1.AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA,
            e.metric().getSum().getAggregationTemporality());
        for (Otlp.Point p : Otlp.points(List.of(e.request()))) {
          Long previous =
              lastTime.put(p.attributes().get("container.name"), p.point().getTimeUnixNano());
          if (previous != null) {
            assertEquals((long) previous, p.point().getStartTimeUnixNano(), "a delta's start");
            continued++;
          }
        }
      }
      assertTrue(continued >= 50, agent + ": deltas after the first export: " + continued);
      assertFalse(
          read("agent-" + agent + ".log").contains("\tat "), read("agent-" + agent + ".log"));
    }
    // Without --enable-native-access, Java 24+ names our libc helper once (the JVM warnings table
    // in docs/compatibility.md): the FFM tracepoint's calls go through it.
    String newest = read("agent-newest.log");
    assertTrue(
        newest.contains(
                "WARNING: A restricted method in java.lang.foreign.Linker has been" + " called")
            && newest.contains("dev.microsandbox.otel.support.Libc"),
        newest);

    // writev calls per export for 1000 sandboxes × the 11 gauges of msb-metrics (plus the
    // sidecar's health series), as the kernel recorded them: every one kept.
    String trace = read("writes.txt");
    Matcher entries =
        Pattern.compile("entries-in-buffer/entries-written: (\\d+)/(\\d+)").matcher(trace);
    assertTrue(entries.find(), trace.lines().limit(5).toList().toString());
    assertEquals(entries.group(2), entries.group(1), "ftrace kept every event");
    assertEquals(Integer.parseInt(entries.group(1)), WRITE.matcher(trace).results().count());
    List<Integer> atDefault = writesPerExport(trace, read("threads-4000.txt"));
    List<Integer> atHardLimit = writesPerExport(trace, read("threads-65360.txt"));
    System.out.println(
        "UserEventsVmIT: writev calls per export of 11 000 sandbox points: "
            + atDefault
            + " at 4000 bytes, "
            + atHardLimit
            + " at 65 360 bytes");
    assertTrue(atDefault.size() >= 2, "exports seen at 4000: " + atDefault);
    assertTrue(atHardLimit.size() >= 2, "exports seen at 65 360: " + atHardLimit);
    int fourK = atDefault.stream().mapToInt(Integer::intValue).max().getAsInt();
    int hard = atHardLimit.stream().mapToInt(Integer::intValue).max().getAsInt();
    assertTrue(
        fourK - atDefault.stream().mapToInt(Integer::intValue).min().getAsInt() <= 2,
        "about the same packing every export: " + atDefault);
    assertTrue(fourK >= 11_000 * 60 / 4000 && fourK <= 11_000 / 20, "at 4000: " + fourK);
    // An export's 11 000 points take at least ~20 bytes each (value, time, attribute references),
    // so no fewer than four 65 360-byte events; gauges share an event where they fit (until the
    // sidecar stopped sending the JVM's own metrics, those alone made it 11 or more).
    assertTrue(
        hard >= 11_000 * 20 / 65_360 + 1 && hard * 8 <= fourK,
        "at 65 360: " + hard + ", at 4000: " + fourK);
  }

  /** One event in ftrace's raw listing: thread, CPU, nanoseconds, event type. */
  static final Pattern WRITE = Pattern.compile("(?m)^\\s*(\\d+)\\s+\\d+\\s+(\\d+) type: \\d+$");

  /**
   * Events per export of one process in ftrace's raw listing: its threads' events, grouped where
   * more than 1.5 s pass between two (exports are 5 s apart). The first and the last group, which
   * the listening window may have cut, are left out.
   */
  static List<Integer> writesPerExport(String trace, String threadsOfProcess) {
    Set<String> threads = Set.copyOf(threadsOfProcess.lines().map(String::trim).toList());
    List<Long> nanos = new ArrayList<>();
    WRITE
        .matcher(trace)
        .results()
        .filter(r -> threads.contains(r.group(1)))
        .forEach(r -> nanos.add(Long.parseLong(r.group(2))));
    Collections.sort(nanos);
    List<Integer> exports = new ArrayList<>();
    int count = 0;
    for (int i = 0; i < nanos.size(); i++) {
      if (i > 0 && nanos.get(i) - nanos.get(i - 1) > 1_500_000_000L) {
        exports.add(count);
        count = 0;
      }
      count++;
    }
    exports.add(count);
    return exports.size() > 2 ? exports.subList(1, exports.size() - 1) : List.of();
  }

  /** What an application JVM on this machine logs about the exporter. */
  String hostWarning() throws Exception {
    Path home = Files.createDirectories(work.resolve("host-home"));
    try (AgentJvm jvm =
        AgentJvm.start(
            E2e.JAVA_HOME,
            PrometheusExampleIT.BUNDLE,
            E2e.with(
                E2e.otlpEnv(null, home, "http/protobuf", "http://127.0.0.1:1"),
                "OTEL_METRICS_EXPORTER",
                "user_events"),
            work.resolve("host"))) {
      String[] line = {""};
      E2e.await(
          java.time.Duration.ofSeconds(60),
          () -> {
            try {
              line[0] =
                  jvm.stderr()
                      .lines()
                      .filter(l -> l.contains("user_events exporter does nothing"))
                      .findFirst()
                      .orElse("");
            } catch (java.io.IOException e) {
              return false;
            }
            return !line[0].isEmpty();
          },
          () -> "no user_events warning");
      assertEquals(0, jvm.stop(java.time.Duration.ofSeconds(30)), "the application runs normally");
      return line[0];
    }
  }

  /** run-in-vm's status when the guest stopped without reporting the command's. */
  static final int GUEST_LOST = 125;

  /**
   * The guest's time limit. The emulated guest runs about ten times slower than the host, and these
   * hosts vary: the script took about 5 minutes on 2026-11-26 and over 13 on a slower machine of
   * the same size on 2026-12-02.
   */
  static final int GUEST_TIMEOUT_S = 1500;

  static final String GUEST_LOST_MESSAGE = "the guest stopped without reporting an exit status";

  static int runGuest(ProcessBuilder builder) throws Exception {
    Process guest = builder.start();
    // run-in-vm stops the guest at its limit, and returns ten seconds later at most.
    assertTrue(guest.waitFor(GUEST_TIMEOUT_S + 20, TimeUnit.SECONDS), "the guest did not finish");
    return guest.exitValue();
  }

  List<Event> events(String file) throws Exception {
    List<Event> events = new ArrayList<>();
    for (String line : Files.readAllLines(work.resolve(file))) {
      String[] f = line.split(" ");
      byte[] buffer = HexFormat.of().parseHex(f[3]);
      events.add(
          new Event(
              Integer.parseInt(f[0]),
              Integer.parseInt(f[1]),
              f[2],
              buffer.length,
              ExportMetricsServiceRequest.parseFrom(buffer)));
    }
    return events;
  }

  List<Long> counterValues(String file) {
    List<Long> values = new ArrayList<>();
    Matcher m = EVENTS_COUNTER.matcher(read(file));
    while (m.find()) {
      values.add(Long.parseLong(m.group(1)));
    }
    return values;
  }

  String read(String file) {
    try {
      return Files.readString(work.resolve(file));
    } catch (java.io.IOException e) {
      return file + ": " + e;
    }
  }
}
