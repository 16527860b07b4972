#!/usr/bin/env bash
# Runs inside the user_events guest (../shared/kvm/run-in-vm), started by UserEventsVmIT with
# JAVA, BUNDLE, SIMULATOR, APP_CP, APP_MAIN, OTLP_EVENTS and WORK in the environment. Everything it
# learns goes to files in $WORK, which the host reads after the guest has stopped.
set -u
cd "$WORK"
T=/sys/kernel/tracing
JOPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED"
note() { echo "guest: $*"; }

await() { # waits up to 300 s until file $1 has at least $3 lines matching $2
  for _ in $(seq 1 300); do
    [ "$(grep -c -- "$2" "$1" 2>/dev/null || true)" -ge "$3" ] && return 0; sleep 1
  done
  note "gave up waiting for $3 x '$2' in $1"; return 1
}
EXPORTED='name=microsandbox.collector.user_events.events'
record() { # perf record for $2 seconds into $1
  perf record -q -e user_events:otlp_metrics -a -o "$1" -- sleep "$2" > "$1.log" 2>&1
}

"$JAVA" -XX:TieredStopAtLevel=1 -jar "$SIMULATOR" --msb-home "$WORK/home" --sandboxes 50 \
  --period 1s --no-catalog > simulator.log 2>&1 &
sim=$!

# 1. The application: user_events (and console, which shows the exporter's own counters).
sleep 900 | env MSB_HOME="$WORK/home" OTEL_METRICS_EXPORTER=user_events,console \
  OTEL_METRIC_EXPORT_INTERVAL=3000 OTEL_TRACES_EXPORTER=none OTEL_LOGS_EXPORTER=none \
  "$JAVA" $JOPTS -javaagent:"$BUNDLE" -cp "$APP_CP" "$APP_MAIN" > app.log 2>&1 &
await app.log 'opentelemetry-javaagent - version' 1 || exit 3
app=$(pgrep -f -- "$APP_MAIN" | head -1)                 # the JVM itself, not the pipeline
await simulator.log 'simulator: 50 sandboxes' 1 || exit 3
await app.log "$EXPORTED" 3 || exit 3      # exports while nobody listens
grep -q otlp_metrics "$T/user_events_status" || { note "otlp_metrics is not registered"; exit 3; }
cp app.log app-before.log
record app.data 14 &
rec=$!
sleep 7
jcmd "$app" GC.run > /dev/null 2>&1 || true   # a GC: the JVM's duration histogram gets a point
wait "$rec"
cp app.log app-during.log
during=$(grep -c -- "$EXPORTED" app-during.log)
await app.log "$EXPORTED" $((during + 3)) # exports after perf detached
pkill -f 'sleep 900'                      # closes the app's stdin: it exits, flushing
while kill -0 "$app" 2>/dev/null; do sleep 1; done
echo "$app" > app.pid
perf script -i app.data -s "$OTLP_EVENTS" > app-events.txt 2> app-script.log

# 2. The bundle's sidecar, shorter.
env MSB_HOME="$WORK/home" OTEL_METRICS_EXPORTER=user_events OTEL_METRIC_EXPORT_INTERVAL=3000 \
  "$JAVA" $JOPTS -javaagent:"$BUNDLE" -jar "$BUNDLE" sidecar > sidecar.log 2>&1 &
sidecar=$!
await sidecar.log 'msb-otel sidecar running' 1 || exit 4
sleep 5
record sidecar.data 12
kill "$sidecar"; wait "$sidecar"
perf script -i sidecar.data -s "$OTLP_EVENTS" > sidecar-events.txt 2> sidecar-script.log

kill "$sim"; wait "$sim"
dmesg > dmesg.txt
note done
