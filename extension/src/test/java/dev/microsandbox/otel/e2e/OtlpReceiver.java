package dev.microsandbox.otel.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * A real OTLP receiver for the end-to-end tests: metrics over http/protobuf on {@code /v1/metrics}
 * or gRPC {@code MetricsService/Export}, and logs over http/protobuf on {@code /v1/logs}, decoding
 * requests with the official OTLP protobuf classes and keeping the metrics with their headers.
 */
public final class OtlpReceiver implements AutoCloseable {

  /** One export as received. */
  public record Received(Map<String, String> headers, ExportMetricsServiceRequest request) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<ExportLogsServiceRequest> logs = new CopyOnWriteArrayList<>();
  private final HttpServer http;
  private final Server grpc;
  private final int port;

  private OtlpReceiver(boolean grpcProtocol, int port) throws IOException {
    if (grpcProtocol) {
      http = null;
      grpc =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
              .addService(
                  ServerInterceptors.intercept(
                      new MetricsServiceGrpc.MetricsServiceImplBase() {
                        @Override
                        public void export(
                            ExportMetricsServiceRequest request,
                            StreamObserver<ExportMetricsServiceResponse> response) {
                          received.add(new Received(HeaderCapture.CURRENT.get(), request));
                          response.onNext(ExportMetricsServiceResponse.getDefaultInstance());
                          response.onCompleted();
                        }
                      },
                      new HeaderCapture()))
              .build()
              .start();
      this.port = grpc.getPort();
    } else {
      grpc = null;
      http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
      http.createContext(
          "/v1/metrics",
          exchange ->
              answer(
                  exchange,
                  body -> received.add(new Received(headers(exchange), parse(body))),
                  ExportMetricsServiceResponse.getDefaultInstance().toByteArray()));
      http.createContext(
          "/v1/logs",
          exchange ->
              answer(
                  exchange,
                  body -> logs.add(ExportLogsServiceRequest.parseFrom(body)),
                  ExportLogsServiceResponse.getDefaultInstance().toByteArray()));
      http.start();
      this.port = http.getAddress().getPort();
    }
  }

  /** What the receiver does with one request body, decoded from gzip where it says so. */
  private interface BodyHandler {
    void accept(InputStream body) throws IOException;
  }

  private static ExportMetricsServiceRequest parse(InputStream body) throws IOException {
    return ExportMetricsServiceRequest.parseFrom(body);
  }

  private static Map<String, String> headers(HttpExchange exchange) {
    Map<String, String> headers = new TreeMap<>();
    exchange
        .getRequestHeaders()
        .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
    return headers;
  }

  private static void answer(HttpExchange exchange, BodyHandler handler, byte[] response)
      throws IOException {
    try (InputStream raw = exchange.getRequestBody();
        InputStream body =
            "gzip".equals(headers(exchange).get("content-encoding"))
                ? new GZIPInputStream(raw)
                : raw) {
      handler.accept(body);
    }
    exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
    exchange.sendResponseHeaders(200, response.length == 0 ? -1 : response.length);
    exchange.close();
  }

  /** An http/protobuf receiver on a free port. */
  public static OtlpReceiver http() throws IOException {
    return new OtlpReceiver(false, 0);
  }

  /** An http/protobuf receiver on {@code port} (a receiver coming back after an outage). */
  public static OtlpReceiver http(int port) throws IOException {
    return new OtlpReceiver(false, port);
  }

  /** A gRPC receiver on a free port. */
  public static OtlpReceiver grpc() throws IOException {
    return new OtlpReceiver(true, 0);
  }

  /** The port it listens on (127.0.0.1). */
  public int port() {
    return port;
  }

  /** The base endpoint for {@code OTEL_EXPORTER_OTLP_ENDPOINT}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** Everything received so far. */
  public List<Received> received() {
    return List.copyOf(received);
  }

  /** Every logs request received so far (http/protobuf {@code /v1/logs}). */
  public List<ExportLogsServiceRequest> receivedLogs() {
    return List.copyOf(logs);
  }

  @Override
  public void close() {
    if (http != null) {
      http.stop(0);
    }
    if (grpc != null) {
      grpc.shutdownNow();
    }
  }

  /** Hands the request headers of the current gRPC call to the service method. */
  private static final class HeaderCapture implements ServerInterceptor {
    static final ThreadLocal<Map<String, String>> CURRENT = ThreadLocal.withInitial(Map::of);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata metadata, ServerCallHandler<Q, R> next) {
      Map<String, String> headers = new TreeMap<>();
      for (String key : metadata.keys()) {
        if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          headers.put(key, metadata.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
        }
      }
      ServerCall.Listener<Q> delegate = next.startCall(call, metadata);
      return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
          delegate) {
        @Override
        public void onHalfClose() {
          CURRENT.set(headers);
          try {
            super.onHalfClose();
          } finally {
            CURRENT.remove();
          }
        }
      };
    }
  }
}
