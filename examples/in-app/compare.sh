#!/usr/bin/env bash
# compare.sh [--sandboxes N] [--seconds S] [--warmup S] [--heap SIZE] [--java JAVA_HOME] [--jfr DIR]
#            [--extension JAR]
#
# What the extension costs an application, measured side by side: two idle JVMs started at the same
# moment with the same flags, one with the plain OpenTelemetry agent, one with the same agent plus
# the extension, both exporting OTLP/HTTP every 10 s (OTEL_METRIC_EXPORT_INTERVAL) to a local
# receiver, over a simulator with N active sandboxes (default 1000). Once the extension has started,
# and after the warm-up (default 60 s), it samples both every second for S seconds (default 300) and prints, for each and as the
# difference: CPU in % of a core and in ms per export, mean resident memory, and NMT's committed
# total. These machines are noisy: only a difference from the same window means anything.
#
# --heap sets -Xms and -Xmx alike (default 256m), so that heap sizing does not decide the RSS
# difference. --jfr DIR records the extension's JVM with JFR's profile settings over the window
# and writes DIR/app.jfr and DIR/hot-methods.txt (jfr view, JDK 21+). JFR costs CPU and native
# memory of its own, on that JVM only: measure the cost without it, and profile with a short export
# interval (OTEL_METRIC_EXPORT_INTERVAL=1000) so that the samples are of exports, not of idling. --extension measures another
# build of the extension jar (an earlier commit's, for a before/after comparison).
#
# Example (from the project root, after mvn -B -DskipTests package):
#   examples/in-app/compare.sh --java /usr/lib/jvm/temurin-25-jdk-amd64 --jfr /tmp/jfr
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
sandboxes=1000 seconds=300 warmup=60 heap=256m java_home="" jfr=""
extension="$root/extension/target/msb-otel-extension.jar"
usage="usage: $0 [--sandboxes N] [--seconds S] [--warmup S] [--heap SIZE] [--java JAVA_HOME] [--jfr DIR] [--extension JAR]"
while [ $# -gt 0 ]; do
  case "$1" in
    --sandboxes) sandboxes=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --heap) heap=$2; shift 2 ;;
    --java) java_home=$2; shift 2 ;;
    --jfr) jfr=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    --extension) extension=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
agent="$root/agent-bundle/target/agent/opentelemetry-javaagent.jar"
for jar in "$agent" "$extension"; do
  [ -f "$jar" ] || { echo "compare: $jar is missing; build first (mvn -B -DskipTests package)" >&2; exit 2; }
done
[ -n "$java_home" ] || java_home=$("$root/examples/bin/find-jdk" 11) || { echo "compare: needs Java 11+" >&2; exit 2; }
java="$java_home/bin/java"

. "$root/examples/bin/simulated-host.sh"
simulated_host compare "$java" "$sandboxes"

# The application: a main thread that sleeps, as an idle service does between requests.
mkdir -p "$work/app"
cat >"$work/app/Idle.java" <<'JAVA'
public class Idle {
  public static void main(String[] args) throws InterruptedException {
    Thread.sleep(Long.MAX_VALUE);
  }
}
JAVA
"$java_home/bin/javac" -d "$work/app" "$work/app/Idle.java"

start_app() { # name, extra flags...
  local name=$1; shift
  MSB_HOME="$work/home" OTEL_SERVICE_NAME="$name" OTEL_METRICS_EXPORTER=otlp \
    OTEL_TRACES_EXPORTER=none OTEL_LOGS_EXPORTER=none OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
    OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" \
    OTEL_METRIC_EXPORT_INTERVAL="${OTEL_METRIC_EXPORT_INTERVAL:-10000}" \
    "$java" "-Xms$heap" "-Xmx$heap" -XX:NativeMemoryTracking=summary "-javaagent:$agent" "$@" \
    -cp "$work/app" Idle >"$work/$name.log" 2>&1 &
  echo $!
}
plain=$(start_app plain)
pids+=("$plain")
with=$(start_app with-extension "-Dotel.javaagent.extensions=$extension")
pids+=("$with")

for _ in $(seq 1200); do
  grep -q "microsandbox metrics on" "$work/with-extension.log" && break
  kill -0 "$with" 2>/dev/null || break
  sleep 0.1
done
grep -q "microsandbox metrics on" "$work/with-extension.log" \
  || { echo "compare: the extension did not start:" >&2; tail -n 20 "$work/with-extension.log" >&2; exit 1; }
sleep "$warmup"
[ -z "$jfr" ] || "$java_home/bin/jcmd" "$with" JFR.start name=compare settings=profile >/dev/null
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
p0=$(ticks "$plain"); w0=$(ticks "$with"); s0=$(date +%s.%N)
rss_plain=0 rss_with=0 n=0
for _ in $(seq "$seconds"); do
  sleep 1
  rss_plain=$((rss_plain + $(rss_kb "$plain"))); rss_with=$((rss_with + $(rss_kb "$with"))); n=$((n + 1))
done
p1=$(ticks "$plain"); w1=$(ticks "$with"); s1=$(date +%s.%N)
nmt_kb() { "$java_home/bin/jcmd" "$1" VM.native_memory summary | awk -F'committed=' '/^Total:/ { split($2, a, "KB"); print a[1] }'; }
nmt_plain=$(nmt_kb "$plain"); nmt_with=$(nmt_kb "$with")
[ -z "$jfr" ] || "$java_home/bin/jcmd" "$with" JFR.stop name=compare "filename=$jfr/app.jfr" >/dev/null

python3 - "$(getconf CLK_TCK)" "$p0" "$p1" "$w0" "$w1" "$s0" "$s1" "$rss_plain" "$rss_with" "$n" \
  "$nmt_plain" "$nmt_with" "${OTEL_METRIC_EXPORT_INTERVAL:-10000}" "$sandboxes" "$("$java" -version 2>&1 | head -n 1)" <<'PY'
import sys
hz, p0, p1, w0, w1, s0, s1, rp, rw, n, np, nw, interval, sandboxes, jvm = sys.argv[1:]
hz = float(hz); wall = float(s1) - float(s0)
cpu = lambda a, b: (float(b) - float(a)) / hz / wall * 100
plain, with_ = cpu(p0, p1), cpu(w0, w1)
exports = wall * 1000 / float(interval)
ms = lambda pct: pct / 100 * wall * 1000 / exports
print("%s, %s sandboxes, %.0f s window, export every %s ms" % (jvm, sandboxes, wall, interval))
print("%-16s %14s %14s %14s %14s" % ("", "cpu % of core", "ms per export", "mean RSS MB", "NMT committed MB"))
for name, c, r, m in (("plain agent", plain, float(rp), float(np)), ("with extension", with_, float(rw), float(nw))):
    print("%-16s %14.3f %14.1f %14.1f %14.1f" % (name, c, ms(c), r / int(n) / 1024, m / 1024))
print("%-16s %+14.3f %+14.1f %+14.1f %+14.1f" % ("difference", with_ - plain, ms(with_) - ms(plain),
      (float(rw) - float(rp)) / int(n) / 1024, (float(nw) - float(np)) / 1024))
PY
if [ -n "$jfr" ]; then
  "$java_home/bin/jfr" view --width 160 hot-methods "$jfr/app.jfr" >"$jfr/hot-methods.txt" 2>&1 || true
  echo "JFR: $jfr/app.jfr, hot methods in $jfr/hot-methods.txt"
fi
