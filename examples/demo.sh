#!/usr/bin/env bash
# The demo: builds the project if needed, starts the registry simulator and the one-jar bundle's
# sidecar (the lean form, on the plain SDK), and prints per-sandbox metrics, with each sandbox's
# tenant label, from the sidecar's Prometheus endpoint every two seconds. DEMO_V2_SANDBOXES=N adds N
# sandboxes of an older runtime (a v2 registry beside the v3 one); DEMO_CHURN=N sets how many
# sandboxes restart or are replaced per minute (6). Ctrl+C stops everything and removes the demo's
# files.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${DEMO_PORT:-9464}
sandboxes=${DEMO_SANDBOXES:-4}
legacy_sandboxes=${DEMO_V2_SANDBOXES:-0}
churn=${DEMO_CHURN:-6}

java_home=$("$root/examples/bin/find-jdk" 11) || {
  echo "demo: needs Java 11 or newer (JAVA_HOME, java on PATH, or under /usr/lib/jvm)" >&2
  exit 1
}
java="$java_home/bin/java"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "demo: port $port is already in use, so the agent's Prometheus endpoint cannot start there." >&2
  echo "demo: pick another port, e.g.  DEMO_PORT=9465 ./examples/demo.sh" >&2
  exit 1
fi
bundle="$root/agent-bundle/target/msb-otel-agent.jar"
simulator="$root/examples/target/msb-otel-simulator.jar"
if [ ! -f "$bundle" ] || [ ! -f "$simulator" ]; then
  echo "demo: building (first run only; tests skipped, run 'mvn -B verify' for them)..."
  # Maven 3.8 prints colour resets (ESC[0m) even in batch mode with colour off: strip them.
  (cd "$root" && mvn -B -q -Dstyle.color=never -DskipTests package) 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
fi

home=$(mktemp -d "${TMPDIR:-/tmp}/msb-demo.XXXXXX")
pids=()
cleanup() { # runs once: on exit, or on Ctrl+C / SIGTERM, which then end the demo
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # The simulators freed their slots; the registry files stay, as msb leaves them: remove them.
  for registry in $(cat "$home"/simulator*.log 2>/dev/null | grep -o '/dev/shm/msb-met-[0-9a-f]*-v[23]'); do
    rm -f "$registry"
  done
  rm -rf "$home"
  echo; echo "demo: stopped"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

"$java" -Djava.io.tmpdir="$home" -jar "$simulator" --msb-home "$home" --sandboxes "$sandboxes" \
  --churn "$churn" >"$home/simulator.log" 2>&1 &
pids+=($!)
if [ "$legacy_sandboxes" -gt 0 ]; then
  "$java" -Djava.io.tmpdir="$home" -jar "$simulator" --msb-home "$home" --abi 2 \
    --sandboxes "$legacy_sandboxes" --first-id 2001 --no-catalog >"$home/simulator-v2.log" 2>&1 &
  pids+=($!)
fi
MSB_HOME="$home" OTEL_METRICS_EXPORTER=prometheus OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1 \
  OTEL_EXPORTER_PROMETHEUS_PORT="$port" \
  "$java" -Xmx64m -Djava.io.tmpdir="$home" -jar "$bundle" sidecar >"$home/sidecar.log" 2>&1 &
sidecar=$!
pids+=($sidecar)

echo "demo: MSB_HOME=$home; simulator and sidecar started; metrics at http://127.0.0.1:$port/metrics"
while true; do
  sleep 2
  if ! kill -0 "$sidecar" 2>/dev/null; then
    echo "demo: the sidecar stopped; its last lines:" >&2
    tail -n 5 "$home/sidecar.log" >&2
    if grep -q BindException "$home/sidecar.log"; then
      echo "demo: port $port is taken; run with another, e.g.  DEMO_PORT=9465 ./examples/demo.sh" >&2
    fi
    exit 1
  fi
  body=$(curl -fsS "http://127.0.0.1:$port/metrics" 2>/dev/null) || { echo "demo: waiting for the agent..."; continue; }
  table=$(printf '%s\n' "$body" | awk '
    /^microsandbox_(cpu_utilization|memory_usage_bytes|memory_limit_bytes|disk_bytes_read_bytes|network_bytes_received_bytes|uptime_seconds)\{/ {
      metric = $0; sub(/\{.*/, "", metric)
      if (!match($0, /sandbox_name="[^"]*"/)) next
      name = substr($0, RSTART + 14, RLENGTH - 15); names[name] = 1; v[name, metric] = $NF
      if (match($0, /tenant="[^"]*"/)) tenant[name] = substr($0, RSTART + 8, RLENGTH - 9)
    }
    END {
      for (n in names)
        printf "%-10s %-8s %7.2f%% %9.1f/%-10.0f %12.1f %12.1f %7.0fs\n", n, (n in tenant) ? tenant[n] : "-",
          v[n, "microsandbox_cpu_utilization"] * 100,
          v[n, "microsandbox_memory_usage_bytes"] / 1048576, v[n, "microsandbox_memory_limit_bytes"] / 1048576,
          v[n, "microsandbox_disk_bytes_read_bytes"] / 1048576, v[n, "microsandbox_network_bytes_received_bytes"] / 1024,
          v[n, "microsandbox_uptime_seconds"]
    }' | sort)
  if [ -z "$table" ]; then
    echo "demo: waiting for the first sample..."
    continue
  fi
  printf '\n%s  %s\n' "$(date +%T)" "per-sandbox metrics from the agent's Prometheus exporter"
  printf "%-10s %-8s %8s %20s %12s %12s %8s\n" "sandbox" "tenant" "cpu" "memory MiB/limit" "disk rd MiB" "net rx KiB" "uptime"
  printf '%s\n' "$table"
done
