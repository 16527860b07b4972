#!/usr/bin/env bash
# measure.sh [--sandboxes N] [--seconds S] [--warmup S] -- COMMAND...
#
# Prints the resident memory, CPU share and start-up time of a sidecar command line, the way the
# README's Performance section reports them. It starts the simulator with N active sandboxes
# (default 1000) under a temporary MSB_HOME and a local OTLP/HTTP receiver, then runs COMMAND with
# MSB_HOME and OTEL_EXPORTER_OTLP_ENDPOINT pointing at them (and OTEL_METRIC_EXPORT_INTERVAL=10000
# unless set). Start-up is JVM launch to the first export, less the export interval. Memory and
# CPU are read from /proc after the warm-up (default 30 s) over S seconds (default 60).
#
# Example (from the project root, after mvn -DskipTests package):
#   examples/sidecar/measure.sh -- java -Xmx64m -javaagent:agent-bundle/target/msb-otel-agent.jar \
#       -jar agent-bundle/target/msb-otel-agent.jar sidecar
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
sandboxes=1000 seconds=60 warmup=30
while [ $# -gt 0 ]; do
  case "$1" in
    --sandboxes) sandboxes=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--sandboxes N] [--seconds S] [--warmup S] -- COMMAND..." >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--sandboxes N] [--seconds S] [--warmup S] -- COMMAND..." >&2; exit 2; }
java_home=$("$root/examples/bin/find-jdk" 11) || { echo "measure: needs Java 11+" >&2; exit 2; }
. "$root/examples/bin/simulated-host.sh"
simulated_host measure "$java_home/bin/java" "$sandboxes"

interval=${OTEL_METRIC_EXPORT_INTERVAL:-10000}
start=$(date +%s.%N)
MSB_HOME="$work/home" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" \
  OTEL_METRIC_EXPORT_INTERVAL="$interval" "$@" >"$work/command.log" 2>&1 &
pid=$!
pids+=($pid)
for _ in $(seq $(( (interval / 1000 + 60) * 10 ))); do
  [ -s "$work/first-export" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "measure: the command exited:" >&2; tail -n 20 "$work/command.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/first-export" ] || { echo "measure: no export arrived" >&2; exit 1; }
startup=$(python3 -c "print('%.2f' % ($(cat "$work/first-export") - $start - $interval / 1000.0))")

sleep "$warmup"
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
t0=$(ticks); s0=$(date +%s.%N)
sleep "$seconds"
t1=$(ticks); s1=$(date +%s.%N)
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
hz=$(getconf CLK_TCK)
cpu=$(python3 -c "print('%.2f' % (($t1 - $t0) / $hz / ($s1 - $s0) * 100))")
echo "sandboxes=$sandboxes resident_MB=$((rss_kb / 1024)) cpu_percent_of_a_core=$cpu startup_s=$startup"
