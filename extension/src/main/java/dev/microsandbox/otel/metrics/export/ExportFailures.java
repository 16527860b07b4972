package dev.microsandbox.otel.metrics.export;

import io.opentelemetry.sdk.common.CompletableResultCode;

/** Why an export failed, in a few words for one log line. */
final class ExportFailures {

  private static final boolean HAS_CAUSE = SdkFeatures.hasFailureThrowable();

  private ExportFailures() {}

  /**
   * The first cause {@code failed} carries below the wrappers of the SDK and the JDK's HTTP client,
   * in words where it is a common one ({@code cannot connect (java.net.ConnectException …)}), or a
   * pointer to the exporter's own message where the SDK or the exporter gives none.
   */
  static String cause(CompletableResultCode failed) {
    Throwable thrown = HAS_CAUSE ? failed.getFailureThrowable() : null;
    if (thrown == null) {
      return "the exporter gave no cause (its own log line may)";
    }
    Throwable first = thrown;
    for (int depth = 0; first.getCause() != null && isWrapper(first) && depth < 16; depth++) {
      first = first.getCause();
    }
    String raw =
        first.getMessage() == null && first.getCause() != null
            ? first + ", " + first.getCause()
            : first.toString();
    String words = words(first);
    return words == null ? raw : words + " (" + raw + ")";
  }

  private static boolean isWrapper(Throwable t) {
    return t.getClass().getName().startsWith("io.opentelemetry.")
        || t instanceof java.util.concurrent.CompletionException
        || t instanceof java.util.concurrent.ExecutionException
        || t instanceof java.io.UncheckedIOException;
  }

  /** What an operator reads a common network failure as; null for any other. */
  private static String words(Throwable t) {
    if (t instanceof java.net.ConnectException) {
      return "cannot connect: nothing listens there, or the host is unreachable";
    }
    if (t instanceof java.net.UnknownHostException) {
      return "the host name does not resolve";
    }
    if (t instanceof java.net.SocketTimeoutException
        || t.getClass().getName().equals("java.net.http.HttpTimeoutException")
        || t.getClass().getName().equals("java.net.http.HttpConnectTimeoutException")) {
      return "timed out";
    }
    if (t instanceof javax.net.ssl.SSLException) {
      return "TLS failed";
    }
    return null;
  }

  /** Fails {@code result} as {@code failed} failed: with its cause, where the SDK carries one. */
  static void failAs(CompletableResultCode result, CompletableResultCode failed) {
    Throwable cause = HAS_CAUSE ? failed.getFailureThrowable() : null;
    if (cause != null) {
      result.failExceptionally(cause);
    } else {
      result.fail();
    }
  }
}
