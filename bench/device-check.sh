#!/usr/bin/env bash
# The GPU path's check, one script, a few minutes: builds (with -Pcuda when an NVIDIA GPU is visible),
# checks the ND4J network against the JVM kernel over 300 steps, and prints single-example step µs,
# MER examples/s and ER examples/s at batch 10, 100 and 1000 for 784-100-100-10 and 784-1000-1000-10,
# ND4J beside the JVM kernel. On a machine without a GPU it runs on ND4J's CPU backend and says so.
# Usage: bench/device-check.sh [--quick]      (exit 1 when the ND4J path does not follow the JVM kernel)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
PROFILE=()
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv
  PROFILE=(-Pcuda)
  unset OMP_NUM_THREADS
else
  echo "device-check: no NVIDIA GPU visible (nvidia-smi); building for the CPU backend"
fi
# DeviceCheck is in src/bench/java: it compiles with the tests and runs on the test classpath
mvn -B -q "${PROFILE[@]}" test-compile
mvn -B -q "${PROFILE[@]}" dependency:build-classpath -Dmdep.outputFile=target/device-classpath.txt -DincludeScope=test
exec java --add-modules jdk.incubator.vector -Djava.util.logging.manager=org.jboss.logmanager.LogManager '-Djdk.serialFilter=!*' \
  -Dorg.bytedeco.javacpp.cachedir=target/javacpp-cache \
  -cp "target/test-classes:target/classes:$(cat target/device-classpath.txt)" io.engram.bench.DeviceCheck "$@"
