package dev.microsandbox.otel.otlp;

import static dev.microsandbox.otel.otlp.ProtoOutput.FIXED64;
import static dev.microsandbox.otel.otlp.ProtoOutput.LEN;
import static dev.microsandbox.otel.otlp.ProtoOutput.VARINT;
import static dev.microsandbox.otel.otlp.ProtoOutput.lenFieldSize;
import static dev.microsandbox.otel.otlp.ProtoOutput.tag;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.internal.marshal.Marshaler;
import io.opentelemetry.exporter.internal.otlp.InstrumentationScopeMarshaler;
import io.opentelemetry.exporter.internal.otlp.KeyValueMarshaler;
import io.opentelemetry.exporter.internal.otlp.ResourceMarshaler;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.resources.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes an OTLP {@code ExportMetricsServiceRequest} of number gauges and sums (the sandbox series
 * and the collector's own metrics) into the protobuf the SDK's marshaler writes for them, field for
 * field. Where the SDK encodes every key and value of every point twice (once to size it, once to
 * write it), this encodes each distinct attribute set once, with the SDK's own key-value marshaler,
 * keeps the bytes while the set is in use, and copies them into every point that carries it: the
 * sidecar's 140,000 points an export share a few thousand sets. The resource and scopes are encoded
 * by the SDK's marshalers, once each. A metric whose points are {@link NumberColumns} is read from
 * its arrays, with no call per point, and a point whose attribute set is the one its place in the
 * last request had reuses that set's bytes without a lookup. A request holding anything else (a
 * histogram, a summary, an exemplar) is declined, for the SDK's marshaler to encode. Not
 * thread-safe.
 *
 * <pre>
 * ExportMetricsServiceRequest  1: ResourceMetrics*
 * ResourceMetrics              1: Resource   2: ScopeMetrics*   3: schema_url
 * ScopeMetrics                 1: Scope      2: Metric*         3: schema_url
 * Metric                       1: name  2: description  3: unit  5: Gauge | 7: Sum
 * Gauge                        1: NumberDataPoint*
 * Sum                          1: NumberDataPoint*  2: temporality (varint)  3: is_monotonic
 * NumberDataPoint              2: start (fixed64)  3: time (fixed64)  4: as_double | 6: as_int
 *                              7: KeyValue* (the attributes)
 * </pre>
 */
public final class MetricsRequestEncoder {

  private static final int RESOURCE_METRICS = tag(1, LEN);
  private static final int RESOURCE = tag(1, LEN);
  private static final int SCOPE_METRICS = tag(2, LEN);
  private static final int SCOPE = tag(1, LEN);
  private static final int METRICS = tag(2, LEN);
  private static final int SCHEMA_URL = tag(3, LEN); // of ResourceMetrics and of ScopeMetrics
  private static final int NAME = tag(1, LEN);
  private static final int DESCRIPTION = tag(2, LEN);
  private static final int UNIT = tag(3, LEN);
  private static final int GAUGE = tag(5, LEN);
  private static final int SUM = tag(7, LEN);
  private static final int DATA_POINTS = tag(1, LEN);
  private static final int TEMPORALITY = tag(2, VARINT);
  private static final int MONOTONIC = tag(3, VARINT);
  private static final int START_TIME = tag(2, FIXED64);
  private static final int TIME = tag(3, FIXED64);
  private static final int AS_DOUBLE = tag(4, FIXED64);
  private static final int AS_INT = tag(6, FIXED64);
  private static final int ATTRIBUTE = tag(7, LEN);

  /** A fixed64 field: its tag and eight bytes. */
  private static final int FIXED64_FIELD = 9;

  /** OTLP's {@code AggregationTemporality} numbers. */
  private static final int DELTA = 1;

  private static final int CUMULATIVE = 2;

  /** Attribute sets kept at least, however small the requests. */
  private static final int MIN_SETS_KEPT = 4096;

  /**
   * The encoded attribute sets by identity, in two generations: a set unused since the last
   * rotation is forgotten at the next, so what is kept stays bounded by what requests use.
   */
  private Map<Attributes, byte[]> recentSets = new IdentityHashMap<>();

  private Map<Attributes, byte[]> olderSets = new IdentityHashMap<>();

  /** The encoded resources and scopes, by identity (few: one resource, a few scopes). */
  private final Map<Object, byte[]> headers = new IdentityHashMap<>();

  private final ProtoOutput scratch = new ProtoOutput(256);
  private final List<Group<Group<MetricPlan>>> resources = new ArrayList<>();
  // Each point of the request in order, as columns: its times, its value, its attributes, their
  // encoding and its size. Sizing fills them, from the metric's own columns (NumberColumns) or
  // through the SDK's interfaces, once; writing reads them. The attributes and their encoding are
  // kept for the next request: the sidecar's requests hold the same sandboxes in the same order,
  // so a point whose set is the one its place held last time needs no lookup.
  private long[] pointStarts = new long[1024];
  private long[] pointTimes = new long[1024];
  private long[] pointValues = new long[1024];
  private Attributes[] pointAttributes = new Attributes[1024];
  private byte[][] pointSets = new byte[1024][];
  private int[] pointSizes = new int[1024];

  /**
   * Writes the request of {@code metrics} into {@code out} (cleared first); false, with {@code out}
   * undefined, if they hold something this does not encode.
   */
  public boolean encode(Collection<MetricData> metrics, ProtoOutput out) {
    resources.clear();
    int points = 0;
    try {
      points = group(metrics);
      if (points < 0) {
        return false;
      }
      rotateSets(points);
      if (pointSizes.length < points) {
        int room = Math.max(points, pointSizes.length * 2);
        pointStarts = new long[room];
        pointTimes = new long[room];
        pointValues = new long[room];
        pointAttributes = new Attributes[room];
        pointSets = new byte[room][];
        pointSizes = new int[room];
      }
      int size = size();
      if (size < 0) {
        return false;
      }
      out.setLength(write(out.reserve(size)));
      return true;
    } finally {
      resources.clear();
    }
  }

  /** Attribute sets kept encoded, in both generations. */
  int setsKept() {
    return recentSets.size() + olderSets.size();
  }

  /** Groups by resource and scope (by identity, as the SDK does); the points, -1 if declined. */
  private int group(Collection<MetricData> metrics) {
    int points = 0;
    for (MetricData metric : metrics) {
      boolean sum;
      switch (metric.getType()) {
        case LONG_GAUGE:
        case DOUBLE_GAUGE:
          sum = false;
          break;
        case LONG_SUM:
        case DOUBLE_SUM:
          sum = true;
          break;
        default:
          return -1;
      }
      boolean doubles =
          metric.getType() == MetricDataType.DOUBLE_GAUGE
              || metric.getType() == MetricDataType.DOUBLE_SUM;
      Collection<? extends PointData> data = metric.getData().getPoints();
      NumberColumns columns = data instanceof NumberColumns ? (NumberColumns) data : null;
      if (columns != null && columns.doubles() != doubles) {
        return -1;
      }
      Resource resource = metric.getResource();
      InstrumentationScopeInfo scope = metric.getInstrumentationScopeInfo();
      groupOf(
              groupOf(resources, resource, resource.getSchemaUrl()).members,
              scope,
              scope.getSchemaUrl())
          .members
          .add(new MetricPlan(metric, sum, doubles, columns));
      points += data.size();
    }
    return points;
  }

  /**
   * The group of {@code key}, a resource or a scope, among {@code groups} (by identity, as the SDK
   * groups them), added if new.
   */
  private <M> Group<M> groupOf(List<Group<M>> groups, Object key, String schemaUrl) {
    for (Group<M> group : groups) {
      if (group.key == key) {
        return group;
      }
    }
    Group<M> group = new Group<>(key, header(key), utf8(schemaUrl));
    groups.add(group);
    return group;
  }

  /** Sizes every message, bottom up: the request's size; -1 if a point is declined. */
  private int size() {
    int point = 0;
    int requestSize = 0;
    for (Group<Group<MetricPlan>> resource : resources) {
      int scopesSize = 0;
      for (Group<MetricPlan> scope : resource.members) {
        int metricsSize = 0;
        for (MetricPlan metric : scope.members) {
          int first = point;
          point =
              metric.columns != null
                  ? takeColumns(metric.columns, point)
                  : takePoints(metric, point);
          if (point < 0) {
            return -1;
          }
          int dataSize = 0;
          for (int p = first; p < point; p++) {
            int size =
                (pointStarts[p] != 0 ? FIXED64_FIELD : 0)
                    + (pointTimes[p] != 0 ? FIXED64_FIELD : 0)
                    + FIXED64_FIELD
                    + pointSets[p].length;
            pointSizes[p] = size;
            dataSize += lenFieldSize(size);
          }
          metric.points = point - first;
          if (metric.sum) {
            dataSize += 2 + (metric.monotonic ? 2 : 0);
          }
          metric.dataSize = dataSize;
          metric.size =
              stringSize(metric.name)
                  + stringSize(metric.description)
                  + stringSize(metric.unit)
                  + lenFieldSize(dataSize);
          metricsSize += lenFieldSize(metric.size);
        }
        scope.size = lenFieldSize(scope.header.length) + metricsSize + stringSize(scope.schemaUrl);
        scopesSize += lenFieldSize(scope.size);
      }
      resource.size =
          lenFieldSize(resource.header.length) + scopesSize + stringSize(resource.schemaUrl);
      requestSize += lenFieldSize(resource.size);
    }
    return requestSize;
  }

  /**
   * Writes the request into {@code b} (room for all of it reserved) from 0; the bytes written. Into
   * the array directly rather than through a stream: the sidecar runs C1 only, which inlines
   * little.
   */
  private int write(byte[] b) {
    int pos = 0;
    int point = 0;
    for (Group<Group<MetricPlan>> resource : resources) {
      pos = putHeader(b, pos, RESOURCE_METRICS, resource.size);
      pos = putBytes(b, pos, RESOURCE, resource.header);
      for (Group<MetricPlan> scope : resource.members) {
        pos = putHeader(b, pos, SCOPE_METRICS, scope.size);
        pos = putBytes(b, pos, SCOPE, scope.header);
        for (MetricPlan metric : scope.members) {
          pos = putHeader(b, pos, METRICS, metric.size);
          pos = putString(b, pos, NAME, metric.name);
          pos = putString(b, pos, DESCRIPTION, metric.description);
          pos = putString(b, pos, UNIT, metric.unit);
          pos = putHeader(b, pos, metric.sum ? SUM : GAUGE, metric.dataSize);
          int valueTag = metric.doubles ? AS_DOUBLE : AS_INT;
          for (int end = point + metric.points; point < end; point++) {
            pos = putHeader(b, pos, DATA_POINTS, pointSizes[point]);
            long start = pointStarts[point];
            if (start != 0) {
              b[pos++] = (byte) START_TIME;
              pos = ProtoOutput.putFixed64(b, pos, start);
            }
            long time = pointTimes[point];
            if (time != 0) {
              b[pos++] = (byte) TIME;
              pos = ProtoOutput.putFixed64(b, pos, time);
            }
            b[pos++] = (byte) valueTag;
            pos = ProtoOutput.putFixed64(b, pos, pointValues[point]);
            byte[] set = pointSets[point];
            System.arraycopy(set, 0, b, pos, set.length);
            pos += set.length;
          }
          if (metric.sum) {
            b[pos++] = (byte) TEMPORALITY;
            b[pos++] = (byte) metric.temporality;
            if (metric.monotonic) {
              b[pos++] = (byte) MONOTONIC;
              b[pos++] = 1;
            }
          }
        }
        pos = putString(b, pos, SCHEMA_URL, scope.schemaUrl);
      }
      pos = putString(b, pos, SCHEMA_URL, resource.schemaUrl);
    }
    return pos;
  }

  /** Takes a metric's columns in as points from {@code point} on; the point after them. */
  private int takeColumns(NumberColumns columns, int point) {
    int n = columns.size();
    System.arraycopy(columns.startEpochNanos(), 0, pointStarts, point, n);
    System.arraycopy(columns.epochNanos(), 0, pointTimes, point, n);
    System.arraycopy(columns.values(), 0, pointValues, point, n);
    Attributes[] attributes = columns.attributes();
    for (int i = 0; i < n; i++) {
      takeAttributes(point + i, attributes[i]);
    }
    return point + n;
  }

  /**
   * Takes a metric's point objects in from {@code point} on; the point after them, or -1 if one is
   * not of the metric's number type or has exemplars.
   */
  private int takePoints(MetricPlan metric, int point) {
    for (PointData p : metric.metric.getData().getPoints()) {
      if (!p.getExemplars().isEmpty()) {
        return -1;
      }
      if (metric.doubles && p instanceof DoublePointData) {
        pointValues[point] = Double.doubleToRawLongBits(((DoublePointData) p).getValue());
      } else if (!metric.doubles && p instanceof LongPointData) {
        pointValues[point] = ((LongPointData) p).getValue();
      } else {
        return -1;
      }
      pointStarts[point] = p.getStartEpochNanos();
      pointTimes[point] = p.getEpochNanos();
      takeAttributes(point++, p.getAttributes());
    }
    return point;
  }

  /** Sets point {@code point}'s attributes and their encoding, unless its place holds them. */
  private void takeAttributes(int point, Attributes set) {
    if (pointAttributes[point] != set) {
      pointAttributes[point] = set;
      pointSets[point] = attributeSet(set);
    }
  }

  private static int putHeader(byte[] b, int pos, int tag, int length) {
    b[pos++] = (byte) tag;
    return ProtoOutput.putVarint(b, pos, length);
  }

  private static int putBytes(byte[] b, int pos, int tag, byte[] bytes) {
    pos = putHeader(b, pos, tag, bytes.length);
    System.arraycopy(bytes, 0, b, pos, bytes.length);
    return pos + bytes.length;
  }

  /** A string field; an empty string is left out, as the SDK leaves it out. */
  private static int putString(byte[] b, int pos, int tag, byte[] utf8) {
    return utf8.length == 0 ? pos : putBytes(b, pos, tag, utf8);
  }

  /** A string field's bytes; an empty string is left out, as the SDK leaves it out. */
  private static int stringSize(byte[] utf8) {
    return utf8.length == 0 ? 0 : lenFieldSize(utf8.length);
  }

  private static byte[] utf8(String text) {
    return text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Starts a new generation of attribute sets once the current one holds more than a request of
   * {@code points} could use (and at least {@link #MIN_SETS_KEPT}).
   */
  private void rotateSets(int points) {
    if (recentSets.size() > Math.max(MIN_SETS_KEPT, points)) {
      Map<Attributes, byte[]> dropped = olderSets;
      olderSets = recentSets;
      dropped.clear();
      recentSets = dropped;
    }
  }

  /** The point attributes {@code set} as encoded {@code KeyValue} fields, encoding it if new. */
  private byte[] attributeSet(Attributes set) {
    byte[] encoded = recentSets.get(set);
    if (encoded == null) {
      encoded = olderSets.remove(set);
      if (encoded == null) {
        scratch.clear();
        for (KeyValueMarshaler keyValue : KeyValueMarshaler.createForAttributes(set)) {
          scratch.lenHeader(ATTRIBUTE, keyValue.getBinarySerializedSize());
          writeTo(scratch, keyValue);
        }
        encoded = Arrays.copyOf(scratch.array(), scratch.length());
      }
      recentSets.put(set, encoded);
    }
    return encoded;
  }

  /** The message body of a resource or a scope, encoded by the SDK's marshaler. */
  private byte[] header(Object resourceOrScope) {
    byte[] encoded = headers.get(resourceOrScope);
    if (encoded == null) {
      if (headers.size() >= 64) {
        headers.clear(); // resources and scopes come and go only in tests; stay bounded anyway
      }
      Marshaler marshaler =
          resourceOrScope instanceof Resource
              ? ResourceMarshaler.create((Resource) resourceOrScope)
              : InstrumentationScopeMarshaler.create((InstrumentationScopeInfo) resourceOrScope);
      scratch.clear();
      writeTo(scratch, marshaler);
      encoded = Arrays.copyOf(scratch.array(), scratch.length());
      headers.put(resourceOrScope, encoded);
    }
    return encoded;
  }

  private static void writeTo(ProtoOutput out, Marshaler marshaler) {
    try {
      marshaler.writeBinaryTo(out.asStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // the stream is a byte array: never
    }
  }

  /** A resource's or a scope's part of a request: its message, its schema URL, its members. */
  private static final class Group<M> {
    final Object key;
    final byte[] header;
    final byte[] schemaUrl;
    final List<M> members = new ArrayList<>(2);
    int size;

    Group(Object key, byte[] header, byte[] schemaUrl) {
      this.key = key;
      this.header = header;
      this.schemaUrl = schemaUrl;
    }
  }

  private static final class MetricPlan {
    final MetricData metric;
    final boolean sum;
    final boolean doubles;
    final NumberColumns columns; // null: point objects
    final byte[] name;
    final byte[] description;
    final byte[] unit;
    final int temporality;
    final boolean monotonic;
    int points;
    int dataSize;
    int size;

    MetricPlan(MetricData metric, boolean sum, boolean doubles, NumberColumns columns) {
      this.metric = metric;
      this.sum = sum;
      this.doubles = doubles;
      this.columns = columns;
      this.name = utf8(metric.getName());
      this.description = utf8(metric.getDescription());
      this.unit = utf8(metric.getUnit());
      SumData<?> data = sum ? (SumData<?>) metric.getData() : null;
      this.temporality =
          data == null
              ? 0
              : data.getAggregationTemporality() == AggregationTemporality.DELTA
                  ? DELTA
                  : CUMULATIVE;
      this.monotonic = data != null && data.isMonotonic();
    }
  }
}
