#!/usr/bin/env bash
# RSS of one Engram instance holding N models: starts the packaged service (embedded broker) with
# engram.ingest.max-models=N, sends each model 50 train examples and a task end (784 inputs), waits
# until every model has a version, and prints the service's RSS and heap in use.
# Usage: bench/rss-models.sh [N=100] [extra KEY=VALUE settings as environment, e.g. ENGRAM_MODEL_HIDDEN=32]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100}"; shift || true
PORT="${PORT:-39092}"; HTTP="${HTTP:-18080}"
DATA="$(mktemp -d)"
[ -f target/quarkus-app/quarkus-run.jar ] || ./engram build
env ENGRAM_DATA_DIR="$DATA" ENGRAM_KAFKA_EMBEDDED_PORT="$PORT" QUARKUS_HTTP_PORT="$HTTP" ENGRAM_INGEST_MAX_MODELS="$N" \
    ENGRAM_EVALUATION_EVERY_EXAMPLES=0 OMP_NUM_THREADS=1 "$@" \
    java ${ENGRAM_HEAP_OPTS:--XX:MaxRAMPercentage=60} --add-modules jdk.incubator.vector -jar target/quarkus-app/quarkus-run.jar \
    > "$DATA/service.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
until curl -sf "localhost:$HTTP/q/health/ready" >/dev/null; do sleep 1; kill -0 $PID || { tail "$DATA/service.log"; exit 1; }; done
# ManyModels is in src/bench/java: it compiles with the tests and runs on the test classpath
mvn -B -q test-compile
[ -f target/test-classpath.txt ] || mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -DincludeScope=test
java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" io.engram.bench.ManyModels --bootstrap "127.0.0.1:$PORT" --models "$N"
start=$(date +%s)
until [ "$(curl -s "localhost:$HTTP/api/models" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -ge "$N" ]; do
  sleep 2; [ $(( $(date +%s) - start )) -lt 900 ] || { echo "timed out"; exit 1; }
done
sleep 5; jcmd $PID GC.run >/dev/null 2>&1; sleep 2
RSS=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
HEAP=$(jcmd $PID GC.heap_info 2>/dev/null | awk '/used/ {print; exit}')
echo "models=$N rss_mb=$((RSS / 1024)) settings: $* heap: $HEAP"
