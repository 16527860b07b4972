package dev.microsandbox.otel.otel;

import dev.microsandbox.otel.registry.RegistryLocation;
import dev.microsandbox.otel.registry.RegistryReader;
import dev.microsandbox.otel.support.Durations;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The extension's configuration, read once at start-up from the agent's {@link ConfigProperties}:
 * every option is a system property {@code otel.microsandbox.*} and an environment variable
 * {@code OTEL_MICROSANDBOX_*}. Values are parsed strictly; a bad one is an {@link Invalid} naming
 * the variable and the value, and the extension stays off.
 *
 * @param enabled whether the extension does anything at all
 * @param home the microsandbox home the registry name is derived from
 * @param registry the registry file
 * @param emitRunId add {@code sandbox.run_id} to every datapoint
 * @param emitPid add {@code sandbox.pid} to every datapoint
 * @param maxSampleAge leave out samples older than this; zero disables
 * @param ownerCheck leave out active slots whose owner pid is gone
 * @param labelsEnabled attach catalog labels
 * @param labelsExclude label keys withheld from metrics
 * @param catalog the SQLite catalog labels are read from
 * @param labelsTimeout the longest a collection waits for the catalog
 */
public record MicrosandboxSettings(boolean enabled, String home, Path registry, boolean emitRunId,
    boolean emitPid, Duration maxSampleAge, boolean ownerCheck, boolean labelsEnabled,
    Set<String> labelsExclude, Path catalog, Duration labelsTimeout) {

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

  /** Default longest wait for the catalog in one collection. */
  public static final Duration DEFAULT_LABELS_TIMEOUT = Duration.ofMillis(50);

  /** A setting that cannot be used. */
  public static final class Invalid extends Exception {
    Invalid(String property, String value, String why) {
      super(envName(property) + " (" + property + ") = '" + value + "': " + why);
    }
  }

  /**
   * Reads the settings.
   *
   * @param env the process environment, for {@code MSB_HOME} and {@code HOME}
   * @throws Invalid naming the first unusable value
   */
  public static MicrosandboxSettings from(ConfigProperties config, Map<String, String> env)
      throws Invalid {
    boolean enabled = bool(config, ENABLED, true);
    String home = config.getString(HOME);
    if (home == null || home.isEmpty()) {
      home = RegistryLocation.resolveHome(env);
    }
    String registry = config.getString(REGISTRY);
    String catalog = config.getString(CATALOG);
    Duration timeout = duration(config, LABELS_TIMEOUT, DEFAULT_LABELS_TIMEOUT);
    if (timeout.isZero()) {
      throw new Invalid(LABELS_TIMEOUT, config.getString(LABELS_TIMEOUT), "must be above zero");
    }
    return new MicrosandboxSettings(enabled, home,
        registry == null || registry.isEmpty() ? RegistryLocation.registryFile(home) : Path.of(registry),
        bool(config, EMIT_RUN_ID, false), bool(config, EMIT_PID, false),
        duration(config, MAX_SAMPLE_AGE, RegistryReader.Options.DEFAULTS.maxSampleAge()),
        bool(config, OWNER_CHECK, true), bool(config, LABELS_ENABLED, true),
        list(config, LABELS_EXCLUDE),
        catalog == null || catalog.isEmpty() ? RegistryLocation.catalogFile(home) : Path.of(catalog),
        timeout);
  }

  /** The reader options these settings imply. */
  public RegistryReader.Options readerOptions() {
    return new RegistryReader.Options(maxSampleAge, ownerCheck);
  }

  /** {@code otel.microsandbox.max.sample.age} → {@code OTEL_MICROSANDBOX_MAX_SAMPLE_AGE}. */
  static String envName(String property) {
    return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static boolean bool(ConfigProperties config, String property, boolean fallback)
      throws Invalid {
    String value = config.getString(property);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new Invalid(property, value, "expected true or false");
    };
  }

  private static Duration duration(ConfigProperties config, String property, Duration fallback)
      throws Invalid {
    String value = config.getString(property);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new Invalid(property, value, e.getMessage());
    }
  }

  private static Set<String> list(ConfigProperties config, String property) {
    String value = config.getString(property);
    Set<String> keys = new TreeSet<>();
    if (value != null) {
      Arrays.stream(value.split(",")).map(String::trim).filter(k -> !k.isEmpty()).forEach(keys::add);
    }
    return Set.copyOf(keys);
  }
}
