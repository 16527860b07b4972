#!/usr/bin/env bash
# Runs inside the user_events guest (../shared/kvm/run-in-vm), started by UserEventsVmIT with
# JAVA, BUNDLE, EXTENSION, AGENT_OLDEST, AGENT_NEWEST, SIMULATOR, APP_CP, APP_MAIN, OTLP_EVENTS
# (our perf script handler, examples/user-events), FORMATS and WORK in the environment. Everything it
# learns goes to files in $WORK, which the host reads after the guest has stopped.
set -u
cd "$WORK"
T=/sys/kernel/tracing
mkdir -p "$WORK/tmp" # the JVMs' temporary files (the agents' extension copies, SQLite's library)
JBASE="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED"
JOPTS="$JBASE -Djava.io.tmpdir=$WORK/tmp"
# nobody may not enter $WORK (the test's own directory, rwx------): its JVMs get their own.
NOBODY_TMP=/tmp/nobody-tmp
mkdir -p "$NOBODY_TMP" && chown nobody "$NOBODY_TMP"
note() { echo "guest: $*"; }

await() { # waits up to 300 s until file $1 has at least $3 lines matching $2
  for _ in $(seq 1 300); do
    [ "$(grep -c -- "$2" "$1" 2>/dev/null || true)" -ge "$3" ] && return 0; sleep 1
  done
  note "gave up waiting for $3 x '$2' in $1"; return 1
}
# msb-metrics emits 11 of our 14 gauges; these are the other three.
MSB_EXTRA=microsandbox.cpu.time,microsandbox.memory.available,microsandbox.memory.host_resident
EXPORTED='name=microsandbox.collector.user_events.events'
record() { # perf record for $2 seconds into $1
  perf record -q -e user_events:otlp_metrics -a -o "$1" -- sleep "$2" > "$1.log" 2>&1
}

# 0. Permissions, as a user that is not root: with tracefs closed to others (drwx------, as many
# distributions mount it), then with only user_events_data closed. The WARN is logged while the
# agent starts, so the application may end at once (stdin is empty).
as_nobody() { # runs the bundle on the app as nobody, logging to $1
  setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp \
    OTEL_METRICS_EXPORTER=user_events OTEL_TRACES_EXPORTER=none OTEL_LOGS_EXPORTER=none \
    "$JAVA" $JBASE -Djava.io.tmpdir="$NOBODY_TMP" -javaagent:"$BUNDLE" -cp "$APP_CP" "$APP_MAIN" \
    < /dev/null > "$1" 2>&1
}
# 0b. The event as our exporter spells it and as the Rust exporter spells it (a trailing ';'), then
# a different definition, registered by hand: the kernel's answer to each.
python3 "$FORMATS" > formats.txt 2>&1

dir_mode=$(stat -c %a "$T"); file_mode=$(stat -c %a "$T/user_events_data")
chmod 700 "$T"; as_nobody nobody-dir.log
chmod 755 "$T"; chmod 600 "$T/user_events_data"; as_nobody nobody-file.log
chmod "$dir_mode" "$T"; chmod "$file_mode" "$T/user_events_data"

"$JAVA" -XX:TieredStopAtLevel=1 -jar "$SIMULATOR" --msb-home "$WORK/home" --sandboxes 50 \
  --period 1s --no-catalog > simulator.log 2>&1 &
sim=$!

# 1. The application: user_events (and console, which shows the exporter's own counters).
# Its stdin is a FIFO a sleeping writer holds open: a line 'gc' makes it collect; the writer's
# end ends it. The FIFO is in the guest's own /run: over 9p ($WORK) a FIFO reads as an empty file.
mkfifo /run/app.in
sleep 900 > /run/app.in &
stdin_holder=$!
env MSB_HOME="$WORK/home" OTEL_METRICS_EXPORTER=user_events,console \
  OTEL_METRIC_EXPORT_INTERVAL=3000 OTEL_TRACES_EXPORTER=none OTEL_LOGS_EXPORTER=none \
  "$JAVA" $JOPTS -javaagent:"$BUNDLE" -cp "$APP_CP" "$APP_MAIN" < /run/app.in > app.log 2>&1 &
await app.log 'opentelemetry-javaagent - version' 1 || exit 3
app=$(pgrep -f -- "$APP_MAIN" | head -1)                 # the JVM itself, not the pipeline
await simulator.log 'simulator: 50 sandboxes' 1 || exit 3
# The registry as a user who may not read it: root's (rw-------), then one's own at mode 000.
registry=$(ls /dev/shm/msb-met-*-v3 | head -1)
snapshot_as_nobody() { # $1: registry, $2: log
  setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp \
    "$JAVA" $JBASE -Djava.io.tmpdir="$NOBODY_TMP" -jar "$BUNDLE" snapshot --registry "$1" > "$2" 2>&1
}
snapshot_as_nobody "$registry" perm-root.log
mkdir -p /tmp/perm && cp "$registry" /tmp/perm/reg && chown nobody /tmp/perm/reg && chmod 000 /tmp/perm/reg
snapshot_as_nobody /tmp/perm/reg perm-own.log
await app.log "$EXPORTED" 3 || exit 3      # exports while nobody listens
grep -q otlp_metrics "$T/user_events_status" || { note "otlp_metrics is not registered"; exit 3; }
cp app.log app-before.log
record app.data 14 &
rec=$!
# GCs while perf listens: the exporter prefers delta temporality, so the JVM's duration histogram
# has a point only in an export after a GC. The app collects when asked on its stdin (jcmd cannot
# attach over the guest's 9p /tmp), here every 2 s for as long as perf records.
while kill -0 "$rec" 2>/dev/null; do
  echo gc > /run/app.in
  sleep 2
done
wait "$rec"
cp app.log app-during.log
during=$(grep -c -- "$EXPORTED" app-during.log)
await app.log "$EXPORTED" $((during + 3)) # exports after perf detached
kill "$stdin_holder"                      # closes the app's stdin: it exits, flushing
while kill -0 "$app" 2>/dev/null; do sleep 1; done
echo "$app" > app.pid
perf script -i app.data -s "$OTLP_EVENTS" > app-events.txt 2> app-script.log

# 2. The bundle's sidecar in its lean form (the plain SDK, no agent), shorter, at the smallest
# limit: its resource alone is larger, so every point goes in an event of its own above the limit.
env MSB_HOME="$WORK/home" OTEL_METRICS_EXPORTER=user_events OTEL_METRIC_EXPORT_INTERVAL=3000 \
  OTEL_EXPORTER_USER_EVENTS_MAX_EVENT_BYTES=256 \
  "$JAVA" $JOPTS -jar "$BUNDLE" sidecar > sidecar.log 2>&1 &
sidecar=$!
await sidecar.log 'msb-otel sidecar running' 1 || exit 4
sleep 5
record sidecar.data 12
kill "$sidecar"; wait "$sidecar"
perf script -i sidecar.data -s "$OTLP_EVENTS" > sidecar-events.txt 2> sidecar-script.log

# 3. The extension jar in the plain upstream agents: the oldest that runs the exporter on this JVM
# and the newest. Each an application, its events captured while it exports.
# Both instrument sets: the exporter prefers delta, so the sandbox counters go out as deltas. The
# newest runs without --enable-native-access, to show the JVM's warning about the FFM tracepoint.
for agent in oldest newest; do
  jar=$AGENT_OLDEST; opts=$JOPTS
  [ "$agent" = newest ] && jar=$AGENT_NEWEST && opts=${JOPTS/--enable-native-access=ALL-UNNAMED/}
  sleep 900 | env MSB_HOME="$WORK/home" OTEL_JAVAAGENT_EXTENSIONS="$EXTENSION" \
    OTEL_METRICS_EXPORTER=user_events OTEL_METRIC_EXPORT_INTERVAL=2000 OTEL_TRACES_EXPORTER=none \
    OTEL_LOGS_EXPORTER=none OTEL_MICROSANDBOX_INSTRUMENTS=both \
    "$JAVA" $opts -javaagent:"$jar" -cp "$APP_CP" "$APP_MAIN" > "agent-$agent.log" 2>&1 &
  await "agent-$agent.log" 'microsandbox metrics on' 1 || exit 6
  pid=$(pgrep -f -- "$APP_MAIN" | head -1)
  sleep 3
  record "agent-$agent.data" 7
  pkill -f 'sleep 900'
  while kill -0 "$pid" 2>/dev/null; do sleep 1; done
  perf script -i "agent-$agent.data" -s "$OTLP_EVENTS" > "agent-$agent-events.txt" \
    2> "agent-$agent-script.log"
done

kill "$sim"; wait "$sim"
dmesg > dmesg.txt

# 4. writev calls per export: 1000 sandboxes x the 11 gauges of msb-metrics, one sidecar at the
# default limit and one at the hard limit, side by side, each reading the registry once per export
# (the sidecar's default 1 s sampling would put five samples of every series in an export).
# ftrace records the events: perf cannot take one over 8 KiB, ftrace none over its sub-buffer
# (64 KiB here), and its raw listing gives one short line per event (writing thread, CPU, ns),
# where the text view leaves out events with long arrays. This kernel has no hist triggers.
"$JAVA" -XX:TieredStopAtLevel=1 -Xmx128m -jar "$SIMULATOR" --msb-home "$WORK/home1000" \
  --sandboxes 1000 --period 1s --no-catalog > simulator1000.log 2>&1 &
sim=$!
for limit in 4000 65360; do
  env MSB_HOME="$WORK/home1000" OTEL_METRICS_EXPORTER=user_events OTEL_METRIC_EXPORT_INTERVAL=5000 \
    OTEL_MICROSANDBOX_COLLECT_INTERVAL=off OTEL_EXPORTER_USER_EVENTS_MAX_EVENT_BYTES=$limit \
    OTEL_MICROSANDBOX_METRICS_EXCLUDE=$MSB_EXTRA \
    "$JAVA" $JOPTS -Xmx128m -javaagent:"$BUNDLE" -jar "$BUNDLE" sidecar > "sidecar-$limit.log" 2>&1 &
  echo $! > "sidecar-$limit.pid"
done
await simulator1000.log 'simulator: 1000 sandboxes' 1 || exit 5
await sidecar-4000.log 'msb-otel sidecar running' 1 || exit 5
await sidecar-65360.log 'msb-otel sidecar running' 1 || exit 5
sleep 10
E="$T/events/user_events/otlp_metrics"
echo 64 > "$T/buffer_subbuf_size_kb"; echo 16384 > "$T/buffer_size_kb"
echo 1 > "$T/options/raw"; echo > "$T/trace"
echo 1 > "$E/enable"
sleep 32
echo 0 > "$E/enable"
cp "$T/trace" writes.txt
for limit in 4000 65360; do
  ls "/proc/$(cat "sidecar-$limit.pid")/task" > "threads-$limit.txt"
  kill "$(cat "sidecar-$limit.pid")"
done
kill "$sim"; wait
note done
