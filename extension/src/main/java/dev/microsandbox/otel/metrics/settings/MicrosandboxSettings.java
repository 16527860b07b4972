package dev.microsandbox.otel.metrics.settings;

import dev.microsandbox.otel.labels.LabelKeys;
import dev.microsandbox.otel.labels.LabelLimits;
import dev.microsandbox.otel.metrics.series.InstrumentSet;
import dev.microsandbox.otel.metrics.series.SandboxAttributes;
import dev.microsandbox.otel.metrics.series.SandboxFilter;
import dev.microsandbox.otel.metrics.series.SeriesSelection;
import dev.microsandbox.otel.registry.RegistryAccess;
import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.sidecar.SidecarLog;
import dev.microsandbox.otel.support.Durations;
import dev.microsandbox.otel.support.Globs;
import dev.microsandbox.otel.support.WholeNumbers;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The extension's configuration, read once at start-up from a {@link Source}: the agent's {@link
 * ConfigProperties} (every option is a system property {@code otel.microsandbox.*} and an
 * environment variable {@code OTEL_MICROSANDBOX_*}) or a declarative configuration file's {@code
 * instrumentation/development.java.microsandbox} node ({@link DeclarativeSettings}). Values are
 * parsed strictly; a bad one is an {@link Invalid} naming the setting as its source spells it and
 * the value, and the extension stays off. Immutable.
 */
public final class MicrosandboxSettings {

  /** Property names (the env var is the upper-cased name with dots as underscores). */
  public static final String ENABLED = "otel.microsandbox.enabled";

  public static final String HOME = "otel.microsandbox.home";
  public static final String REGISTRY = "otel.microsandbox.registry";
  public static final String EMIT_RUN_ID = "otel.microsandbox.emit.run.id";
  public static final String EMIT_PID = "otel.microsandbox.emit.pid";
  public static final String MAX_SAMPLE_AGE = "otel.microsandbox.max.sample.age";
  public static final String OWNER_CHECK = "otel.microsandbox.owner.check";
  public static final String LABELS_ENABLED = "otel.microsandbox.labels.enabled";
  public static final String LABELS_EXCLUDE = "otel.microsandbox.labels.exclude";
  public static final String CATALOG = "otel.microsandbox.catalog";
  public static final String LABELS_TIMEOUT = "otel.microsandbox.labels.timeout";
  public static final String READER = "otel.microsandbox.reader";
  public static final String COLLECT_INTERVAL = "otel.microsandbox.collect.interval";
  public static final String MAX_BUFFERED = "otel.microsandbox.max.buffered";
  public static final String INSTRUMENTS = "otel.microsandbox.instruments";
  public static final String METRICS_EXCLUDE = "otel.microsandbox.metrics.exclude";
  public static final String SANDBOXES_INCLUDE = "otel.microsandbox.sandboxes.include";
  public static final String SANDBOXES_EXCLUDE = "otel.microsandbox.sandboxes.exclude";
  public static final String LABELS_INCLUDE = "otel.microsandbox.labels.include";
  public static final String LABELS_ON = "otel.microsandbox.labels.on";
  public static final String EVENTS = "otel.microsandbox.events";

  /** Every setting, in the order the README lists them. */
  public static final List<String> ALL =
      List.of(
          ENABLED,
          HOME,
          REGISTRY,
          EMIT_RUN_ID,
          EMIT_PID,
          MAX_SAMPLE_AGE,
          OWNER_CHECK,
          LABELS_ENABLED,
          LABELS_EXCLUDE,
          CATALOG,
          LABELS_TIMEOUT,
          READER,
          COLLECT_INTERVAL,
          MAX_BUFFERED,
          INSTRUMENTS,
          METRICS_EXCLUDE,
          SANDBOXES_INCLUDE,
          SANDBOXES_EXCLUDE,
          LABELS_INCLUDE,
          LABELS_ON,
          EVENTS);

  /**
   * The lean sidecar's log settings ({@code SidecarLog}): read from variables and properties before
   * any SDK or file exists, so not in {@link #ALL} and not a key of a declarative file.
   */
  public static final List<String> PROCESS = List.of(SidecarLog.LEVEL, SidecarLog.FORMAT);

  /** What every property name starts with. */
  public static final String PREFIX = "otel.microsandbox.";

  /** Upstream's buffer: 60 collections per exporter. */
  public static final int DEFAULT_MAX_BUFFERED = 60;

  /** The SDK's attribute limits, which label limits follow (not settings of ours). */
  static final String ATTRIBUTE_COUNT_LIMIT = "otel.attribute.count.limit";

  static final String ATTRIBUTE_VALUE_LENGTH_LIMIT = "otel.attribute.value.length.limit";

  /** Default longest wait for the catalog in one collection. */
  public static final Duration DEFAULT_LABELS_TIMEOUT = Duration.ofMillis(50);

  private final boolean enabled;
  private final String home;
  private final Path registry;
  private final boolean registryExplicit;
  private final boolean emitRunId;
  private final boolean emitPid;
  private final Duration maxSampleAge;
  private final boolean ownerCheck;
  private final boolean labelsEnabled;
  private final LabelKeys labelKeys;
  private final LabelLimits labelLimits;
  private final Path catalog;
  private final Duration labelsTimeout;
  private final RegistryAccess reader;
  private final Duration collectInterval; // null: the mode's default; zero: off
  private final int maxBuffered;
  private final SeriesSelection series;
  private final SandboxFilter sandboxFilter;
  private final boolean events;

  /** Where the values come from. */
  public interface Source {
    /** The text of {@code property} (one of {@link #ALL}), or null when it is not set. */
    String getString(String property);

    /** How an operator spells {@code property} in this source, for messages. */
    String describe(String property);

    /** The text of an SDK property that is no setting of ours ({@link #ATTRIBUTE_COUNT_LIMIT}). */
    String getSdkString(String property);

    /** The agent's properties: system properties and environment variables. */
    static Source of(ConfigProperties config) {
      return new Source() {
        @Override
        public String getString(String property) {
          return config.getString(property);
        }

        @Override
        public String describe(String property) {
          return envName(property) + " (" + property + ")";
        }

        @Override
        public String getSdkString(String property) {
          return config.getString(property);
        }
      };
    }
  }

  private MicrosandboxSettings(Source config, Map<String, String> env) throws Invalid {
    enabled = bool(config, ENABLED, true);
    String configuredHome = config.getString(HOME);
    home =
        configuredHome == null || configuredHome.isEmpty()
            ? RegistryLocation.resolveHome(env, System.getProperty("user.home"))
            : configuredHome;
    registry = path(config, REGISTRY, RegistryLocation.registryFile(home));
    registryExplicit = valueOf(config, REGISTRY) != null;
    emitRunId = bool(config, EMIT_RUN_ID, false);
    emitPid = bool(config, EMIT_PID, false);
    maxSampleAge = duration(config, MAX_SAMPLE_AGE, RegistryReader.Options.DEFAULTS.maxSampleAge());
    ownerCheck = bool(config, OWNER_CHECK, true);
    labelsEnabled = bool(config, LABELS_ENABLED, true);
    labelKeys =
        LabelKeys.of(list(config, LABELS_EXCLUDE), regex(config, LABELS_INCLUDE))
            .reserving(SandboxAttributes.IDENTITY_KEYS);
    labelLimits =
        new LabelLimits(
            sdkLimit(config, ATTRIBUTE_COUNT_LIMIT, LabelLimits.DEFAULT_MAX_LABELS, 0),
            sdkLimit(
                config, ATTRIBUTE_VALUE_LENGTH_LIMIT, LabelLimits.DEFAULT_MAX_VALUE_LENGTH, 1));
    catalog = path(config, CATALOG, RegistryLocation.catalogFile(home));
    labelsTimeout = duration(config, LABELS_TIMEOUT, DEFAULT_LABELS_TIMEOUT);
    if (labelsTimeout.isZero()) {
      throw new Invalid(
          config, LABELS_TIMEOUT, config.getString(LABELS_TIMEOUT), "must be above zero");
    }
    reader = access(config);
    collectInterval = collectInterval(config);
    maxBuffered = positiveInt(config, MAX_BUFFERED, DEFAULT_MAX_BUFFERED);
    series = series(config);
    sandboxFilter =
        SandboxFilter.parse(
            config.getString(SANDBOXES_INCLUDE), config.getString(SANDBOXES_EXCLUDE));
    events = bool(config, EVENTS, false);
  }

  /** A setting that cannot be used. */
  public static final class Invalid extends Exception {
    Invalid(Source source, String property, String value, String why) {
      super(source.describe(property) + " = '" + value + "': " + why);
    }
  }

  /**
   * Reads the settings.
   *
   * @param env the process environment, for {@code MSB_HOME} and {@code HOME}
   * @throws Invalid naming the first unusable value
   */
  public static MicrosandboxSettings from(Source source, Map<String, String> env) throws Invalid {
    return new MicrosandboxSettings(source, env);
  }

  /** As {@link #from(Source, Map)} with the agent's properties. */
  public static MicrosandboxSettings from(ConfigProperties config, Map<String, String> env)
      throws Invalid {
    return from(Source.of(config), env);
  }

  /** Whether the extension does anything at all. */
  public boolean enabled() {
    return enabled;
  }

  /** The microsandbox home the registry name is derived from. */
  public String home() {
    return home;
  }

  /** The registry file. */
  public Path registry() {
    return registry;
  }

  /**
   * Whether the registry is derived from the home (then the home's older-ABI registry is read
   * beside it), rather than one file {@code OTEL_MICROSANDBOX_REGISTRY} names to read alone.
   */
  public boolean registryDerived() {
    return !registryExplicit;
  }

  /** Whether every datapoint carries {@code sandbox.run_id}. */
  public boolean emitRunId() {
    return emitRunId;
  }

  /** Whether every datapoint carries {@code sandbox.pid}. */
  public boolean emitPid() {
    return emitPid;
  }

  /** Samples older than this are left out; zero disables. */
  public Duration maxSampleAge() {
    return maxSampleAge;
  }

  /** Whether active slots whose owner pid is gone are left out. */
  public boolean ownerCheck() {
    return ownerCheck;
  }

  /** Whether each run's start and stop go out as log records. */
  public boolean events() {
    return events;
  }

  /** Whether catalog labels are attached. */
  public boolean labelsEnabled() {
    return labelsEnabled;
  }

  /** The label keys that become attributes. */
  public LabelKeys labelKeys() {
    return labelKeys;
  }

  /** How many labels, how long each, become attributes. */
  public LabelLimits labelLimits() {
    return labelLimits;
  }

  /** The point attributes and sandbox filter these settings configure. */
  public SandboxAttributes attributes() {
    return new SandboxAttributes(emitRunId(), emitPid(), series(), sandboxFilter());
  }

  /** The series reported, and where labels go. */
  public SeriesSelection series() {
    return series;
  }

  /** The sandboxes reported. */
  SandboxFilter sandboxFilter() {
    return sandboxFilter;
  }

  /** The SQLite catalog labels are read from. */
  public Path catalog() {
    return catalog;
  }

  /** The longest a collection waits for the catalog. */
  public Duration labelsTimeout() {
    return labelsTimeout;
  }

  /** How the registry is mapped, as configured ({@link RegistryAccess#AUTO} by default). */
  public RegistryAccess registryAccess() {
    return reader;
  }

  /**
   * The sampling period: {@code defaultInterval} when not set (the sidecar samples every second, an
   * application at each export); null when sampling follows the metric reader's collections.
   */
  public Duration collectInterval(Duration defaultInterval) {
    Duration interval = collectInterval == null ? defaultInterval : collectInterval;
    return interval == null || interval.isZero() ? null : interval;
  }

  /** Collections buffered per push exporter while an interval is set. */
  public int maxBuffered() {
    return maxBuffered;
  }

  /** The reader options these settings imply. */
  public RegistryReader.Options readerOptions() {
    return new RegistryReader.Options(
        maxSampleAge, ownerCheck, reader, home.isEmpty() ? null : Path.of(home));
  }

  /** {@code otel.microsandbox.max.sample.age} → {@code OTEL_MICROSANDBOX_MAX_SAMPLE_AGE}. */
  public static String envName(String property) {
    return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static boolean bool(Source config, String property, boolean fallback) throws Invalid {
    String value = valueOf(config, property);
    if (value == null) {
      return fallback;
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new Invalid(config, property, value, "expected true or false");
    }
  }

  private static Duration collectInterval(Source config) throws Invalid {
    String value = valueOf(config, COLLECT_INTERVAL);
    if (value == null) {
      return null;
    }
    if (value.trim().equalsIgnoreCase("off")) {
      return Duration.ZERO;
    }
    Duration interval = duration(config, COLLECT_INTERVAL, null);
    if (interval.compareTo(Duration.ofMillis(10)) < 0) {
      throw new Invalid(
          config,
          COLLECT_INTERVAL,
          value,
          "must be off or at least 10ms (msb samples" + " about once a second)");
    }
    return interval;
  }

  private static SeriesSelection series(Source config) throws Invalid {
    String value = valueOf(config, INSTRUMENTS);
    InstrumentSet set = value == null ? InstrumentSet.MSB : InstrumentSet.parse(value);
    if (set == null) {
      throw new Invalid(config, INSTRUMENTS, value, "expected msb, semconv or both");
    }
    String on = valueOf(config, LABELS_ON);
    boolean labelsOnInfo = on != null && on.trim().equalsIgnoreCase("info");
    if (on != null && !labelsOnInfo && !on.trim().equalsIgnoreCase("points")) {
      throw new Invalid(config, LABELS_ON, on, "expected points or info");
    }
    Set<String> names = SeriesSelection.metricNames(set, labelsOnInfo);
    List<Pattern> excluded = new ArrayList<>();
    for (String glob : list(config, METRICS_EXCLUDE)) {
      Pattern pattern = Globs.compile(glob);
      if (names.stream().noneMatch(name -> pattern.matcher(name).matches())) {
        throw new Invalid(
            config,
            METRICS_EXCLUDE,
            config.getString(METRICS_EXCLUDE),
            "'"
                + glob
                + "' matches none of the metric names of this instrument set ("
                + set.name().toLowerCase(Locale.ROOT)
                + "): "
                + String.join(", ", names));
      }
      excluded.add(pattern);
    }
    return new SeriesSelection(set, labelsOnInfo, excluded);
  }

  private static Pattern regex(Source config, String property) throws Invalid {
    String value = valueOf(config, property);
    if (value == null) {
      return null;
    }
    try {
      return Pattern.compile(value.trim());
    } catch (PatternSyntaxException e) {
      throw new Invalid(
          config,
          property,
          value,
          "not a regular expression: " + e.getDescription() + " at index " + e.getIndex());
    }
  }

  private static int positiveInt(Source config, String property, int fallback) throws Invalid {
    String value = valueOf(config, property);
    if (value == null) {
      return fallback;
    }
    Integer parsed = WholeNumbers.parse(value, 1, 100_000);
    if (parsed == null) {
      throw new Invalid(config, property, value, "expected a whole number from 1 to 100000");
    }
    return parsed;
  }

  /**
   * One of the SDK's attribute limits, as a label limit: {@code fallback} when it is not set. A bad
   * value is the SDK's to report; here it means the fallback.
   */
  private static int sdkLimit(Source config, String property, int fallback, int least) {
    String value = config.getSdkString(property);
    Integer parsed = value == null ? null : WholeNumbers.parse(value, least, Integer.MAX_VALUE);
    return parsed == null ? fallback : parsed;
  }

  /** The setting's text, or null when it is unset or blank (the default applies). */
  private static String valueOf(Source config, String property) {
    String value = config.getString(property);
    return value == null || value.isBlank() ? null : value;
  }

  private static Path path(Source config, String property, Path fallback) {
    String value = config.getString(property);
    return value == null || value.isEmpty() ? fallback : Path.of(value);
  }

  private static RegistryAccess access(Source config) throws Invalid {
    String value = valueOf(config, READER);
    if (value == null) {
      return RegistryAccess.AUTO;
    }
    RegistryAccess access = RegistryAccess.parse(value);
    if (access == null) {
      throw new Invalid(config, READER, value, "expected " + RegistryAccess.CHOICES);
    }
    String unavailable = access.unavailableReason();
    if (unavailable != null) {
      throw new Invalid(config, READER, value, unavailable + "; use auto or buffer");
    }
    return access;
  }

  private static Duration duration(Source config, String property, Duration fallback)
      throws Invalid {
    String value = valueOf(config, property);
    if (value == null) {
      return fallback;
    }
    try {
      return Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new Invalid(config, property, value, e.getMessage());
    }
  }

  private static Set<String> list(Source config, String property) {
    String value = config.getString(property);
    Set<String> keys = new TreeSet<>();
    if (value != null) {
      Arrays.stream(value.split(","))
          .map(String::trim)
          .filter(k -> !k.isEmpty())
          .forEach(keys::add);
    }
    return Set.copyOf(keys);
  }
}
