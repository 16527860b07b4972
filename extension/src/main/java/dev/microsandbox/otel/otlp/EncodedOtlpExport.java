package dev.microsandbox.otel.otlp;

import dev.microsandbox.otel.support.FailureLog;
import io.opentelemetry.exporter.internal.marshal.Marshaler;
import io.opentelemetry.exporter.internal.marshal.Serializer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MessageWriter;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends metrics encoded by {@link MetricsRequestEncoder} through the transport of one of the SDK's
 * OTLP metric exporters (http/protobuf or gRPC): the exporter's own sender, so its endpoint,
 * headers, TLS, compression, timeout, retry and self-metrics apply unchanged; only the encoding is
 * ours. The transport is the exporter's internal one, reached by reflection, so {@link #of} accepts
 * only the shape it knows (SDK 1.59 and later: agent 2.25 on, and the bundle) and says null for any
 * other exporter or version, whose requests then go through the exporter as before. Thread-safe.
 */
public final class EncodedOtlpExport {

  private static final Logger LOGGER = Logger.getLogger(EncodedOtlpExport.class.getName());

  private static final String HTTP_EXPORTER =
      "io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter";
  private static final String GRPC_EXPORTER =
      "io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter";

  /** Buffers kept for the next requests: one in flight and one being encoded. */
  private static final int SPARE_BUFFERS = 2;

  /** A buffer that grew past this (an unusually large request) is not kept. */
  private static final int LARGEST_KEPT = 8 << 20;

  /**
   * A request goes to the sender's stream in writes of this many bytes. The JDK HTTP sender buffers
   * it in a byte array stream it keeps per thread: written at once, the stream grows to the first
   * request's exact size, and the next request a few bytes larger doubles it, while the connection
   * that sent the first keeps that array; written in slices, it grows by doubling from the first
   * slice and keeps room for the requests to come (measured: 1.0 MB for requests of 0.8 MB, where
   * 1.65 MB and a kept 0.8 MB were held before).
   */
  private static final int WRITE_SLICE = 64 << 10;

  private final Object transport;
  private final MethodHandle send; // (transport, Marshaler, int items) -> CompletableResultCode
  private final MetricsRequestEncoder encoder = new MetricsRequestEncoder();
  private final ArrayDeque<ProtoOutput> spare = new ArrayDeque<>(SPARE_BUFFERS);
  private final FailureLog encodeFailures =
      new FailureLog(
          LOGGER,
          "microsandbox metrics: encoding a request failed; from now on the exporter's own"
              + " marshaler encodes every request");
  private volatile boolean broken;

  private EncodedOtlpExport(Object transport, MethodHandle send) {
    this.transport = transport;
    this.send = send;
  }

  /**
   * The encoded export through {@code exporter}'s transport; null if it is not an OTLP
   * http/protobuf or gRPC metric exporter of a shape this knows (http/json included: it sends
   * JSON).
   */
  public static EncodedOtlpExport of(MetricExporter exporter) {
    String type = exporter.getClass().getName();
    if (!type.equals(HTTP_EXPORTER) && !type.equals(GRPC_EXPORTER)) {
      return null;
    }
    try {
      // Only where a marshaler hands the sender a MessageWriter (SDK 1.59 on) does our request
      // class link; before that the transports took other shapes.
      if (!Marshaler.class
          .getMethod("toBinaryMessageWriter")
          .getReturnType()
          .getName()
          .equals("io.opentelemetry.sdk.common.export.MessageWriter")) {
        return null;
      }
      Object transport = field(exporter, "delegate");
      if (type.equals(HTTP_EXPORTER) && (Boolean) field(transport, "exportAsJson")) {
        return null;
      }
      MethodHandle send =
          MethodHandles.publicLookup()
              .findVirtual(
                  transport.getClass(),
                  "export",
                  MethodType.methodType(CompletableResultCode.class, Marshaler.class, int.class));
      return new EncodedOtlpExport(transport, send);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOGGER.log(
          Level.FINE,
          "microsandbox metrics: " + type + " is not of a shape this knows; it marshals its own",
          e);
      return null;
    }
  }

  private static Object field(Object owner, String name) throws ReflectiveOperationException {
    Field field = owner.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return field.get(owner);
  }

  /**
   * Sends {@code metrics} as one request; null, having sent nothing, if the encoder declines them
   * (or failed before), for the exporter to send them itself.
   */
  public CompletableResultCode export(Collection<MetricData> metrics) {
    if (broken) {
      return null;
    }
    ProtoOutput body = take();
    try {
      boolean encoded;
      synchronized (encoder) {
        encoded = encoder.encode(metrics, body);
      }
      if (!encoded) {
        release(body);
        return null;
      }
    } catch (RuntimeException e) {
      broken = true;
      encodeFailures.failed(e);
      return null;
    }
    CompletableResultCode sent;
    try {
      sent =
          (CompletableResultCode) send.invoke(transport, new EncodedRequest(body), metrics.size());
    } catch (RuntimeException | Error e) {
      release(body);
      throw e;
    } catch (Throwable e) {
      release(body);
      throw new IllegalStateException(e);
    }
    sent.whenComplete(() -> release(body));
    return sent;
  }

  private ProtoOutput take() {
    synchronized (spare) {
      ProtoOutput body = spare.poll();
      return body != null ? body : new ProtoOutput(64 << 10);
    }
  }

  private void release(ProtoOutput body) {
    synchronized (spare) {
      if (spare.size() < SPARE_BUFFERS && body.capacity() <= LARGEST_KEPT) {
        spare.push(body);
      }
    }
  }

  /** A request already encoded: the SDK's transports ask a marshaler for its bytes this way. */
  private static final class EncodedRequest extends Marshaler {
    private final ProtoOutput body;

    EncodedRequest(ProtoOutput body) {
      this.body = body;
    }

    @Override
    public int getBinarySerializedSize() {
      return body.length();
    }

    @Override
    protected void writeTo(Serializer output) throws IOException {
      output.writeSerializedMessage(Arrays.copyOf(body.array(), body.length()), "");
    }

    @Override
    public MessageWriter toBinaryMessageWriter() {
      return new MessageWriter() {
        @Override
        public void writeMessage(OutputStream output) throws IOException {
          byte[] bytes = body.array();
          for (int from = 0; from < body.length(); from += WRITE_SLICE) {
            output.write(bytes, from, Math.min(WRITE_SLICE, body.length() - from));
          }
        }

        @Override
        public int getContentLength() {
          return body.length();
        }
      };
    }
  }
}
