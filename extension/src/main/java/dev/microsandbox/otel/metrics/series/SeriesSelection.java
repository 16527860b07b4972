package dev.microsandbox.otel.metrics.series;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The series this configuration reports: the instrument set's, minus the excluded metric names, and
 * whether labels go on a separate {@code microsandbox.sandbox.info} gauge. Decides each series'
 * identity attributes: {@code container.*} for the semantic conventions (and for everything in the
 * {@code semconv} set), {@code sandbox.*} otherwise. Immutable.
 */
public final class SeriesSelection {

  /** The gauge that carries the labels when they are not on every point. */
  static final String INFO_METRIC = SandboxSeries.SANDBOX_INFO.metricName;

  /** The counter of runs seen to stop, by reason: in every set, and excluded like a series. */
  public static final String STOPS_METRIC = "microsandbox.sandbox.stops";

  /** {@code msb-metrics}' gauges with labels on every point: today's default. */
  public static final SeriesSelection DEFAULT =
      new SeriesSelection(InstrumentSet.MSB, false, List.of());

  private final InstrumentSet set;
  private final boolean labelsOnInfo;
  private final SandboxSeries[] enabled;
  private final SandboxSeries[] gauges;
  private final SandboxSeries[] sums;
  private final boolean reportsStops;

  /**
   * @param excluded patterns on metric names (the settings check that each matches a name of {@link
   *     #metricNames})
   */
  public SeriesSelection(InstrumentSet set, boolean labelsOnInfo, Collection<Pattern> excluded) {
    this.set = set;
    this.labelsOnInfo = labelsOnInfo;
    List<SandboxSeries> kept = new ArrayList<>();
    for (SandboxSeries series : SandboxSeries.all()) {
      boolean inSet =
          series.family == SandboxSeries.Family.INFO ? labelsOnInfo : set.includes(series.family);
      if (inSet && !matchesAny(excluded, series.metricName)) {
        kept.add(series);
      }
    }
    enabled = kept.toArray(new SandboxSeries[0]);
    gauges = kept.stream().filter(s -> !s.isSum()).toArray(SandboxSeries[]::new);
    sums = kept.stream().filter(SandboxSeries::isSum).toArray(SandboxSeries[]::new);
    reportsStops = !matchesAny(excluded, STOPS_METRIC);
  }

  /**
   * Every metric name {@code set} can report, in series order, then the info gauge and the stops
   * counter.
   */
  public static Set<String> metricNames(InstrumentSet set, boolean labelsOnInfo) {
    Set<String> names = new LinkedHashSet<>();
    Arrays.stream(SandboxSeries.all())
        .filter(s -> set.includes(s.family))
        .forEach(s -> names.add(s.metricName));
    if (labelsOnInfo) {
      names.add(INFO_METRIC);
    }
    names.add(STOPS_METRIC);
    return names;
  }

  private static boolean matchesAny(Collection<Pattern> patterns, String name) {
    return patterns.stream().anyMatch(p -> p.matcher(name).matches());
  }

  /**
   * The reported series, in {@link SandboxSeries} order, the info gauge included when reported
   * (shared; do not modify).
   */
  public SandboxSeries[] enabled() {
    return enabled;
  }

  /** The reported gauges (the info gauge included): what has no start of its own. */
  public SandboxSeries[] gauges() {
    return gauges;
  }

  /** The reported counters and up-down counters: points that start with the sandbox's run. */
  public SandboxSeries[] sums() {
    return sums;
  }

  /** Whether the counter of stopped runs ({@value #STOPS_METRIC}) is reported. */
  public boolean reportsStops() {
    return reportsStops;
  }

  /** Whether labels go on the info gauge only. */
  boolean labelsOnInfo() {
    return labelsOnInfo;
  }

  /** Whether the info gauge is reported. */
  boolean reportsInfo() {
    return Arrays.asList(enabled).contains(SandboxSeries.SANDBOX_INFO);
  }

  /** Whether points of {@code series} carry the {@code container.*} identity. */
  boolean semconvIdentity(SandboxSeries series) {
    return series.family == SandboxSeries.Family.SEMCONV
        || (series.family == SandboxSeries.Family.EVERY_SET && set == InstrumentSet.SEMCONV);
  }

  /** Whether any reported series carries the {@code sandbox.*} identity. */
  boolean usesMsbIdentity() {
    return Arrays.stream(enabled).anyMatch(s -> !isInfo(s) && !semconvIdentity(s))
        || (reportsInfo() && set != InstrumentSet.SEMCONV);
  }

  /** Whether any reported series carries the {@code container.*} identity. */
  boolean usesSemconvIdentity() {
    return Arrays.stream(enabled).anyMatch(s -> !isInfo(s) && semconvIdentity(s))
        || (reportsInfo() && set != InstrumentSet.MSB);
  }

  /** The info gauge carries whichever identities the other series use (and the labels). */
  private static boolean isInfo(SandboxSeries series) {
    return series.family == SandboxSeries.Family.INFO;
  }
}
